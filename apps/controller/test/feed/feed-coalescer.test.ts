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
  updatedAt?: number;
}

function setup(): { clock: FakeClock; out: Partial<V>[]; c: FeedCoalescer<V> } {
  const clock = new FakeClock();
  const out: Partial<V>[] = [];
  const c = new FeedCoalescer<V>((d) => out.push(d), { intervalMs: 250, clock, progressFields: ['percent', 'updatedAt'] });
  return { clock, out, c };
}

const view = (state: string, percent: number | null, message: string | null = null, id = 'd1'): V => ({ id, state, percent, message });
/** A view with the source's time of the event (the agent's `updatedAt`). */
const at = (updatedAt: number, state: string, percent: number | null, message: string | null = null, id = 'd1'): V => ({ id, state, percent, message, updatedAt });

describe('FeedCoalescer', () => {
  it('sends the first view whole, then only changed fields', () => {
    const { out, c, clock } = setup();
    c.push(view('blank', null));
    expect(out).toEqual([{ id: 'd1', state: 'blank', percent: null, message: null }]);
    clock.advance(300);
    c.push(view('blank', null, 'hello'));
    expect(out[1]).toEqual({ id: 'd1', message: 'hello' });
  });

  it('sends a state change and the first progress tick 5 ms after it both at once', () => {
    const { out, c, clock } = setup();
    c.push(at(0, 'blank', null));
    clock.advance(1000);
    c.push(at(1000, 'burning', 0));
    clock.advance(5);
    c.push(at(1005, 'burning', 1));
    expect(out.slice(1)).toEqual([{ id: 'd1', state: 'burning', percent: 0, updatedAt: 1000 }, { id: 'd1', percent: 1, updatedAt: 1005 }]);
    expect(clock.pending).toBe(0);
  });

  it('does not let a state change reset the progress clock', () => {
    const { out, c, clock } = setup();
    c.push(at(0, 'burning', 0));
    clock.advance(100);
    c.push(at(100, 'burning', 10)); // first tick: at once
    clock.advance(100);
    c.push(at(200, 'burning', 20, 'a message')); // not progress-only: at once
    clock.advance(200);
    c.push(at(400, 'burning', 30, 'a message')); // 300 ms after the last tick in source time: at once
    expect(out.slice(1).map((d) => d.percent)).toEqual([10, 20, 30]);
    expect(clock.pending).toBe(0);
  });

  it('spaces progress ticks 100 ms apart in source time to one per 250 ms, with the last values', () => {
    const clock = new FakeClock();
    const out: (Partial<V> & { t: number })[] = [];
    const c = new FeedCoalescer<V>((d) => out.push({ ...d, t: clock.t }), { intervalMs: 250, clock, progressFields: ['percent', 'updatedAt'] });
    c.push(at(0, 'burning', 0));
    for (let i = 1; i <= 20; i++) {
      clock.advance(100);
      c.push(at(i * 100, 'burning', i));
    }
    clock.advance(300);
    // The first tick at once (t=100), then one every 250 ms.
    expect(out.slice(1).map((d) => d.t)).toEqual([100, 350, 600, 850, 1100, 1350, 1600, 1850, 2100]);
    expect(out.slice(1).map((d) => d.percent)).toEqual([1, 3, 5, 8, 10, 13, 15, 18, 20]);
    expect(out.at(-1)).toEqual({ id: 'd1', percent: 20, updatedAt: 2000, t: 2100 });
    expect(clock.pending).toBe(0);
  });

  it('does not hold ticks 250 ms apart at the source that Redis delivers 200 ms apart', () => {
    const { out, c, clock } = setup();
    c.push(at(0, 'burning', 0));
    clock.advance(300);
    c.push(at(250, 'burning', 1)); // delivered 50 ms late
    expect(out).toHaveLength(2);
    clock.advance(200);
    c.push(at(500, 'burning', 2)); // on time: 200 ms after the previous arrival
    expect(out).toHaveLength(3);
    expect(out[2]).toEqual({ id: 'd1', percent: 2, updatedAt: 500 });
    clock.advance(260);
    c.push(at(750, 'burning', 3));
    expect(out).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });

  it('does not send two ticks within half the interval however late the first was', () => {
    const { out, c, clock } = setup();
    c.push(at(0, 'burning', 0));
    clock.advance(1000);
    c.push(at(250, 'burning', 1)); // delivered 750 ms late
    clock.advance(10);
    c.push(at(500, 'burning', 2)); // due by source time, but only 10 ms after the last send
    expect(out).toHaveLength(2);
    clock.advance(114);
    expect(out).toHaveLength(2);
    clock.advance(1);
    expect(out.at(-1)).toEqual({ id: 'd1', percent: 2, updatedAt: 500 });
  });

  it('holds a tick too close in source time until the interval has passed on the controller clock', () => {
    const { out, c, clock } = setup();
    c.push(at(0, 'burning', 0));
    clock.advance(10);
    c.push(at(10, 'burning', 1)); // first tick: at once (t=10)
    clock.advance(240);
    c.push(at(240, 'burning', 2)); // 230 ms after in source time: held until t=260
    expect(out).toHaveLength(2);
    clock.advance(9);
    expect(out).toHaveLength(2);
    clock.advance(1);
    expect(out.at(-1)).toEqual({ id: 'd1', percent: 2, updatedAt: 240 });
  });

  it('without source times, spaces ticks on the controller clock', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 0));
    out.length = 0;
    for (let i = 1; i <= 20; i++) {
      clock.advance(5);
      c.push(view('burning', i));
    }
    expect(out).toEqual([{ id: 'd1', percent: 1 }]);
    clock.advance(250);
    expect(out).toEqual([{ id: 'd1', percent: 1 }, { id: 'd1', percent: 20 }]);
    expect(clock.pending).toBe(0);
  });

  it('sends a tick at once when the interval has passed', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 0));
    clock.advance(1000);
    c.push(view('burning', 50));
    expect(out.at(-1)).toEqual({ id: 'd1', percent: 50 });
  });

  it('never holds or loses a state change: it goes at once with the newest values, a held tick is moot', () => {
    const { out, c, clock } = setup();
    c.push(at(0, 'burning', 0));
    clock.advance(10);
    c.push(at(10, 'burning', 40)); // at once
    clock.advance(10);
    c.push(at(20, 'burning', 99)); // held
    expect(clock.pending).toBe(1);
    c.push(at(21, 'verifying', 0));
    expect(out.slice(1)).toEqual([{ id: 'd1', percent: 40, updatedAt: 10 }, { id: 'd1', state: 'verifying', percent: 0, updatedAt: 21 }]);
    expect(clock.pending).toBe(0);
    clock.advance(1);
    c.push(at(22, 'done', null, 'Take the disc out'));
    expect(out.at(-1)).toEqual({ id: 'd1', state: 'done', percent: null, message: 'Take the disc out', updatedAt: 22 });
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
    clock.advance(1);
    c.push(view('burning', 6, null, 'a'));
    c.push(view('burning', 8, null, 'b'));
    clock.advance(300);
    expect(out.slice(2)).toEqual([{ id: 'a', percent: 5 }, { id: 'b', percent: 7 }, { id: 'a', percent: 6 }, { id: 'b', percent: 8 }]);
  });

  it('drops a held delta that was undone, and stops its timer on close', () => {
    const { out, c, clock } = setup();
    c.push(view('burning', 10));
    clock.advance(1);
    c.push(view('burning', 11)); // first tick: at once
    clock.advance(1);
    c.push(view('burning', 12)); // held
    c.push(view('burning', 11)); // back to what the client holds
    clock.advance(300);
    expect(out).toHaveLength(2);
    c.push(view('burning', 12));
    clock.advance(1);
    c.push(view('burning', 13));
    expect(clock.pending).toBe(1);
    c.close();
    expect(clock.pending).toBe(0);
  });

  it('diff compares nested values by content', () => {
    expect(diff({ id: 'x', q: { a: 1 } as unknown }, { id: 'x', q: { a: 1 } })).toEqual({});
    expect(diff({ id: 'x', q: { a: 1 } as unknown }, { id: 'x', q: null })).toEqual({ q: null });
  });
});
