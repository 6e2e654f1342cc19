/**
 * The image of a run: one value, made once from the library's record (the
 * controller's `runImageOf`), stored with the run, carried whole in each copy
 * job, and handed as it is to `Drive.burn` (a `BurnImage`) and to
 * `verifyDisc` (a `VerifyImage`). Nothing reshapes it on the way, except
 * that an image the library keeps compressed (`stored`) is first staged by
 * the agent (staging/) into a local file, whose run image the drive then takes.
 */

/** A BIN file of a CUE image stored as a CHD: its name beside the CUE sheet, size and SHA-256. */
export interface StoredBin {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** How the library keeps an image it stores compressed: the agent decompresses it once into its staging cache. */
export interface StoredImage {
  /** The compressed file in the library. */
  readonly path: string;
  /**
   * `zstd`: an ISO as independent zstd frames (each with its checksum), one after the other;
   * `chd`: a CUE image as a MAME CHD (`chdman createcd`), its CUE sheet (and TOC) left in the library beside it;
   * or a CD-sized ISO as a CHD of one MODE1/2048 track (the ISO is that track's bytes).
   */
  readonly compression: 'zstd' | 'chd';
  /** Size of the compressed file. */
  readonly bytes: number;
  /**
   * `chd`: the image's BIN files in sheet order, cut again from the one BIN `chdman extractcd` writes;
   * for an ISO, the one file it is (its name, the image's size and SHA-256).
   */
  readonly bins?: readonly StoredBin[];
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
  /**
   * The TOC file has CD-TEXT blocks: only a drive declared to write CD-TEXT is offered the copies
   * (copy-suitability.ts); a drive declared not to would refuse the burn before writing.
   */
  readonly cdText?: boolean;
  /** Set when the library stores the image compressed: `path` is then not there to burn, the staged file is. Absent: a plain image. */
  readonly stored?: StoredImage;
}

const BIN_NAME = /^[^/\\\0]{1,255}$/;

/**
 * Why `stored` cannot be the stored form of an image of `format` (null: it can): a `zstd` file holds an ISO,
 * a `chd` a CUE image whose BIN files (plain names beside the sheet, at least one, at most 99) are listed,
 * or an ISO listed as its one file.
 */
export function storedImageProblem(stored: StoredImage, format: 'iso' | 'cue'): string | null {
  if (typeof stored.path !== 'string' || stored.path === '' || !Number.isSafeInteger(stored.bytes) || stored.bytes <= 0) {
    return 'a stored image is the path, compression (zstd or chd) and size of its compressed file';
  }
  if (stored.compression === 'zstd') return format === 'iso' && stored.bins === undefined ? null : 'zstd stores an ISO image (no BIN files)';
  if (stored.compression !== 'chd') return 'a stored image is compressed with zstd or chd';
  const bins = stored.bins;
  if (format !== 'cue' && (!Array.isArray(bins) || bins.length !== 1)) return 'a CHD stores a CUE image (BIN/CUE) or an ISO listed as its one file';
  if (!Array.isArray(bins) || bins.length === 0 || bins.length > 99) return 'a CHD-stored image lists its BIN files (1..99)';
  const ok = bins.every((b) => typeof b === 'object' && b !== null && typeof b.name === 'string' && BIN_NAME.test(b.name) && b.name !== '.' && b.name !== '..'
    && Number.isSafeInteger(b.bytes) && b.bytes > 0 && typeof b.sha256 === 'string' && /^[0-9a-f]{64}$/.test(b.sha256));
  return ok ? null : 'each BIN of a CHD-stored image is a plain file name, its size and SHA-256';
}
