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
 * What the planner publishes on `tower:run-control`: stop the run's burns in
 * flight (`cancel`), or new work is queued (`work`: idle drives look at once).
 */
export type RunControlMessage =
  | { readonly action: 'cancel'; readonly runId: string; readonly reason: string }
  | { readonly action: 'work'; readonly runId: string };

/** Parse a pub/sub message; null when it is not JSON of an object with a string `kind`/`action`. */
export function parseMessage<T>(text: string, field: 'kind' | 'action'): T | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[field] === 'string' ? (v as T) : null;
  } catch {
    return null;
  }
}
