/**
 * Why the image reader refused an image. Every refusal is an
 * `ImageReadError` (an `ImageError`, code `IMAGE_ERROR`) carrying a typed
 * `problem`: its kind and the numbers behind it, so a caller with its own
 * error classes (the controller's image library) can map each kind to one of
 * them and keep the very same message (`describeImageProblem`).
 */
import type { DriveErrorOptions } from '../errors.js';
import { ImageError } from '../errors.js';

/** Kinds whose whole message is `detail`. */
export type ImageProblemWithDetail =
  /** Neither an ISO 9660 image nor a CUE sheet (empty, raw BIN, UDF without ISO 9660, text, noise). */
  | 'unrecognised'
  /** An insane ISO 9660 primary volume descriptor (version, block size, volume size). */
  | 'iso-descriptor'
  /** A CUE sheet that parses but describes no usable disc (no TRACK, TRACK before FILE, numbering, frame sizes). */
  | 'cue-structure'
  /** INDEX positions outside their file or not increasing. */
  | 'cue-index'
  /** A pure UDF volume whose recognition sequence, anchor or descriptors are missing or insane, or of an unsupported revision or block size. */
  | 'udf-descriptor'
  /** A file that is a container or compressed image (gzip, xz, NRG, ...) the library converts; burned as it is it would be wrong. */
  | 'needs-conversion'
  /** A compressed or container image whose conversion failed or whose proof (checksum, round trip) did not hold. */
  | 'conversion-failed'
  /** A container's file reference (MDS, CCD, TOC) naming something outside its folder. */
  | 'container-path-traversal'
  /** A FILE type that is not raw sector data (WAVE, AIFF, MP3). */
  | 'cue-unsupported-file-type';

/** What is wrong with an image, with its numbers. */
export type ImageProblem =
  | { readonly kind: ImageProblemWithDetail; readonly detail: string }
  /** The file is shorter than the ISO 9660 volume its primary descriptor declares. */
  | { readonly kind: 'iso-truncated'; readonly expectedBytes: number; readonly actualBytes: number }
  /** The file is shorter than the volume or container it describes (`what`: e.g. `UDF volume`, `NRG image`). */
  | { readonly kind: 'image-truncated'; readonly what: string; readonly expectedBytes: number; readonly actualBytes: number }
  /** Decompressed or converted output larger than the library's limit (a decompression bomb): stopped, nothing kept. */
  | { readonly kind: 'conversion-too-large'; readonly what: string; readonly limitBytes: number }
  /** A CUE sheet line that cannot be parsed. */
  | { readonly kind: 'cue-syntax'; readonly line: number; readonly detail: string }
  /** A TRACK with a mode the reader does not know. */
  | { readonly kind: 'cue-unknown-mode'; readonly line: number; readonly mode: string }
  /** A FILE or CDTEXTFILE naming something outside the sheet's folder; `reason` says how. */
  | { readonly kind: 'cue-path-traversal'; readonly fileName: string; readonly reason: string }
  /** A FILE that does not exist or is not a regular file. */
  | { readonly kind: 'cue-missing-file'; readonly fileName: string }
  /** A BIN file that is not a whole number of frames of its track mode. */
  | { readonly kind: 'cue-size-mismatch'; readonly fileName: string; readonly bytes: number; readonly frameBytes: number; readonly mode: string };

/** Kinds of image problems. */
export type ImageProblemKind = ImageProblem['kind'];

/** The reason `cue-path-traversal` gives when none is named. */
export const OUTSIDE_FOLDER = 'names a file outside its folder';

/** The message of a problem (the same words wherever it is reported). */
export function describeImageProblem(problem: ImageProblem): string {
  switch (problem.kind) {
    case 'iso-truncated':
      return `image is truncated: its ISO 9660 volume needs ${problem.expectedBytes} bytes, the file has ${problem.actualBytes}`;
    case 'image-truncated':
      return `image is truncated: its ${problem.what} needs ${problem.expectedBytes} bytes, the file has ${problem.actualBytes}`;
    case 'conversion-too-large':
      return `${problem.what} gives more than ${problem.limitBytes} bytes, the library's limit: refused (a decompression bomb, or an image larger than any disc)`;
    case 'cue-syntax':
      return `CUE sheet line ${problem.line}: ${problem.detail}`;
    case 'cue-unknown-mode':
      return `CUE sheet line ${problem.line}: unknown track mode '${problem.mode}'`;
    case 'cue-path-traversal':
      return `CUE sheet ${problem.reason}: ${problem.fileName}`;
    case 'cue-missing-file':
      return `CUE sheet names a missing file: ${problem.fileName}`;
    case 'cue-size-mismatch':
      return `${problem.fileName} is ${problem.bytes} bytes, not a whole number of ${problem.frameBytes}-byte ${problem.mode} frames`;
    default:
      return problem.detail;
  }
}

/** Options of `ImageReadError`. */
export interface ImageReadErrorOptions extends DriveErrorOptions {
  /** Put before the message, e.g. the image's path: `disc.iso: image is truncated: …`. */
  readonly subject?: string;
}

/** The image reader refused an image; `problem` says why, with its numbers. */
export class ImageReadError extends ImageError {
  constructor(
    readonly problem: ImageProblem,
    options: ImageReadErrorOptions = {},
  ) {
    const message = describeImageProblem(problem);
    super(options.subject === undefined ? message : `${options.subject}: ${message}`, options);
  }

  /** The same problem, its message led by `subject` (e.g. the image's path). */
  about(subject: string): ImageReadError {
    return new ImageReadError(this.problem, { subject, cause: this, ...(this.device === undefined ? {} : { device: this.device }) });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problem: this.problem };
  }
}

/** Shorthand for the kinds whose message is their detail. */
export function imageProblem(kind: ImageProblemWithDetail, detail: string): ImageReadError {
  return new ImageReadError({ kind, detail });
}

/** A `cue-syntax` refusal of line `line`. */
export function cueSyntax(line: number, detail: string): ImageReadError {
  return new ImageReadError({ kind: 'cue-syntax', line, detail });
}

/** A `cue-path-traversal` refusal of `fileName`. */
export function cuePathTraversal(fileName: string, reason = OUTSIDE_FOLDER): ImageReadError {
  return new ImageReadError({ kind: 'cue-path-traversal', fileName, reason });
}

/** True for an error of the image reader. */
export function isImageReadError(value: unknown): value is ImageReadError {
  return value instanceof ImageReadError;
}
