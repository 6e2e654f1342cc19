/**
 * Errors of the image library. Every refusal has its own class and a stable
 * `code`, so the API can map it to a status and the UI can say what to do.
 *
 * - `ImageValidationError` and its subclasses: the image itself is refused
 *   (malformed, truncated, unrecognised, too large, damaged).
 * - The other `LibraryError`s: the request is refused (path outside the import
 *   roots, upload too large, unknown id, image in use).
 *
 * Images are read by the drivers' image reader; `fromImageReadError` turns
 * its refusals into these classes, with the same message.
 */
import { describeImageProblem, isImageReadError } from 'node-cdrecord-wrapper';

/** Base class of every library error. */
export abstract class LibraryError extends Error {
  /** Stable machine-readable code, e.g. `CUE_SYNTAX`. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** Plain object for logs and API answers. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Base class of every reason an image is refused. */
export abstract class ImageValidationError extends LibraryError {}

/** The file is neither an ISO 9660 image nor a CUE sheet (the message says what it looks like). */
export class UnrecognisedImageError extends ImageValidationError {
  readonly code = 'IMAGE_UNRECOGNISED';
}

/** The ISO 9660 primary volume descriptor is not sane (version, block size, volume size...). */
export class IsoDescriptorError extends ImageValidationError {
  readonly code = 'ISO_BAD_DESCRIPTOR';
}

/** The file is shorter than the ISO 9660 volume it describes. */
export class IsoTruncatedError extends ImageValidationError {
  readonly code = 'ISO_TRUNCATED';
  constructor(
    readonly expectedBytes: number,
    readonly actualBytes: number,
  ) {
    super(`image is truncated: its ISO 9660 volume needs ${expectedBytes} bytes, the file has ${actualBytes}`);
  }
}

/** A pure UDF volume that is not sane (recognition sequence, anchor, descriptors), or of an unsupported revision or block size. */
export class UdfDescriptorError extends ImageValidationError {
  readonly code = 'UDF_BAD_DESCRIPTOR';
}

/** The file is shorter than the volume or container it describes (a UDF volume, an NRG image...). */
export class ImageTruncatedError extends ImageValidationError {
  readonly code = 'IMAGE_TRUNCATED';
}

/** A compressed or container image (gzip, xz, bzip2, zstd, TOC, NRG, CCD, MDS...) whose conversion or proof failed. */
export class ImageConversionError extends ImageValidationError {
  readonly code = 'IMAGE_CONVERSION_FAILED';
}

/** A decompressed or converted image larger than the library's limit (a decompression bomb); nothing was kept. */
export class ConversionTooLargeError extends ImageValidationError {
  readonly code = 'CONVERSION_TOO_LARGE';
}

/** A converted image whose volume the tower cannot burn and verify (a DMG holding HFS+ or APFS alone, no ISO 9660 or UDF). */
export class UnburnableVolumeError extends ImageValidationError {
  readonly code = 'IMAGE_NOT_BURNABLE';
}

/** A container's file reference (MDS, CCD, TOC) that names something outside its folder. */
export class ContainerPathTraversalError extends ImageValidationError {
  readonly code = 'CONTAINER_PATH_TRAVERSAL';
}

/** A CUE sheet line that cannot be parsed. */
export class CueSyntaxError extends ImageValidationError {
  readonly code: string = 'CUE_SYNTAX';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`CUE sheet line ${line}: ${message}`);
  }
}

/** A TRACK with a mode this library does not know. */
export class CueUnknownModeError extends CueSyntaxError {
  override readonly code = 'CUE_UNKNOWN_MODE';
  constructor(
    line: number,
    readonly mode: string,
  ) {
    super(line, `unknown track mode '${mode}'`);
  }
}

/** A CUE sheet that parses but does not describe a usable disc (no tracks, TRACK before FILE, numbering...). */
export class CueStructureError extends ImageValidationError {
  readonly code = 'CUE_STRUCTURE';
}

/** INDEX positions outside their file, not increasing, or a track without INDEX 01. */
export class CueIndexError extends ImageValidationError {
  readonly code = 'CUE_BAD_INDEX';
}

/** A FILE type the library cannot burn (WAVE, AIFF, MP3: convert to BINARY). */
export class CueUnsupportedFileTypeError extends ImageValidationError {
  readonly code = 'CUE_UNSUPPORTED_FILE_TYPE';
}

/** A FILE (or CDTEXTFILE) that names something outside the CUE sheet's folder. */
export class CuePathTraversalError extends ImageValidationError {
  readonly code = 'CUE_PATH_TRAVERSAL';
  constructor(readonly fileName: string, reason = 'names a file outside its folder') {
    super(`CUE sheet ${reason}: ${fileName}`);
  }
}

/** A FILE that does not exist (or is not a regular file). */
export class CueMissingFileError extends ImageValidationError {
  readonly code = 'CUE_MISSING_FILE';
  constructor(readonly fileName: string) {
    super(`CUE sheet names a missing file: ${fileName}`);
  }
}

/** A BIN file that is not a whole number of frames of its track mode. */
export class CueSizeMismatchError extends ImageValidationError {
  readonly code = 'CUE_SIZE_MISMATCH';
  constructor(
    readonly fileName: string,
    readonly bytes: number,
    readonly frameBytes: number,
    readonly mode: string,
  ) {
    super(`${fileName} is ${bytes} bytes, not a whole number of ${frameBytes}-byte ${mode} frames`);
  }
}

/** The image fits no media size (larger than a BD DL, or a CUE image larger than a 90-minute CD). */
export class ImageTooLargeError extends ImageValidationError {
  readonly code = 'IMAGE_TOO_LARGE';
}

/** The image has unreadable sectors and the caller did not allow damaged images. */
export class DamagedImageError extends ImageValidationError {
  readonly code = 'IMAGE_DAMAGED';
}

/** A damage report that does not describe sectors of the image. */
export class InvalidDamageReportError extends ImageValidationError {
  readonly code = 'BAD_DAMAGE_REPORT';
}

/** An import path outside the configured import roots (`..`, absolute path elsewhere, escaping symlink) or not a file. */
export class ImportPathError extends LibraryError {
  readonly code = 'IMPORT_PATH_REFUSED';
  constructor(
    readonly requestedPath: string,
    reason: string,
  ) {
    super(`cannot import ${requestedPath}: ${reason}`);
  }
}

/** An upload larger than the limit; nothing was kept. */
export class UploadTooLargeError extends LibraryError {
  readonly code = 'UPLOAD_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`upload exceeds the limit of ${limitBytes} bytes`);
  }
}

/** The library's volume has no room for the image (ENOSPC, or a quota); nothing of it was kept. */
export class InsufficientStorageError extends LibraryError {
  readonly code = 'INSUFFICIENT_STORAGE';
  /**
   * @param freeBytes Free bytes on the library's volume (after the partial copy was removed).
   * @param neededBytes What the image needs; with `atLeast`, what had arrived when the volume filled up.
   */
  constructor(
    readonly freeBytes: number,
    readonly neededBytes: number,
    readonly atLeast: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `the library volume is full: ${freeBytes} bytes free (${humanBytes(freeBytes)}), the image needs ${atLeast ? 'more than ' : ''}${neededBytes} bytes (${humanBytes(neededBytes)}); `
      + 'make room on it (delete images) or move the library to a larger volume',
      options,
    );
  }
}

/** True for an error that says a volume (or a quota) is full. */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** No image with this id. */
export class ImageNotFoundError extends LibraryError {
  readonly code = 'IMAGE_NOT_FOUND';
  constructor(readonly imageId: string) {
    super(`no image with id ${imageId}`);
  }
}

/** The image is used by an unfinished run and cannot be deleted. */
export class ImageInUseError extends LibraryError {
  readonly code = 'IMAGE_IN_USE';
  constructor(readonly imageId: string) {
    super(`image ${imageId} is used by an unfinished run`);
  }
}

/** A display name that is empty, too long or holds control characters. */
export class InvalidImageNameError extends LibraryError {
  readonly code = 'INVALID_IMAGE_NAME';
}

/** A request the library cannot serve for another reason (bad options, missing companion stream...). */
export class LibraryRequestError extends LibraryError {
  readonly code = 'LIBRARY_BAD_REQUEST';
}

/**
 * The library's refusal for a refusal of the image reader (an
 * `ImageReadError` of node-cdrecord-wrapper): the class, and so the code and
 * API status, of its kind, and the very same message. Any other value is
 * returned as it is.
 */
export function fromImageReadError(err: unknown): unknown {
  if (!isImageReadError(err)) return err;
  const p = err.problem;
  switch (p.kind) {
    case 'unrecognised': return new UnrecognisedImageError(p.detail);
    case 'iso-descriptor': return new IsoDescriptorError(p.detail);
    case 'iso-truncated': return new IsoTruncatedError(p.expectedBytes, p.actualBytes);
    case 'udf-descriptor': return new UdfDescriptorError(p.detail);
    case 'image-truncated': return new ImageTruncatedError(describeImageProblem(p));
    case 'needs-conversion': return new UnrecognisedImageError(p.detail);
    case 'conversion-failed': return new ImageConversionError(p.detail);
    case 'conversion-too-large': return new ConversionTooLargeError(describeImageProblem(p));
    case 'container-path-traversal': return new ContainerPathTraversalError(p.detail);
    case 'cue-syntax': return new CueSyntaxError(p.line, p.detail);
    case 'cue-unknown-mode': return new CueUnknownModeError(p.line, p.mode);
    case 'cue-structure': return new CueStructureError(p.detail);
    case 'cue-index': return new CueIndexError(p.detail);
    case 'cue-unsupported-file-type': return new CueUnsupportedFileTypeError(p.detail);
    case 'cue-path-traversal': return new CuePathTraversalError(p.fileName, p.reason);
    case 'cue-missing-file': return new CueMissingFileError(p.fileName);
    case 'cue-size-mismatch': return new CueSizeMismatchError(p.fileName, p.bytes, p.frameBytes, p.mode);
  }
}

/** True for any error of the library. */
export function isLibraryError(value: unknown): value is LibraryError {
  return value instanceof LibraryError;
}

/** A malware scan that could not be done (no signature database, no clamscan, a timeout): the message says why and what to do. */
export class MalwareScanError extends LibraryError {
  readonly code = 'MALWARE_SCAN_FAILED';
}
