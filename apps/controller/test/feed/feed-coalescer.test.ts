import { describe, expect, it } from 'vitest';
import { diff, FeedCoalescer } from '../../src/feed/feed-coalescer.js';

interface V {
  id: string;
  state: string;
  percent: number | null;
  message: string | null;
  q?: unknown;
}

function setup(): { out: Partial<V>[]; c: FeedCoalescer<V> } {
  const out: Partial<V>[] = [];
  return { out, c: new FeedCoalescer<V>((d) => out.push(d)) };
}

const view = (state: string, percent: number | null, message: string | null = null, id = 'd1'): V => ({ id, state, percent, message });

describe('FeedCoalescer', () => {
  it('sends the first view whole, then only the changed fields', () => {
    const { out, c } = setup();
    c.push(view('blank', null));
    c.push(view('burning', 0));
    c.push(view('burning', 0, 'writing'));
    expect(out).toEqual([
      { id: 'd1', state: 'blank', percent: null, message: null },
      { id: 'd1', state: 'burning', percent: 0 },
      { id: 'd1', message: 'writing' },
    ]);
    expect(c.sent('d1')).toEqual(view('burning', 0, 'writing'));
  });

  it('holds nothing: every progress tick it is offered goes out at once, in order (progress is throttled at its source)', () => {
    const { out, c } = setup();
    c.push(view('burning', 0));
    for (let i = 1; i <= 20; i++) c.push(view('burning', i));
    c.push(view('verifying', 0));
    expect(out.slice(1).map((d) => d.percent)).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 0]);
    expect(out.at(-1)).toEqual({ id: 'd1', state: 'verifying', percent: 0 });
  });

  it('does not send a view equal to the one the clients hold', () => {
    const { out, c } = setup();
    c.push(view('burning', 5));
    c.push(view('burning', 5));
    c.push({ ...view('burning', 5), q: { a: 1 } });
    c.push({ ...view('burning', 5), q: { a: 1 } });
    expect(out).toHaveLength(2);
    expect(out[1]).toEqual({ id: 'd1', q: { a: 1 } });
  });

  it('keeps drives apart, and sends a forgotten drive whole again', () => {
    const { out, c } = setup();
    c.push(view('blank', null, null, 'a'));
    c.push(view('blank', null, null, 'b'));
    c.push(view('burning', 1, null, 'a'));
    expect(out.map((d) => d.id)).toEqual(['a', 'b', 'a']);
    c.forget('b');
    expect(c.sent('b')).toBeNull();
    c.push(view('blank', null, null, 'b'));
    expect(out.at(-1)).toEqual({ id: 'b', state: 'blank', percent: null, message: null });
    c.close();
    expect(c.sent('a')).toBeNull();
  });

  it('diff compares nested values by content, and a field the new view lacks is null', () => {
    expect(diff({ id: 'x', q: { a: 1 } as unknown }, { id: 'x', q: { a: 1 } })).toEqual({});
    expect(diff({ id: 'x', q: { a: 1 } as unknown }, { id: 'x', q: null })).toEqual({ q: null });
    expect(diff<{ id: string; m?: string }>({ id: 'x', m: 'a' }, { id: 'x' })).toEqual({ m: null });
  });
});
