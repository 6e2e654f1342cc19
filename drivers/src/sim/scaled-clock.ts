/**
 * Time for the simulated drive: model (real-world) milliseconds turned into
 * wall-clock waits by a `timeScale` factor (0.01 runs everything 100 times
 * faster), with abortable sleeps that leave no timer behind.
 */
import { CancelledError } from '../errors.js';

/** Scales model time to wall time and sleeps. */
export class ScaledClock {
  /**
   * @param timeScale wall milliseconds per model millisecond (> 0).
   * @param now wall clock in milliseconds (injectable for tests).
   */
  constructor(
    readonly timeScale: number,
    readonly now: () => number = () => performance.now(),
  ) {
    if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  }

  /** Wall milliseconds of a model duration. */
  wallMs(modelMs: number): number {
    return modelMs * this.timeScale;
  }

  /** Model milliseconds since a wall-clock instant taken from `now()`. */
  modelSince(wallStart: number): number {
    return (this.now() - wallStart) / this.timeScale;
  }

  /** Sleep for a model duration; rejects with the signal's reason when it aborts. */
  sleep(modelMs: number, signal: AbortSignal): Promise<void> {
    return this.sleepWall(this.wallMs(modelMs), signal);
  }

  /** Sleep for a wall-clock duration; rejects with the signal's reason when it aborts. */
  sleepWall(wallMs: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, wallMs));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The reason of an aborted signal as a thrown value: a CancelledError unless it already is an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : new CancelledError();
}
