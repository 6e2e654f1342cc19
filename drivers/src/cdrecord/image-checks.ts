/**
 * Checks on an image before a burn spawns anything: it exists and is
 * readable, and a CUE sheet's track types suit the target.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BurnImage } from '../drive-contract.js';
import { ImageError, WrongMediaError } from '../errors.js';
import { probeImage } from '../image/image-probe.js';
import { MAX_TOC_BYTES, parseTocFile, TOC_MODES, tocHasCdTextBlocks } from '../image/toc-file.js';
import { STDIO_CUE_TRACK_MODES } from './stdio-target.js';

/** Throw `ImageError` unless the image (ISO, or CUE sheet) is a readable regular file. */
export async function assertImageReadable(image: BurnImage, device: string): Promise<void> {
  const file = path.resolve(image.path);
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such file' : err.message;
    throw new ImageError(`${device}: cannot burn ${file}: ${why}`, { device, cause: err });
  });
  if (!info.isFile()) throw new ImageError(`${device}: cannot burn ${file}: not a regular file`, { device });
  await access(file, constants.R_OK).catch((err: unknown) => {
    throw new ImageError(`${device}: cannot burn ${file}: not readable`, { device, cause: err });
  });
}

/** Track modes of a CUE sheet (`AUDIO`, `MODE1/2048`...), in order. Throws `ImageError` for a broken sheet. */
export async function cueTrackModes(cuePath: string, device: string): Promise<string[]> {
  let probed;
  try {
    probed = await probeImage(cuePath);
  } catch (err) {
    if (err instanceof ImageError) throw new ImageError(`${device}: ${err.message}`, { device, cause: err });
    throw err;
  }
  if (probed.shape.format !== 'cue') throw new ImageError(`${device}: ${cuePath} is not a CUE sheet`, { device });
  return probed.shape.tracks.map((t) => t.mode);
}

/** `WrongMediaError` when a sheet has track modes outside `writable`; `target` names who refuses them. */
export function assertCueModesWritable(modes: readonly string[], writable: readonly string[], device: string, target: string): void {
  const unsuitable = [...new Set(modes.filter((m) => !writable.includes(m)))];
  if (unsuitable.length > 0) {
    throw new WrongMediaError(
      `${device}: ${target} takes only ${writable.join(', ')} CUE tracks, this sheet has ${unsuitable.join(', ')} (burn it to a CD)`,
      { device },
    );
  }
}

/** cdrskin writes only {@link STDIO_CUE_TRACK_MODES} to a stdio pseudo drive. */
export function assertStdioCueModes(modes: readonly string[], device: string): void {
  assertCueModesWritable(modes, STDIO_CUE_TRACK_MODES, device, 'a stdio: target');
}

/**
 * cdrdao ignores a CUE sheet's FILE line and reads `<sheet name>.bin` beside
 * it (man cdrdao, CUE FILES); refuse early when that file is missing.
 */
export async function assertCdrdaoBinBeside(cuePath: string, device: string): Promise<void> {
  const bin = path.resolve(cuePath).replace(/\.cue$/i, '.bin');
  const info = await stat(bin).catch(() => null);
  if (!info?.isFile()) {
    throw new ImageError(`${device}: cdrdao reads the data of ${path.basename(cuePath)} from ${path.basename(bin)}, which is missing`, { device });
  }
}

/**
 * A CUE image's TOC file fit for `cdrdao write`: a readable TOC file whose
 * data files exist beside it and whose tracks have the sheet's modes (a TOC
 * of another disc is refused, not burned). Throws `ImageError`. Says
 * whether it has CD-TEXT blocks.
 */
export async function assertTocBurnable(tocPath: string, cuePath: string, device: string): Promise<{ readonly cdText: boolean }> {
  const toc = path.resolve(tocPath);
  const bytes = await readFile(toc).catch((err: NodeJS.ErrnoException) => {
    throw new ImageError(`${device}: cannot burn from the TOC file ${toc}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { device, cause: err });
  });
  if (bytes.length > MAX_TOC_BYTES) throw new ImageError(`${device}: ${toc} is ${bytes.length} bytes, no TOC file`, { device });
  let parsed;
  try {
    parsed = parseTocFile(bytes.toString('latin1'));
  } catch (err) {
    throw new ImageError(`${device}: the TOC file ${path.basename(toc)} is refused: ${(err as Error).message}`, { device, cause: err });
  }
  for (const name of parsed.files) {
    const info = await stat(path.resolve(path.dirname(toc), name)).catch(() => null);
    if (!info?.isFile()) throw new ImageError(`${device}: the TOC file ${path.basename(toc)} names ${name}, which is missing`, { device });
  }
  const modes = await cueTrackModes(cuePath, device);
  const tocModes = parsed.trackModes.map((m) => TOC_MODES[m]);
  if (modes.length !== tocModes.length || modes.some((m, i) => m !== tocModes[i])) {
    throw new ImageError(`${device}: the TOC file has tracks ${tocModes.join(', ')}, the CUE sheet ${modes.join(', ')}: not the same disc`, { device });
  }
  return { cdText: parsed.hasCdText && tocHasCdTextBlocks(bytes.toString('latin1')) };
}
