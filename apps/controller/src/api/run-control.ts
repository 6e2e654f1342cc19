/**
 * Pause, resume and cancel: the API's side of run control, one state machine
 * in Redis (the transition table is in @tower/jobs, `run-control.ts`; the
 * planner's `controlRun` writes each transition in one Lua script, then makes
 * the queues follow it). Of two racing requests exactly one finds the state it
 * needs; the other gets 409 CONFLICT naming the state it found (`state` in the
 * error body: queued, running, paused, cancelling, completed, failed,
 * cancelled). The planner announces every change (`run:update`), which the
 * feed relays.
 *
 * A cancel with `inFlight: 'finish'` makes the run `cancelling`: paused, its
 * queued jobs removed, no burn starts, and it cannot be resumed; once no
 * attempt is open (`settle`, called on every attempt end and every read of
 * the run) it becomes `cancelled`. A cancel with `inFlight: 'cancel'` also
 * stops the burns in flight, from any unfinished state, a cancelling one too.
 */
import type { RunControlAction, RunControlState, RunPlanner } from '@tower/jobs';
import { ApiError, notFound } from './api-error.js';

/** What an operator can do to a run. */
export class RunControl {
  constructor(private readonly planner: RunPlanner) {}

  /** Pause; 404 unknown, 409 unless queued or running. */
  async pause(runId: string, by: string): Promise<void> {
    await this.#control(runId, 'pause', `paused by ${by}`);
  }

  /** Resume; 404 unknown, 409 unless paused (a cancelling run is not). */
  async resume(runId: string): Promise<void> {
    await this.#control(runId, 'resume');
  }

  /** Cancel; `finish` lets burns in flight end first. 404 unknown, 409 when finished (or, for `finish`, already cancelling). */
  async cancel(runId: string, inFlight: 'cancel' | 'finish', by: string): Promise<void> {
    await this.#control(runId, inFlight === 'cancel' ? 'cancel-now' : 'cancel-finish', `cancelled by ${by}`);
  }

  /** Complete a cancelling run once no attempt is open. Safe to call any time (one script, a no-op otherwise). */
  async settle(runId: string): Promise<void> {
    await this.planner.settleRun(runId);
  }

  async #control(runId: string, action: RunControlAction, reason?: string): Promise<void> {
    const result = await this.planner.controlRun(runId, action, reason);
    if (!result.ok) {
      if (result.found === 'missing') throw notFound('run', runId, 'id');
      throw refusal(runId, action, result.found);
    }
  }
}

/** The 409 of a transition the run's state does not allow. */
function refusal(runId: string, action: RunControlAction, found: RunControlState): ApiError {
  const is = found === 'cancelling' ? 'being cancelled (waiting for its burns in flight)' : found;
  const message = action === 'pause'
    ? `run ${runId} is ${is}: only a queued or running run can be paused`
    : action === 'resume'
      ? `run ${runId} is ${is}: only a paused run can be resumed`
      : `run ${runId} is already ${is}`;
  return new ApiError(409, 'CONFLICT', message, undefined, { state: found });
}
