/**
 * An image the library stores as a CHD, made local: a folder in the staging
 * cache. For a CUE image it holds the BIN files (`chdman extractcd`, cut again
 * into the image's BINs, each and all proven by SHA-256: chd-extract.ts), the
 * image's CUE sheet rewritten to name them, and its cdrdao TOC when it has
 * one. For an ISO (a CHD of one MODE1/2048 track) it holds the one BIN
 * chdman writes, which is the ISO: proven by the image's size and SHA-256 and
 * named as the ISO in the library; the drives burn and verify it as an ISO.
 * So `dest` is a folder for both (the cache names an ISO's `<sha>.staged.iso`
 * and removes it whole). Built as `<dest>.part` and renamed to `dest` once
 * proven; any failure is an `ImageError` (the copy fails as an image
 * problem) and leaves nothing.
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageError, parseCueSheet, rewriteCueSheet } from 'node-cdrecord-wrapper';
import type { RunImage, StoredImage } from '../run-image.js';
import { extractChdBins } from './chd-extract.js';
import type { ChdmanOptions } from './chd-extract.js';

/** A CHD image staged: the folder, the file to burn and a TOC, and the bytes of its BINs (or of the ISO). */
export interface StagedCd {
  readonly dir: string;
  /** The file to burn: the CUE sheet, or the ISO for an ISO image. */
  readonly cuePath: string;
  readonly tocPath?: string;
  readonly bytes: number;
}

/** Stage `image` (stored as the CHD `stored`) into the new folder `dest`. */
export async function stageChdImage(image: RunImage, stored: StoredImage, dest: string, options: ChdmanOptions = {}): Promise<StagedCd> {
  const bins = stored.bins;
  if (stored.compression !== 'chd' || bins === undefined) throw new ImageError(`a ${image.format} image is not stored as a CHD: only images with their BIN files (or their one ISO) listed are`);
  const iso = image.format === 'iso' ? bins[0] : undefined;
  if (image.format === 'iso' && (bins.length !== 1 || iso?.bytes !== image.sizeBytes || iso.sha256 !== image.sha256)) {
    throw new ImageError('a CHD-stored ISO lists its one file, with the image\'s size and SHA-256');
  }
  const part = `${dest}.part`;
  try {
    await rm(part, { recursive: true, force: true });
    await mkdir(part, { recursive: true });
    await extractChdBins(stored.path, part, bins, image, options);
    if (iso !== undefined) {
      await rename(part, dest);
      return { dir: dest, cuePath: path.join(dest, iso.name), bytes: iso.bytes };
    }
    const cueText = (await readFile(image.path)).toString('latin1');
    const files = parseCueSheet(cueText).files;
    if (files.length !== bins.length) throw new ImageError(`the CUE sheet ${path.basename(image.path)} names ${files.length} file(s), the CHD-stored image ${bins.length} BIN file(s)`);
    const cuePath = path.join(dest, path.basename(image.path));
    await writeFile(path.join(part, path.basename(image.path)), rewriteCueSheet(cueText, (i) => bins[i]?.name ?? ''), { encoding: 'latin1', flag: 'wx' });
    const toc = image.tocPath;
    if (toc !== undefined) await copyFile(toc, path.join(part, path.basename(toc)));
    await rename(part, dest);
    const bytes = (await Promise.all(bins.map((b) => stat(path.join(dest, b.name))))).reduce((n, s) => n + s.size, 0);
    return { dir: dest, cuePath, ...(toc === undefined ? {} : { tocPath: path.join(dest, path.basename(toc)) }), bytes };
  } catch (err) {
    await rm(part, { recursive: true, force: true });
    if (err instanceof ImageError || options.signal?.aborted === true) throw err;
    throw new ImageError(`the CHD ${stored.path} could not be staged: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
