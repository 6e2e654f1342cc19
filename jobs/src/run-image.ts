/**
 * The image of a run: one value, made once from the library's record (the
 * controller's `runImageOf`), stored with the run, carried whole in each copy
 * job, and handed as it is to `Drive.burn` (a `BurnImage`) and to
 * `verifyDisc` (a `VerifyImage`). Nothing reshapes it on the way, except
 * that an image the library keeps compressed (`stored`) is first staged by
 * the agent (staging/) into a local file, whose run image the drive then takes.
 */

/** How the library keeps an image it stores compressed: the agent decompresses it once into its staging cache. */
export interface StoredImage {
  /** The compressed file in the library. */
  readonly path: string;
  /** `zstd`: independent zstd frames (each with its checksum), one after the other. */
  readonly compression: 'zstd';
  /** Size of the compressed file. */
  readonly bytes: number;
}

/** The image of a run, as the drive burns it and verification compares it. */
export interface RunImage {
  /** The ISO, or the CUE sheet (its BIN files beside it). */
  readonly path: string;
  readonly format: 'iso' | 'cue';
  /** SHA-256 (hex) stored when the image entered the library. */
  readonly sha256: string;
  /** Bytes that land on disc (for a CUE image: its BIN files together). */
  readonly sizeBytes: number;
  /** Sectors the image occupies on disc. */
  readonly sectors: number;
  /** The image file's identity when its SHA-256 was computed (see `identityText`); lets verification skip re-hashing. */
  readonly identity?: string;
  /** A CUE image's track modes (`AUDIO`, `MODE1/2048`...): a drive that cannot burn one of them is not offered the copies. */
  readonly trackModes?: readonly string[];
  /** A CUE image's cdrdao TOC file beside it (CD-TEXT, ISRC, catalog, pregaps): real drives burn from it with cdrdao. */
  readonly tocPath?: string;
  /** Set when the library stores the image compressed: `path` is then not there to burn, the staged file is. Absent: a plain image. */
  readonly stored?: StoredImage;
}
