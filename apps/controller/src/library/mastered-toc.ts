/**
 * A mastered disc's cdrdao TOC file kept in the library beside its BIN/CUE
 * (role `toc`, `<id>.toc`): it holds what toc2cue drops (CD-TEXT, ISRC, the
 * catalog number/MCN) and cdrdao's own pregaps, and real drives burn from
 * it (`cdrdao write`). Its data file names are rewritten to the library's
 * BIN names; `cdrdao show-toc` must then read it against the staged BINs
 * as exactly as many frames as the CUE image has, and its tracks must have
 * the sheet's modes. Its facts go into the record (the CUE's track list
 * gains ISRC and CD-TEXT, the disc its catalog and CD-TEXT) so the image
 * view shows them; it is hashed like every file of the image.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { MAX_TOC_BYTES, parseTocFile, readTocContent, renameTocFiles, showTocFrames, TOC_MODES } from 'node-cdrecord-wrapper';
import type { CueTrackInfo, TocContent } from 'node-cdrecord-wrapper';
import { fromImageReadError, ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ValidatedImage } from './image-validator.js';

/** The validated CUE image with the TOC's ISRC, CD-TEXT and catalog where the sheet has none. */
export function withTocFacts(v: ValidatedImage, toc: TocContent): ValidatedImage {
  if (v.format !== 'cue') return v;
  const tracks = v.tracks.map((t: CueTrackInfo, i): CueTrackInfo => {
    const from = toc.tracks[i];
    if (!from) return t;
    const cdText = { ...from.cdText, ...(t.cdText ?? {}) };
    const isrc = t.isrc ?? from.isrc;
    return {
      ...t,
      ...(isrc === undefined ? {} : { isrc }),
      ...(cdText.TITLE === undefined ? {} : { title: cdText.TITLE }),
      ...(cdText.PERFORMER === undefined ? {} : { performer: cdText.PERFORMER }),
      ...(Object.keys(cdText).length === 0 ? {} : { cdText }),
    };
  });
  const catalog = v.sheet.catalog ?? toc.catalog;
  const sheet = { ...v.sheet, cdText: { ...toc.cdText, ...v.sheet.cdText }, ...(catalog === undefined ? {} : { catalog }) };
  return { ...v, tracks, sheet, layout: { ...v.layout, tracks } };
}

/**
 * Add the TOC file `tocFile` (the one mastering wrote beside the CUE sheet)
 * to the staged CUE image `staged` of image `id`. Refused with
 * `ImageConversionError` (another disc's TOC, one cdrdao reads otherwise)
 * or the drivers' TOC refusals as library errors.
 */
export async function keepMasteredToc(staging: Staging, id: string, staged: StagedImage, tocFile: string, signal?: AbortSignal): Promise<StagedImage> {
  const v = staged.validated;
  if (v.format !== 'cue') throw new ImageConversionError('a TOC file goes only with a CUE image');
  const bytes = await readFile(tocFile);
  if (bytes.length > MAX_TOC_BYTES) throw new ImageConversionError(`the TOC file is ${bytes.length} bytes, more than ${MAX_TOC_BYTES}`);
  const text = bytes.toString('latin1');
  let content: TocContent;
  let names: readonly string[];
  try {
    names = parseTocFile(text).files;
    content = readTocContent(text);
  } catch (err) {
    throw fromImageReadError(err);
  }
  const tocModes = content.tracks.map((t) => TOC_MODES[t.mode]);
  const cueModes = v.tracks.map((t) => t.mode);
  if (tocModes.length !== cueModes.length || tocModes.some((m, i) => m !== cueModes[i])) {
    throw new ImageConversionError(`the TOC file has tracks ${tocModes.join(', ')}, the CUE sheet ${cueModes.join(', ')}: not the same disc`);
  }
  const bins = staged.files.filter((f) => f.role === 'bin');
  if (names.length !== bins.length) throw new ImageConversionError(`the TOC file names ${names.length} data file(s), the CUE image has ${bins.length}`);
  const binName = (name: string): string => bins[names.indexOf(name)]?.finalName ?? name;
  const finalName = `${finalNames(id).cue.replace(/\.cue$/, '')}.toc`;
  const dest = staging.file(finalName);
  await writeFile(dest, renameTocFiles(text, binName), { encoding: 'latin1', flag: 'wx' });
  const frames = await showTocFrames(dest, content.tracks.length, signal).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  if (frames !== v.sectors) throw new ImageConversionError(`cdrdao reads the TOC file as ${frames} frames, the CUE image has ${v.sectors}`);
  const hash = await hashFile(dest);
  const file: StagedFile = { staged: dest, finalName, role: 'toc', bytes: hash.bytes, sha256: hash.sha256 };
  return { ...staged, files: [...staged.files, file], validated: withTocFacts(v, content) };
}
