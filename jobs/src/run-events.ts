/**
 * Messages between drive workers and the planner, over Redis pub/sub.
 */
import type { AttemptOutcome } from './run-records.js';

/** A drive worker closed an attempt. */
export interface AttemptEndEvent {
  readonly kind: 'attempt-end';
  readonly runId: string;
  readonly copy: number;
  readonly attemptId: string;
  readonly driveId: string;
  readonly outcome: AttemptOutcome;
  readonly counted: boolean;
  readonly surplus: boolean;
  /** This attempt made the run reach N. */
  readonly runCompleted: boolean;
  readonly errorCode?: string;
}

/** A copy job failed for the last time (its attempts are spent, or the error is final). */
export interface CopyExhaustedEvent {
  readonly kind: 'copy-exhausted';
  readonly runId: string;
  readonly copy: number;
  readonly jobId: string;
  /** Replacement number of the exhausted job (0: the slot's first job). */
  readonly replacement: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly retryable: boolean;
}

/** What drive workers publish on `tower:run-events`. */
export type RunEvent = AttemptEndEvent | CopyExhaustedEvent;

/**
 * What is published on `tower:run-control`: stop the run's burns in flight
 * (`cancel`, by the planner), or there is work to take (`work`: idle drives
 * look at once). A `work` message may name the only drives it concerns
 * (`drives`) and when to look (`at`, ms since the epoch): a drive worker
 * sends one when it gave back a copy that only other agents' drives may
 * burn, timed for when the copy is back in the queue.
 */
export type RunControlMessage =
  | { readonly action: 'cancel'; readonly runId: string; readonly reason: string }
  | { readonly action: 'work'; readonly runId: string; readonly drives?: readonly string[]; readonly at?: number };

/** Parse a pub/sub message; null when it is not JSON of an object with a string `kind`/`action`. */
export function parseMessage<T>(text: string, field: 'kind' | 'action'): T | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[field] === 'string' ? (v as T) : null;
  } catch {
    return null;
  }
}
