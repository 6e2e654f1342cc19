/**
 * What the run store answers about attempts: why a begin was refused, what
 * an end counted, a drive's totals, the attempt already closed, and on whose
 * authority an agent's open attempts are closed.
 */
import type { AttemptRecord } from './run-records.js';

/** Why `beginAttempt` refused: the copy must not be burned. */
export type BeginRefusal =
  | 'run-missing' | 'run-cancelled' | 'run-completed' | 'run-failed' | 'run-paused' | 'slot-passed' | 'attempt-exists';

/** Result of `beginAttempt`. */
export type BeginResult =
  | { readonly ok: true; readonly attempt: AttemptRecord; readonly driveOrdinal: number }
  | { readonly ok: false; readonly reason: BeginRefusal };

/** A drive's attempt outcomes so far. */
export interface DriveCounts {
  readonly passed: number;
  /** Failed or interrupted (coasters); a copy refused for its media (`isMediaRefusal`) is none. */
  readonly failed: number;
}

/** Result of `endAttempt`. */
export interface EndResult {
  /** This passed attempt made its slot count. */
  readonly counted: boolean;
  /** This passed attempt was a good disc beyond the count. */
  readonly surplus: boolean;
  /** This attempt made the run reach N (the run is now `completed`). */
  readonly runCompleted: boolean;
  /** The run's passed count after this attempt. */
  readonly passed: number;
  /** The drive's counts after this attempt; null while they are not kept yet (see `RunStore.driveCounts`). */
  readonly driveCounts: DriveCounts | null;
}

/** The attempt was already closed (attempts are append-only) or never begun. */
export class AttemptClosedError extends Error {
  readonly code = 'ATTEMPT_CLOSED';
  constructor(readonly attemptId: string, readonly reason: 'closed' | 'missing') {
    super(reason === 'closed' ? `attempt ${attemptId} is already closed` : `attempt ${attemptId} does not exist`);
    this.name = 'AttemptClosedError';
  }
}

/**
 * On whose authority `closeInterruptedAttempts` closes an agent's attempts:
 * the holder of the agent's lease (its value), or anyone once the lease has
 * expired.
 */
export type LeaseGuard = { readonly owner: string } | { readonly expired: true };
