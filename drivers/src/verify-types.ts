/**
 * What verification takes and gives: the image a disc is compared against,
 * the options and progress of a verify, and its result. Shared by the ISO
 * verify (verify.ts) and the CUE verify (verify-cue.ts).
 */
import type { VerifiedImages } from './verified-images.js';

/** The image a disc is compared against. */
export interface VerifyImage {
  /** The ISO file, or the CUE sheet. */
  readonly path: string;
  /**
   * Default `iso`. A `cue` image is verified track by track against its BIN
   * files (verify-cue.ts): data tracks byte-exact on their user data, audio
   * tracks at the drive's read offset.
   */
  readonly format?: 'iso' | 'cue';
  /** Bytes to compare: the image's full length (a CUE image: all its BIN files). */
  readonly sizeBytes: number;
  /** The digest stored when the image entered the library; when given, the image file must still match it. */
  readonly sha256?: string;
  /**
   * The image file's identity (`identityText`) when `sha256` was computed,
   * e.g. by the image library: while the file still has it, its bytes are
   * trusted to hash to `sha256` and a byte-equal disc is not hashed.
   */
  readonly identity?: string;
}

export interface VerifyProgress {
  readonly bytesRead: number;
  readonly bytesTotal: number;
  /** Average read speed so far, MB/s (10^6 bytes). */
  readonly speedMBps: number;
}

export interface VerifyOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: VerifyProgress) => void;
  /**
   * Stop reading at the first differing sector instead of reading the rest to
   * hash the whole disc. Saves drive time on coasters; the error's
   * `discSha256` is then empty. Default false.
   */
  readonly stopAtFirstMismatch?: boolean;
  /**
   * Images proven to match their stored digest, so a byte-equal read-back
   * need not be hashed. Default: the process-wide set; null: always hash.
   */
  readonly verifiedImages?: VerifiedImages | null;
}

export interface VerifyResult {
  readonly bytes: number;
  readonly sha256: string;
  readonly durationMs: number;
  /** Average read speed, MB/s. */
  readonly speedMBps: number;
  /**
   * CUE images with audio: the drive's read offset found, in samples
   * (read-back sample i is the image's sample i + offset). Absent when the
   * image has no audio, or only digital silence.
   */
  readonly audioReadOffsetSamples?: number;
}
