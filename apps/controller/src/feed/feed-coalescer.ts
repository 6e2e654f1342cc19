/**
 * FeedCoalescer: turns a stream of full views (one per drive event) into
 * deltas a browser can take (`{ id, ...fieldsChangedSinceTheLastDelta }`).
 *
 * The guarantee, per id:
 *
 * - A view that changes `state` or any other field that is not a progress
 *   field (see `progressFields`) is sent at once, as one delta holding every
 *   field changed since the last delta sent. It is never held, dropped or
 *   merged into a later view, and it does not count against the progress
 *   throttle (it neither waits for it nor resets it).
 * - A view that changes only progress fields (a progress tick) is throttled
 *   in the source's time: `updatedAt`, when the agent published the event.
 *   Each progress delta sent takes a slot: its `updatedAt`, or the previous
 *   slot + `intervalMs` when that is later. A tick is sent at once when
 *   (a) its `updatedAt` is at least `intervalMs` after the previous slot and
 *       at least `intervalMs / 2` have passed on the controller's clock
 *       since the last progress delta was sent; or
 *   (b) `intervalMs` have passed on the controller's clock since then.
 *   Otherwise it is held; a newer tick replaces a held one, and the held one
 *   is sent at the earliest time (a) or (b) allows (or made moot by a state
 *   change or a view equal to what was sent).
 * - So two successive progress deltas are at least `intervalMs` apart in
 *   source time or, when the later one had to wait, on the controller's
 *   clock, and never less than `intervalMs / 2` apart on arrival; their
 *   slots are `intervalMs` apart, so on average at most one per
 *   `intervalMs`. A tick Redis delivers a little early relative to the
 *   previous one (delivery jitter) is not held. The last view offered always
 *   reaches the client, at most `intervalMs` after it was offered.
 * - A view identical to what was last sent is not sent (and cancels a held
 *   one). Views without a numeric `updatedAt` fall back to rule (b) alone.
 */

/** Timers, injectable for tests. */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: CoalescerClock = {
  // Monotonic: a step of the wall clock must not hold a delta for the length of the step.
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The fields of a drive view that change with every progress tick. */
export const DRIVE_PROGRESS_FIELDS: readonly string[] = ['percent', 'speedX', 'speedMBps', 'etaSeconds', 'bufferPercent', 'updatedAt'];

/** Options of a {@link FeedCoalescer}. */
export interface FeedCoalescerOptions {
  /** Minimum spacing of two progress deltas of one id, in source time (see the class doc). Default 250. */
  readonly intervalMs?: number;
  readonly clock?: CoalescerClock;
  /** Fields whose changes alone make a progress tick (throttled). Default {@link DRIVE_PROGRESS_FIELDS}. */
  readonly progressFields?: Iterable<string>;
}

/** Something with an id, a state and (optionally) the source's time of the event. */
export interface Coalescable {
  readonly id: string;
  readonly state: string;
  readonly updatedAt?: number;
}

interface Entry<V> {
  /** What the clients hold (the last view a delta was sent for). */
  sent: V | null;
  /** A progress view waiting for its turn. */
  held: V | null;
  /** Source-time slot and controller time of the last progress delta sent. */
  progressSrc: number;
  progressAt: number;
  timer: unknown;
  timerAt: number;
}

/** Coalesces views into deltas (`{ id, ...changedFields }`). */
export class FeedCoalescer<V extends Coalescable> {
  readonly #emit: (delta: Pick<V, 'id'> & Partial<V>) => void;
  readonly #interval: number;
  readonly #clock: CoalescerClock;
  readonly #progress: ReadonlySet<string>;
  readonly #entries = new Map<string, Entry<V>>();

  constructor(emit: (delta: Pick<V, 'id'> & Partial<V>) => void, options: FeedCoalescerOptions = {}) {
    this.#emit = emit;
    this.#interval = options.intervalMs ?? 250;
    this.#clock = options.clock ?? systemClock;
    this.#progress = new Set(options.progressFields ?? DRIVE_PROGRESS_FIELDS);
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
      e = { sent: null, held: null, progressSrc: -Infinity, progressAt: -Infinity, timer: null, timerAt: 0 };
      this.#entries.set(view.id, e);
    }
    if (e.sent === null) {
      this.#send(e, view, { ...view });
      return;
    }
    const changed = diff(e.sent, view);
    let progressOnly = true;
    let any = false;
    for (const k in changed) {
      any = true;
      if (!this.#progress.has(k)) {
        progressOnly = false;
        break;
      }
    }
    if (!any) {
      this.#cancel(e);
      return;
    }
    if (!progressOnly) {
      // A state change: at once, with whatever progress it carries; a held tick is older, so moot.
      this.#send(e, view, changed);
      return;
    }
    const at = this.#dueAt(e, view);
    if (at <= now) {
      this.#sendProgress(e, view, changed, now);
      return;
    }
    e.held = view;
    if (e.timer !== null && e.timerAt === at) return;
    if (e.timer !== null) this.#clock.clearTimeout(e.timer);
    const entry = e;
    e.timerAt = at;
    e.timer = this.#clock.setTimeout(() => {
      entry.timer = null;
      const held = entry.held;
      if (held === null || this.#entries.get(held.id) !== entry || entry.sent === null) return;
      this.#sendProgress(entry, held, diff(entry.sent, held), this.#clock.now());
    }, at - now);
  }

  /** Send every held delta now. */
  flushAll(): void {
    const now = this.#clock.now();
    for (const e of this.#entries.values()) if (e.held !== null && e.sent !== null) this.#sendProgress(e, e.held, diff(e.sent, e.held), now);
  }

  /** Forget an id (a drive that went away). */
  forget(id: string): void {
    const e = this.#entries.get(id);
    if (e !== undefined) this.#cancel(e);
    this.#entries.delete(id);
  }

  /** Stop every timer; held deltas are dropped. */
  close(): void {
    for (const e of this.#entries.values()) this.#cancel(e);
    this.#entries.clear();
  }

  /** Controller time at which a progress view may go out (rules (a) and (b) of the class doc). */
  #dueAt(e: Entry<V>, view: V): number {
    const byClock = e.progressAt + this.#interval;
    const src = view.updatedAt;
    if (typeof src === 'number' && Number.isFinite(src) && src - e.progressSrc >= this.#interval) {
      return Math.min(byClock, e.progressAt + this.#interval / 2);
    }
    return byClock;
  }

  #cancel(e: Entry<V>): void {
    if (e.timer !== null) this.#clock.clearTimeout(e.timer);
    e.timer = null;
    e.held = null;
  }

  #sendProgress(e: Entry<V>, view: V, changed: Partial<V>, now: number): void {
    e.progressAt = now;
    const src = view.updatedAt;
    e.progressSrc = Math.max(typeof src === 'number' && Number.isFinite(src) ? src : -Infinity, e.progressSrc + this.#interval);
    this.#send(e, view, changed);
  }

  #send(e: Entry<V>, view: V, changed: Partial<V>): void {
    this.#cancel(e);
    e.sent = view;
    const delta = changed as Record<string, unknown>;
    delta.id = view.id;
    this.#emit(delta as Pick<V, 'id'> & Partial<V>);
  }
}

/** Fields of `b` that differ from `a` (deep for plain values), `id` excluded; a field `b` lacks is null. */
export function diff<V extends object>(a: V, b: V): Partial<V> {
  const out: Record<string, unknown> = {};
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k in rb) {
    if (k === 'id') continue;
    const x = ra[k];
    const y = rb[k];
    if (x === y) continue;
    if (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y)) continue;
    out[k] = y === undefined ? null : y;
  }
  for (const k in ra) {
    if (k === 'id' || k in rb) continue;
    if (ra[k] !== undefined) out[k] = null;
  }
  return out as Partial<V>;
}
