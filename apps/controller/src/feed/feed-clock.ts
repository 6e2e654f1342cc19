/**
 * The feed's timers, injectable for tests (the relay spaces a run's
 * `run:update` events with them).
 */

/** Timers on a monotonic clock. */
export interface FeedClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: FeedClock = {
  // Monotonic: a step of the wall clock must not hold an event for the length of the step.
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
