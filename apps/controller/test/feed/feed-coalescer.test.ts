import { describe, expect, it } from 'vitest';
import { diff, FeedCoalescer } from '../../src/feed/feed-coalescer.js';
import type { CoalescerClock } from '../../src/feed/feed-coalescer.js';

/** A manual clock: time moves only when the test says so. */
class FakeClock implements CoalescerClock {
  t = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const due = this.#timers[0];
      if (due === undefined || due.at > end) break;
      this.#timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.#timers.length;
  }
}

interface V {
  id: string;
  state: string;
  percent: number | null;
  message: string | null;
}

function setup(): { clock: FakeClock; out: Partial<V>[]; c: FeedCoalescer<V> } {
  const clock = new FakeClock();
  const out: Partial<V>[] = [];
  const c = new FeedCoalescer<V>((d) => out.push(d), { intervalMs: 250, clock });
  return { clock, out, c };
}

const view = (state: string, percent: number | null, message: string | null = null, id = 'd1'): V => ({ id, state, percent, message });

describe('FeedCoalescer', () => {
  it('sends the first view whole, then only changed fields', () => {
    const { out, c, clock } = setup();
    c.push(view('blank', null));
    expect(out).toEqual([{ id: 'd1', state: 'blank', percent: null, message: null }]);
    clock.advance(300);
    c.push(view('blank', null, 'hello'));
    expect(out[1]).toEqual({ id: 'd1', message: 'hello' });
  });

  it('merges 20 progress ticks in 100 ms into at most one delta per 250 ms, with the last values', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 0));
    out.length = 0;
    for (let i = 1; i <= 20; i++) {
      clock.advance(5);
      c.push(view('burning', i));
    }
    expect(out).toEqual([]);
    clock.advance(250);
    expect(out).toEqual([{ id: 'd1', percent: 20 }]);
    expect(clock.pending).toBe(0);
  });

  it('sends a tick at once when the interval has passed', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 0));
    clock.advance(1000);
    c.push(view('burning', 50));
    expect(out.at(-1)).toEqual({ id: 'd1', percent: 50 });
  });

  it('never loses a state change: the pending delta goes first, then the new state, both at once', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 0));
    clock.advance(10);
    c.push(view('burning', 40));
    clock.advance(10);
    c.push(view('burning', 99));
    c.push(view('verifying', 0));
    expect(out.slice(1)).toEqual([{ id: 'd1', percent: 99 }, { id: 'd1', state: 'verifying', percent: 0 }]);
    clock.advance(1);
    c.push(view('done', null, 'Take the disc out'));
    expect(out.at(-1)).toEqual({ id: 'd1', state: 'done', percent: null, message: 'Take the disc out' });
    expect(clock.pending).toBe(0);
  });

  it('sends a state that changes and changes back within the interval', () => {
    const { out, c, clock } = setup();
    c.push(view('blank', null));
    clock.advance(1);
    c.push(view('burning', 0));
    c.push(view('failed', null));
    c.push(view('blank', null));
    expect(out.map((d) => d.state)).toEqual(['blank', 'burning', 'failed', 'blank']);
  });

  it('keeps drives apart', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 0, null, 'a'));
    c.push(view('burning', 0, null, 'b'));
    clock.advance(1);
    c.push(view('burning', 5, null, 'a'));
    c.push(view('burning', 7, null, 'b'));
    clock.advance(300);
    expect(out.slice(2)).toEqual([{ id: 'a', percent: 5 }, { id: 'b', percent: 7 }]);
  });

  it('drops a pending delta that was undone, and stops its timer on close', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 10));
    clock.advance(1);
    c.push(view('burning', 11));
    c.push(view('burning', 10));
    clock.advance(300);
    expect(out).toHaveLength(1);
    c.push(view('burning', 12));
    clock.advance(1);
    c.push(view('burning', 13));
    c.close();
    expect(clock.pending).toBe(0);
  });

  it('diff compares nested values by content', () => {
    expect(diff({ id: 'x', q: { a: 1 } as unknown }, { id: 'x', q: { a: 1 } })).toEqual({});
    expect(diff({ id: 'x', q: { a: 1 } as unknown }, { id: 'x', q: null })).toEqual({ q: null });
  });
});
