/**
 * A CUE image the library stores as a CHD, made local: a folder in the
 * staging cache holding the BIN files (`chdman extractcd`, cut again into the
 * image's BINs, each and all proven by SHA-256: chd-extract.ts), the image's
 * CUE sheet rewritten to name them, and its cdrdao TOC when it has one. Built
 * as `<dest>.part` and renamed to `dest` once proven; any failure is an
 * `ImageError` (the copy fails as an image problem) and leaves nothing.
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageError, parseCueSheet, rewriteCueSheet } from 'node-cdrecord-wrapper';
import type { RunImage, StoredImage } from '../run-image.js';
import { extractChdBins } from './chd-extract.js';
import type { ChdmanOptions } from './chd-extract.js';

/** A CHD image staged: the folder, its CUE sheet and TOC, and the bytes of its BINs. */
export interface StagedCd {
  readonly dir: string;
  readonly cuePath: string;
  readonly tocPath?: string;
  readonly bytes: number;
}

/** Stage `image` (stored as the CHD `stored`) into the new folder `dest`. */
export async function stageChdImage(image: RunImage, stored: StoredImage, dest: string, options: ChdmanOptions = {}): Promise<StagedCd> {
  const bins = stored.bins;
  if (image.format !== 'cue' || stored.compression !== 'chd' || bins === undefined) throw new ImageError(`a ${image.format} image is not stored as a CHD: only CUE images with their BIN files listed are`);
  const part = `${dest}.part`;
  try {
    await rm(part, { recursive: true, force: true });
    await mkdir(part, { recursive: true });
    await extractChdBins(stored.path, part, bins, image, options);
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
