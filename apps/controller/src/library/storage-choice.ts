/**
 * How the library keeps the images added to it, by the operator's choice
 * (`library.storage` for ISO images, `library.cdStorage` for CUE images): an
 * image that cannot be stored that way (its proof fails) stays plain, and
 * `tower images compress` says why. An ISO follows `storage` alone, even one
 * that fits a CD: it is stored as a CHD only when asked (`tower images
 * compress <id> --as chd`), so one key says how each format is kept.
 */
import { storeAsChd } from './chd-storage.js';
import type { StorageChange } from './chd-storage.js';
import type { ImageRecord } from './image-record.js';
import { compressStored } from './image-storage.js';

/** The library's choice: ISO images plain or zstd, CUE (CD) images plain or CHD; absent: plain. */
export interface StorageChoice {
  readonly iso?: 'plain' | 'zstd' | undefined;
  readonly cd?: 'plain' | 'chd' | undefined;
}

/** The record of a newly added image kept as `choice` says: changed by `apply`, or as it was when plain or unprovable. */
export function keptAsChosen(
  choice: StorageChoice,
  record: ImageRecord,
  apply: (change: (dir: string, record: ImageRecord, at: string) => Promise<StorageChange>) => Promise<ImageRecord>,
): Promise<ImageRecord> {
  const change = record.format === 'iso' ? (choice.iso === 'zstd' ? compressStored : null) : (choice.cd === 'chd' ? storeAsChd : null);
  return change === null ? Promise.resolve(record) : apply((dir, r, at) => change(dir, r, at)).catch(() => record);
}
