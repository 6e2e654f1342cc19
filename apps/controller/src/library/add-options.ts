/**
 * What a caller says when an image enters the library, by way in: a server
 * path or a mastered file (`AddOptions`, `MasteredOptions`) or a streamed
 * upload (`UploadOptions`).
 */
import type { Readable } from 'node:stream';
import type { DamageReport } from './damage-report.js';
import type { Provenance } from './image-record.js';
import type { ImageFormat } from './image-validator.js';

/** Options common to every way an image enters the library. */
export interface AddOptions {
  /** Display name (default: the source file name, or the volume label). */
  readonly name?: string;
  /** Unreadable sector ranges, when the image is known to be damaged. */
  readonly damage?: DamageReport;
  /** Accept an image with a non-empty damage report (refused with `DamagedImageError` otherwise). */
  readonly allowDamaged?: boolean;
  /** A compressed or container image: keep the original beside the converted one (default: the library's `keepOriginals`). */
  readonly keepOriginal?: boolean;
}

/** Options of `importUpload`. */
export interface UploadOptions extends AddOptions {
  /** The uploaded file's name, for the record (never used as a path). */
  readonly fileName?: string;
  /** Who uploaded it, for the record. */
  readonly uploadedBy?: string;
  /** For a CUE sheet upload: its BIN streams by FILE name (or base name), read in sheet order after the sheet. */
  readonly companions?: ReadonlyMap<string, Readable> | Readonly<Record<string, Readable>>;
  /** A lower limit than the library's for this upload. */
  readonly maxBytes?: number;
  /** The upload's declared length (Content-Length), when known: refused at once above the limits, and named when the volume is full. */
  readonly sizeBytes?: number;
}

/** Options of `addMasteredImage`. */
export interface MasteredOptions extends AddOptions {
  /** Format the mastering code wrote (`bin-cue` is the mastering code's name for `cue`); the file is checked to be one. */
  readonly format: ImageFormat | 'bin-cue';
  /** Drive, agent and time of the read; or the folder an image was built from (folder-image-builder.ts). */
  readonly provenance: Extract<Provenance, { kind: 'mastered' | 'built' }>;
  readonly allowDamaged: boolean;
  /** SHA-256 computed while the master was read (ISO): stored as is, not computed again. */
  readonly sha256?: string;
  /** A BIN/CUE master's cdrdao TOC file (CD-TEXT, ISRC, catalog, pregaps): kept beside the image (mastered-toc.ts). */
  readonly tocFile?: string;
}

/** What an image being added needs on the volume, for the message when it does not fit. */
export interface Need {
  bytes: number;
  /** Only what had arrived is known. */
  atLeast: boolean;
}
