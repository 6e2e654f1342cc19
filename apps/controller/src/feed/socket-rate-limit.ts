/**
 * The rate limit of what one feed connection sends (every client→server
 * event, `snapshot:request` or any other): events within a small allowance
 * are handled, the excess is dropped, and a connection that keeps sending
 * far beyond it is closed. Two token buckets: every event takes a token from
 * the hard bucket (empty: close) and then from the soft one (empty: drop).
 */
import { monotonicClock, TokenBucket } from './token-bucket.js';
import type { MonotonicClock } from './token-bucket.js';

/** Limits of one connection's events. */
export interface SocketRateLimitOptions {
  /** Events handled in a burst. */
  readonly burst: number;
  /** Events handled per second after the burst. */
  readonly perSecond: number;
  /** Events (handled or dropped) in a burst before the connection is closed. */
  readonly hardBurst: number;
  /** Events (handled or dropped) per second a connection may keep sending without being closed. */
  readonly hardPerSecond: number;
}

/**
 * The defaults: a screen sends one `snapshot:request` after a reconnect, so a
 * burst of 10 and 2 a second are plenty; a burst of 100, or more than 10 a
 * second for long, is no screen.
 */
export const DEFAULT_SOCKET_RATE_LIMIT: SocketRateLimitOptions = { burst: 10, perSecond: 2, hardBurst: 100, hardPerSecond: 10 };

/** What to do with an event. */
export type RateVerdict = 'handle' | 'drop' | 'close';

/** The rate limit of one connection. */
export class SocketRateLimit {
  readonly #soft: TokenBucket;
  readonly #hard: TokenBucket;
  #closed = false;
  #dropped = 0;

  constructor(options: SocketRateLimitOptions = DEFAULT_SOCKET_RATE_LIMIT, clock: MonotonicClock = monotonicClock) {
    this.#soft = new TokenBucket(options.burst, options.perSecond, clock);
    this.#hard = new TokenBucket(options.hardBurst, options.hardPerSecond, clock);
  }

  /** Events dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The verdict on one more event; once `close`, always `close`. */
  verdict(): RateVerdict {
    if (this.#closed || !this.#hard.take()) {
      this.#closed = true;
      return 'close';
    }
    if (this.#soft.take()) return 'handle';
    this.#dropped++;
    return 'drop';
  }
}
