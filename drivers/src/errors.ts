/**
 * Typed drive errors. Every expected failure of a drive, its media, its image
 * or its tool is one of these, so a scheduler can act on the flags instead of
 * parsing messages:
 *
 * - `retryable`: another attempt (on this or another drive, with another disc)
 *   may succeed. False when the same request would fail again anywhere.
 * - `driveFault`: the failure speaks against the drive (counts toward quarantine).
 * - `needsOperator`: a person has to do something at the drive (insert, remove,
 *   replace a disc, reconnect the drive).
 */

/** Details of the tool run behind an error, when there was one. */
export interface ToolFailure {
  readonly tool: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last lines the tool wrote to stderr and stdout, for the report. */
  readonly output: string;
}

export interface DriveErrorOptions {
  readonly device?: string;
  readonly tool?: ToolFailure;
  readonly cause?: unknown;
}

/** Base class of all drive errors. */
export abstract class DriveError extends Error {
  /** Stable machine-readable code, e.g. `NO_MEDIA`. */
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  abstract readonly driveFault: boolean;
  abstract readonly needsOperator: boolean;
  readonly device: string | undefined;
  readonly tool: ToolFailure | undefined;

  constructor(message: string, options: DriveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.device = options.device;
    this.tool = options.tool;
  }

  /** Plain object for logs, history records and JSON output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      driveFault: this.driveFault,
      needsOperator: this.needsOperator,
      ...(this.device === undefined ? {} : { device: this.device }),
      ...(this.tool === undefined ? {} : { tool: this.tool }),
    };
  }
}

/** No disc in the drive (or the tray is open). */
export class NoMediaError extends DriveError {
  readonly code = 'NO_MEDIA';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = true;
}

/** The disc in the drive cannot take this job (closed disc, ROM, CD for a DVD image, audio on non-CD). */
export class WrongMediaError extends DriveError {
  readonly code = 'WRONG_MEDIA';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = true;
}

/** The image is larger than the free space of the disc. */
export class MediaTooSmallError extends DriveError {
  readonly code = 'MEDIA_TOO_SMALL';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = true;
  constructor(
    message: string,
    readonly neededSectors: number,
    readonly availableSectors: number,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The drive failed to write (medium error, I/O error, no space on a pseudo drive). The disc is a coaster. */
export class WriteError extends DriveError {
  readonly code: string = 'WRITE_ERROR';
  readonly retryable = true;
  readonly driveFault = true;
  readonly needsOperator = true;
  constructor(
    message: string,
    /** Bytes the tool reported as written before the failure, when known. */
    readonly bytesWritten?: number,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The host could not feed the drive fast enough; the disc is a coaster. */
export class BufferUnderrunError extends WriteError {
  override readonly code = 'BUFFER_UNDERRUN';
}

/** The target refuses writes: write-protected medium, read-only file system. */
export class WriteProtectedError extends DriveError {
  readonly code = 'WRITE_PROTECTED';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = true;
}

/** Sectors could not be read back. */
export class ReadError extends DriveError {
  readonly code = 'READ_ERROR';
  readonly retryable = true;
  readonly driveFault = true;
  readonly needsOperator = false;
  constructor(
    message: string,
    /** First sector (2048-byte block, from the start of the disc) that could not be read. */
    readonly sector: number,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The disc read back differs from the image. The disc is a coaster. */
export class VerifyMismatchError extends DriveError {
  readonly code = 'VERIFY_MISMATCH';
  readonly retryable = true;
  readonly driveFault = true;
  readonly needsOperator = true;
  constructor(
    message: string,
    /** First 2048-byte sector where disc and image differ. */
    readonly firstDifferingSector: number,
    readonly imageSha256: string,
    readonly discSha256: string,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** Another process holds the drive. */
export class DriveBusyError extends DriveError {
  readonly code = 'DRIVE_BUSY';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = false;
}

/** The drive disappeared (unplugged, powered off, device node gone). */
export class DriveGoneError extends DriveError {
  readonly code = 'DRIVE_GONE';
  readonly retryable = true;
  readonly driveFault = true;
  readonly needsOperator = true;
}

/** A required program is not installed; the message names the Debian package. */
export class ToolMissingError extends DriveError {
  readonly code = 'TOOL_MISSING';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = false;
  constructor(
    readonly program: string,
    readonly debianPackage: string,
    options: DriveErrorOptions = {},
  ) {
    super(`${program} is not installed: apt-get install ${debianPackage}`, options);
  }
}

/** The operation was cancelled by its AbortSignal. */
export class CancelledError extends DriveError {
  readonly code = 'CANCELLED';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = false;
  constructor(message = 'cancelled', options: DriveErrorOptions = {}) {
    super(message, options);
  }
}

/** The image to burn is missing, unreadable or malformed. Nothing was written. */
export class ImageError extends DriveError {
  readonly code = 'IMAGE_ERROR';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = false;
}

/** The device address is not one this library understands, or names no drive. */
export class InvalidDeviceError extends DriveError {
  readonly code = 'INVALID_DEVICE';
  readonly retryable = false;
  readonly driveFault = false;
  readonly needsOperator = false;
}

/** A SCSI command a drive failed, with the sense data it answered. */
export interface ScsiFailure {
  /** Operation code, e.g. `0x53`. */
  readonly opcode: number;
  /** Command name as the tool printed it (else the MMC name), e.g. `RESERVE TRACK`. */
  readonly command: string;
  /** Sense key (5 = ILLEGAL REQUEST: the drive refused the command). */
  readonly senseKey: number;
  /** Additional sense code and qualifier. */
  readonly asc: number;
  readonly ascq: number;
  /** Readable sense text, e.g. `Illegal request, invalid command operation code`. */
  readonly description: string;
}

/**
 * The drive refused or failed a SCSI command, and no other class describes
 * the failure; `scsi` names the command and its sense data (the message says
 * the same in one line, e.g. `cdrskin: READ DISC STRUCTURE (ADh) refused:
 * sense 5/24/00 Illegal request, invalid field in CDB`). It speaks against the
 * drive; another drive may well do it.
 */
export class ScsiCommandError extends DriveError {
  readonly code: string = 'SCSI_COMMAND_FAILED';
  readonly retryable = true;
  readonly driveFault: boolean = true;
  readonly needsOperator = false;
  constructor(
    message: string,
    readonly scsi: ScsiFailure,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), scsi: this.scsi };
  }
}

/**
 * The drive refused a write mode before a byte was written: it answered a
 * write set-up command (RESERVE TRACK, SEND CUE SHEET, MODE SELECT of the
 * write parameters) with ILLEGAL REQUEST. The disc is untouched and may be
 * burned in another mode; the cdrecord backend does that itself (SAO, then
 * TAO), so this reaches a caller only when no other mode was left to try.
 * Not a fault of the drive or the disc.
 */
export class WriteModeRefusedError extends ScsiCommandError {
  override readonly code = 'WRITE_MODE_REFUSED';
  override readonly driveFault = false;
  constructor(
    message: string,
    scsi: ScsiFailure,
    /** The refused mode. */
    readonly mode: 'sao' | 'tao',
    options: DriveErrorOptions = {},
  ) {
    super(message, scsi, options);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), mode: this.mode };
  }
}

/**
 * The drive answered a command of the burn with UNIT ATTENTION (sense key 6):
 * something on its bus or in the drive changed under the burn (a reset, the
 * target's LUN inventory changed, another medium). The tool gives up and the
 * disc is a coaster; the drive itself is not at fault.
 */
export class UnitAttentionError extends ScsiCommandError {
  override readonly code = 'UNIT_ATTENTION';
  override readonly driveFault = false;
}

/**
 * The tool was killed by a signal this library did not send (a person, a
 * crash, the OOM killer): a cancel of ours is a `CancelledError`. A burn it
 * was writing leaves a partly written disc. `tool.signal` names the signal;
 * the message says so with the tool's last words.
 */
export class ToolKilledError extends DriveError {
  readonly code = 'TOOL_KILLED';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = false;
}

/** The tool failed in a way no other class describes; `tool` has its output. */
export class ToolError extends DriveError {
  readonly code = 'TOOL_ERROR';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = false;
}

/** True for any error of this module. */
export function isDriveError(value: unknown): value is DriveError {
  return value instanceof DriveError;
}
