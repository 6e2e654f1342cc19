/**
 * The long poll of `GET /api/runs/:id?waitFor=final&timeoutMs=…`: the
 * answer is held until the run reaches a final status (completed,
 * cancelled, failed), the time given passes, the client goes away or the
 * app closes, and then the run is read and sent as it is. `tower run
 * --wait` learns of a run's end when the controller does, instead of at
 * its next poll.
 *
 * What wakes a waiter: a drive worker's run event as the planner receives
 * it (`run:event`): the attempt that made the run reach N ends the hold at
 * once (the run store recorded the run completed before the event was
 * published), without waiting for the planner to remove the run's queued
 * jobs first (seconds, under load, of the run's end that `tower run --wait`
 * would pay); a copy that failed for the last time has the status read.
 * Then the planner's `run:update` of the run (created, completed, failed,
 * paused, resumed, cancelled), whose record ends the hold when it is final,
 * and the API's own `run-changed` (a finishing cancel settled), after which
 * the run's status is read (one HGET); so it is every `RECHECK_MS`, so a
 * change no event announced is not missed for longer. One listener on each
 * source serves every held request.
 */
import type { RunEvent, RunRecord } from '@tower/jobs';
import type { RunStatusName } from '../shared/api-types.js';
import type { ApiServices } from './api-services.js';

/** Run statuses after which nothing more happens. */
export const FINAL_STATUSES: ReadonlySet<RunStatusName | string> = new Set(['completed', 'cancelled', 'failed']);

/** Longest hold a request may ask for (`timeoutMs`), ms. */
export const MAX_WAIT_MS = 60_000;

/** Hold when `waitFor` is given without `timeoutMs`, ms. */
export const DEFAULT_WAIT_MS = 20_000;

/** A waiter's own look at the run's status when no event woke it, ms. */
const RECHECK_MS = 1000;

/** One held request: `look` reads the run's status and calls `wake` when it is final; `wake` ends the hold. */
interface Waiter {
  readonly look: () => void;
  readonly wake: () => void;
}

/** Holds requests until their run is final; one per app. */
export class RunFinalWaits {
  readonly #s: ApiServices;
  readonly #byRun = new Map<string, Set<Waiter>>();
  readonly #all = new Set<Waiter>();
  #listening = false;

  constructor(s: ApiServices) {
    this.#s = s;
  }

  /** Requests held now. */
  get holding(): number {
    return this.#all.size;
  }

  /**
   * Resolve once run `runId`'s status is final, `timeoutMs` has passed or
   * `signal` aborts (the client left, the app closes). Never rejects on its
   * own: a failed status read ends the wait too, and the caller's read of the
   * run answers for it (503 while Redis is away).
   */
  async wait(runId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || timeoutMs <= 0) return;
    let wake: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const look = (): void => {
      void this.#final(runId).then((final) => {
        if (final) wake();
      }, () => wake());
    };
    const waiter: Waiter = { look, wake };
    this.#add(runId, waiter);
    signal.addEventListener('abort', wake, { once: true });
    const timer = setTimeout(wake, timeoutMs);
    const recheck = setInterval(look, RECHECK_MS);
    try {
      // The status may have become final between the caller's read and the listeners above.
      look();
      await ended;
    } finally {
      clearTimeout(timer);
      clearInterval(recheck);
      signal.removeEventListener('abort', wake);
      this.#remove(runId, waiter);
    }
  }

  /** End every wait now (the app closes). */
  releaseAll(): void {
    for (const w of [...this.#all]) w.wake();
  }

  async #final(runId: string): Promise<boolean> {
    const status = await this.#s.deps.redis.hget(this.#s.keys.run(runId), 'status');
    return status === null || FINAL_STATUSES.has(status);
  }

  /** The planner's record is read at the change: a final one ends the run's holds without another read. */
  readonly #onPlannerRun = (run: RunRecord): void => {
    if (FINAL_STATUSES.has(run.status)) for (const w of [...(this.#byRun.get(run.id) ?? [])]) w.wake();
  };

  /** A worker's event: the run's last good copy ends its holds; a copy given up has the status read. */
  readonly #onRunEvent = (event: RunEvent): void => {
    const waiters = this.#byRun.get(event.runId);
    if (waiters === undefined) return;
    if (event.kind === 'attempt-end' && event.runCompleted) for (const w of [...waiters]) w.wake();
    else if (event.kind === 'copy-exhausted') for (const w of waiters) w.look();
  };

  readonly #onRunChanged = (runId: string): void => {
    for (const w of this.#byRun.get(runId) ?? []) w.look();
  };

  #add(runId: string, waiter: Waiter): void {
    let set = this.#byRun.get(runId);
    if (set === undefined) {
      set = new Set();
      this.#byRun.set(runId, set);
    }
    set.add(waiter);
    this.#all.add(waiter);
    if (!this.#listening) {
      this.#listening = true;
      this.#s.deps.planner.on('run:update', this.#onPlannerRun);
      this.#s.deps.planner.on('run:event', this.#onRunEvent);
      this.#s.events.on('run-changed', this.#onRunChanged);
    }
  }

  #remove(runId: string, waiter: Waiter): void {
    const set = this.#byRun.get(runId);
    set?.delete(waiter);
    if (set?.size === 0) this.#byRun.delete(runId);
    this.#all.delete(waiter);
    if (this.#listening && this.#all.size === 0) {
      this.#listening = false;
      this.#s.deps.planner.off('run:update', this.#onPlannerRun);
      this.#s.deps.planner.off('run:event', this.#onRunEvent);
      this.#s.events.off('run-changed', this.#onRunChanged);
    }
  }
}
