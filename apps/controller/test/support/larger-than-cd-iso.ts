/**
 * An ISO one sector larger than the largest CD the tower knows (a DVD-sized
 * image, as far as CHD storage goes), put in a library cheaply: a small
 * genisoimage volume followed by sparse zeros, placed in the library folder
 * and adopted by `rebuild()` (no copy; its SHA-256 is read once, about 830 MB
 * of zeros).
 */
import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MEDIA_SIZES, SECTOR_BYTES } from 'node-cdrecord-wrapper';
import { makeIso } from '../../../../drivers/test/support/test-images.js';
import type { ImageLibrary } from '../../src/library/image-library.js';
import type { ImageRecord } from '../../src/library/image-record.js';

/** Sectors of the largest CD (`cd-800`, 90 minutes). */
export const LARGEST_CD_SECTORS = Math.max(...MEDIA_SIZES.filter((m) => m.mediaClass === 'cd').map((m) => m.sectors));

/** Adopt into `library` an ISO of `LARGEST_CD_SECTORS + 1` sectors named `name`; its record. */
export async function adoptIsoLargerThanCd(library: ImageLibrary, name = 'larger-than-cd.iso'): Promise<ImageRecord> {
  const work = mkdtempSync(path.join(tmpdir(), 'over-cd-'));
  try {
    const small = makeIso(work, { name: 'small.iso', payloadBytes: 16 * 1024, label: 'OVERCD' });
    const file = path.join(library.dir, name);
    copyFileSync(small, file);
    truncateSync(file, (LARGEST_CD_SECTORS + 1) * SECTOR_BYTES);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  await library.rebuild();
  const record = library.list().find((r) => r.imageFile === name);
  if (record === undefined) throw new Error(`the library did not adopt ${name}`);
  return record;
}
