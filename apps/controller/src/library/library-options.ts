/**
 * What the image library is opened with (`ImageLibrary.open()`).
 */
import type { MalwareScanSettings } from './malware-scan.js';

/** Default upload limit: a BD DL plus slack. */
export const DEFAULT_MAX_UPLOAD_BYTES = 51 * 1000 ** 3;

/** Options of the library. */
export interface ImageLibraryOptions {
  /** The library folder (created when missing). Images and sidecars live here. */
  readonly dir: string;
  /** Folders `importFromPath` may read from. Relative import paths are taken from the first. */
  readonly importRoots?: readonly string[];
  /** Upload size limit in bytes, all streams of one upload together. */
  readonly maxUploadBytes?: number;
  /** True when an unfinished run uses the image (then it cannot be deleted). Default: never. */
  readonly isInUse?: (imageId: string) => Promise<boolean>;
  /**
   * Claim an image for deletion, atomically with the creation of runs (the
   * controller's claim is a Redis-side fact no run creation gets past; see
   * `claimImageForDelete`): resolves with the function that gives the claim
   * back, called once the delete is done or failed; throws to refuse
   * (`ImageInUseError` while an unfinished run uses the image). Default: no claim.
   */
  readonly claimForDelete?: (imageId: string) => Promise<() => Promise<void>>;
  /** Keep the original of a compressed or container image beside the converted one (role `source`, never burned). Default false. */
  readonly keepOriginals?: boolean;
  /** The malware scanner and policy (malware-scan.ts); default: policy off, Debian's clamscan and database. */
  readonly malwareScan?: MalwareScanSettings;
  /** How new ISO images are kept: `plain` (default), or `zstd` (compressed after they are added; image-storage.ts). */
  readonly storage?: 'plain' | 'zstd';
  /** How new CUE (CD) images are kept: `plain` (default), or `chd` (a MAME CHD, proven before the BINs go; chd-storage.ts). */
  readonly cdStorage?: 'plain' | 'chd';
  /** Clock, for tests. */
  readonly now?: () => Date;
}
