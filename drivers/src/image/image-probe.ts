/**
 * An image sized for a burn: the image reader's verdict (image-reader.ts) in
 * the shape `Drive.burn` and the fit rule take. The same refusals as the
 * image library's, each an `ImageError` whose message names the file.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BurnImage } from '../drive-contract.js';
import { ImageError } from '../errors.js';
import type { ImageShape } from '../media.js';
import { isImageReadError } from './image-read-error.js';
import type { ImageInfo } from './image-reader.js';
import { readImage } from './image-reader.js';

/** A probed image: what a burn needs plus what the fit rule needs. */
export interface ProbedImage extends BurnImage {
  readonly shape: ImageShape;
  /** ISO 9660 volume label, when the primary volume descriptor has one. */
  readonly volumeLabel?: string;
  /** ISO 9660 volume space size in sectors (may be smaller than the file: hybrid images append partitions). */
  readonly isoVolumeSectors?: number;
  /** Everything the reader found (file systems, CUE tracks and BIN files). */
  readonly info: ImageInfo;
}

/**
 * Recognise and size an image with the image reader. Throws `ImageError` for
 * a missing or unreadable file, and an `ImageReadError` (an `ImageError`)
 * led by the file's name for every image the reader refuses: unrecognised,
 * a truncated or insane ISO 9660 volume, a broken CUE sheet or BIN file.
 */
export async function probeImage(file: string): Promise<ProbedImage> {
  const absolute = path.resolve(file);
  const fileInfo = await stat(absolute).catch((err: NodeJS.ErrnoException) => {
    throw new ImageError(`cannot read image ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
  });
  if (!fileInfo.isFile()) throw new ImageError(`image ${file} is not a regular file`);
  const info = await readImage(absolute).catch((err: unknown) => {
    if (isImageReadError(err)) throw err.about(file);
    throw new ImageError(`cannot read image ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  const burn = { format: info.format, path: absolute, sizeBytes: info.sizeBytes, sectors: info.sectors, shape: info.shape, info };
  if (info.format !== 'iso') return burn;
  return {
    ...burn,
    ...(info.iso.volumeLabel ? { volumeLabel: info.iso.volumeLabel } : {}),
    isoVolumeSectors: info.iso.volumeSectors,
  };
}
