/**
 * Errors of mastering (reading a master disc into an image), in addition to
 * the drive errors of `errors.ts`, with the same flags.
 */
import { DriveError } from '../errors.js';
import type { DriveErrorOptions } from '../errors.js';
import type { DamageMap } from './damage-map.js';

/**
 * The image does not fit where it is to be written: the free-space check
 * before reading failed, or the file system filled up while writing (ENOSPC,
 * EDQUOT). Nothing is left behind. Another attempt fails the same way until
 * someone makes room, so: not retryable, not the drive's fault.
 */
export class InsufficientSpaceError extends DriveError {
  readonly code = 'INSUFFICIENT_SPACE';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = true;
  constructor(
    message: string,
    /** Bytes the image needs (plus the reserve asked for), when known. */
    readonly neededBytes?: number,
    /** Bytes free for unprivileged users (statfs `bavail`), when known. */
    readonly availableBytes?: number,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * The image file could not be created, written or moved into place for a
 * reason other than space: missing directory, read-only file system,
 * permissions, an I/O error of the host disk.
 */
export class MasterOutputError extends DriveError {
  readonly code = 'MASTER_OUTPUT_ERROR';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = true;
}

/**
 * Sectors of the master stayed unreadable after the retries and damaged
 * images were not allowed. `map` says which; no image was kept. Another
 * drive may read them (retryable), and the disc is usually at fault, not
 * the drive.
 */
export class DamagedMasterError extends DriveError {
  readonly code = 'DAMAGED_MASTER';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = true;
  constructor(
    message: string,
    readonly map: DamageMap,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), unreadableSectors: this.map.unreadableSectors, ranges: this.map.ranges };
  }
}
