/**
 * The first start of a data folder: the bundled sample image enters the
 * library (when configured), so a new user has something to duplicate. A
 * marker file in the data folder makes it happen once: deleting the sample
 * later does not bring it back.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageLibrary, ImageRecord } from '../library/index.js';

/** The sample image shipped with the controller. */
export const SAMPLE_IMAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'sample-image.iso');

/** Marker file of an initialised data folder. */
export const FIRST_START_MARKER = '.initialised';

/** What the first start did. */
export interface FirstStart {
  /** True when this data folder had never been started. */
  readonly first: boolean;
  /** The sample image, when it was imported now. */
  readonly sample: ImageRecord | null;
}

/** On the first start of `dataDir`, import the sample image into an empty library (when `sampleImage`). */
export async function prepareFirstStart(dataDir: string, library: ImageLibrary, sampleImage: boolean): Promise<FirstStart> {
  const marker = path.join(dataDir, FIRST_START_MARKER);
  if (existsSync(marker)) return { first: false, sample: null };
  let sample: ImageRecord | null = null;
  if (sampleImage && library.list().length === 0 && existsSync(SAMPLE_IMAGE)) {
    sample = await library.importUpload(createReadStream(SAMPLE_IMAGE), { name: 'Sample image', fileName: 'sample-image.iso' });
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(marker, `${JSON.stringify({ initialisedAt: new Date().toISOString() })}\n`);
  return { first: true, sample };
}
