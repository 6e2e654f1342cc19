/**
 * FeedCoalescer: turns a stream of full views (one per drive event) into
 * deltas a browser can take. Per id, at most one delta each `intervalMs`;
 * progress ticks in between are merged into one delta holding only the
 * fields that changed since the last one sent. A change of `state` is never
 * dropped or merged away: it flushes the pending delta of that id at once,
 * then sends the new state at once.
 */

/** Timers, injectable for tests. */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: CoalescerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Options of a {@link FeedCoalescer}. */
export interface FeedCoalescerOptions {
  /** Minimum ms between two deltas of one id (state changes excepted). Default 250. */
  readonly intervalMs?: number;
  readonly clock?: CoalescerClock;
}

/** Something with an id and a state. */
export interface Coalescable {
  readonly id: string;
  readonly state: string;
}

interface Entry<V> {
  sent: V | null;
  pending: V | null;
  lastEmitAt: number;
  timer: unknown;
}

/** Coalesces views into deltas (`{ id, ...changedFields }`). */
export class FeedCoalescer<V extends Coalescable> {
  readonly #emit: (delta: Pick<V, 'id'> & Partial<V>) => void;
  readonly #interval: number;
  readonly #clock: CoalescerClock;
  readonly #entries = new Map<string, Entry<V>>();

  constructor(emit: (delta: Pick<V, 'id'> & Partial<V>) => void, options: FeedCoalescerOptions = {}) {
    this.#emit = emit;
    this.#interval = options.intervalMs ?? 250;
    this.#clock = options.clock ?? systemClock;
  }

  /** The last view of an id as sent (what clients hold), or null. */
  sent(id: string): V | null {
    return this.#entries.get(id)?.sent ?? null;
  }

  /** Offer the current full view of an id. */
  push(view: V): void {
    const now = this.#clock.now();
    let e = this.#entries.get(view.id);
    if (e === undefined) {
      e = { sent: null, pending: null, lastEmitAt: -Infinity, timer: null };
      this.#entries.set(view.id, e);
    }
    if (e.sent === null) {
      this.#send(e, view, now);
      return;
    }
    const base = e.pending ?? e.sent;
    if (view.state !== base.state) {
      if (e.pending !== null) this.#send(e, e.pending, now);
      this.#send(e, view, now);
      return;
    }
    if (Object.keys(diff(e.sent, view)).length === 0) {
      this.#cancel(e);
      return;
    }
    if (e.timer === null && now - e.lastEmitAt >= this.#interval) {
      this.#send(e, view, now);
      return;
    }
    e.pending = view;
    if (e.timer === null) {
      e.timer = this.#clock.setTimeout(() => {
        const entry = this.#entries.get(view.id);
        if (entry === undefined) return;
        entry.timer = null;
        if (entry.pending !== null) this.#send(entry, entry.pending, this.#clock.now());
      }, Math.max(0, e.lastEmitAt + this.#interval - now));
    }
  }

  /** Send every pending delta now. */
  flushAll(): void {
    for (const e of this.#entries.values()) if (e.pending !== null) this.#send(e, e.pending, this.#clock.now());
  }

  /** Forget an id (a drive that went away). */
  forget(id: string): void {
    const e = this.#entries.get(id);
    if (e !== undefined) this.#cancel(e);
    this.#entries.delete(id);
  }

  /** Stop every timer; pending deltas are dropped. */
  close(): void {
    for (const e of this.#entries.values()) this.#cancel(e);
    this.#entries.clear();
  }

  #cancel(e: Entry<V>): void {
    if (e.timer !== null) this.#clock.clearTimeout(e.timer);
    e.timer = null;
    e.pending = null;
  }

  #send(e: Entry<V>, view: V, now: number): void {
    const changed = e.sent === null ? { ...view } : diff(e.sent, view);
    this.#cancel(e);
    e.sent = view;
    if (Object.keys(changed).length === 0) return;
    e.lastEmitAt = now;
    this.#emit({ ...changed, id: view.id } as Pick<V, 'id'> & Partial<V>);
  }
}

/** Fields of `b` that differ from `a` (deep for plain values), `id` excluded. */
export function diff<V extends object>(a: V, b: V): Partial<V> {
  const out: Record<string, unknown> = {};
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (k === 'id') continue;
    const x = ra[k];
    const y = rb[k];
    if (x === y) continue;
    if (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y)) continue;
    out[k] = y === undefined ? null : y;
  }
  return out as Partial<V>;
}
