/**
 * A token bucket: `capacity` tokens, refilled at `perSecond`; taking a token
 * succeeds while one is left. Time comes from an injectable monotonic clock
 * (ms), so tests need not wait.
 */

/** Milliseconds from a monotonic clock. */
export type MonotonicClock = () => number;

/** The default clock: `performance.now()`. */
export const monotonicClock: MonotonicClock = () => performance.now();

/** A token bucket, full when made. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    /** Most tokens held (the burst). */
    readonly capacity: number,
    /** Tokens added per second. */
    readonly perSecond: number,
    private readonly now: MonotonicClock = monotonicClock,
  ) {
    this.#tokens = capacity;
    this.#at = now();
  }

  /** Take one token: true when there was one. */
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
