import type { DriveCounts } from './attempt-results.js';
import type { AttemptError, AttemptRecord } from './run-records.js';

/**
 * The error a failed copy throws: the drive's typed error (or an internal
 * one), with the attempt it was recorded under.
 */
export class CopyFailedError extends Error {
  constructor(
    cause: unknown,
    /** The recorded attempt; null when the copy failed before one was begun (media refused). */
    readonly attempt: AttemptRecord | null,
    readonly error: AttemptError,
    /** The drive's counts once the attempt was closed; null when none was, or they are not kept yet. */
    readonly driveCounts: DriveCounts | null = null,
  ) {
    super(error.message, { cause });
    this.name = 'CopyFailedError';
  }

  /** The failure was a cancellation (the attempt is recorded `cancelled`). */
  get cancelled(): boolean {
    return this.error.code === 'CANCELLED';
  }
}
