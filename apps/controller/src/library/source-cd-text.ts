/**
 * CD-TEXT a source image carries (CloneCD `[CDText]`, NRG `CDTX`), and a
 * CloneCD `.sub`'s R-W subchannel, kept with its conversion: a CUE sheet
 * cannot hold them, so a cdrdao TOC file
 * (role `toc`, `<id>.toc`) is written beside the staged BIN/CUE, naming
 * its BINs (or, for R-W subchannel, one RW_RAW file per track), with the
 * decoded disc and track CD-TEXT; a burn then goes
 * through `cdrdao write` from it, as for a mastered disc's TOC.
 *
 * The proof, refused when it fails: the packs decode (CRCs, sequence,
 * size packs, tracks within the disc; the drivers' `decodeCdTextPacks`),
 * the TOC read back by the project's TOC parser has the CUE image's track
 * modes and exactly the decoded CD-TEXT, and `cdrdao show-toc` reads it
 * against the staged BINs as as many frames as the CUE image has.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CdTextBlock, CdTextField, TocTrackSpec } from 'node-cdrecord-wrapper';
import { decodeCdTextPacks, readTocContent, showTocFrames, TOC_MODES, writeTocFile } from 'node-cdrecord-wrapper';
import { fromImageReadError, ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import { withTocFacts } from './mastered-toc.js';

/** The TOC mode for each CUE mode a conversion writes (the first of `TOC_MODES` naming it, MODE2/2336 as form-mixed). */
const TOC_MODE_OF: Readonly<Record<string, string>> = {
  AUDIO: 'AUDIO', 'MODE1/2048': 'MODE1', 'MODE1/2352': 'MODE1_RAW', 'MODE2/2048': 'MODE2_FORM1',
  'MODE2/2324': 'MODE2_FORM2', 'MODE2/2336': 'MODE2_FORM_MIX', 'MODE2/2352': 'MODE2_RAW',
};

/** Raw CD-TEXT packs as a source stores them. */
export interface SourceCdText {
  readonly packs: Uint8Array;
  /** 18 (with CRCs, checked) or 16 (CloneCD's, without). */
  readonly packBytes: number;
}

/** Fields in a fixed order, empty ones dropped: what two CD-TEXT records are compared by. */
function canonical(fields: Partial<Record<CdTextField, string>>): string {
  return JSON.stringify(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '').sort(([a], [b]) => a.localeCompare(b)));
}

/** Decode `source` for a disc of `tracks` tracks; the drivers' refusals as library errors. */
export function decodeSourceCdText(source: SourceCdText, tracks: number): CdTextBlock {
  try {
    return decodeCdTextPacks(source.packs, source.packBytes, tracks);
  } catch (err) {
    throw fromImageReadError(err);
  }
}

function tocTracks(staged: StagedImage, text: CdTextBlock | undefined, what: string, rw: readonly StagedFile[] | undefined): TocTrackSpec[] {
  const v = staged.validated;
  if (v.format !== 'cue') throw new ImageConversionError(`${what}: a TOC file goes only with a CUE image`);
  const bins = staged.files.filter((f) => f.role === 'bin');
  if (bins.length !== v.tracks.length || (rw && rw.length !== bins.length)) throw new ImageConversionError(`${what}: ${v.tracks.length} track(s) in ${bins.length} BIN file(s); a TOC file here needs one BIN (and subchannel file) per track`);
  return v.tracks.map((t, i) => {
    const mode = TOC_MODE_OF[t.mode];
    const bin = bins[i] as StagedFile;
    if (mode === undefined || (rw && t.frameBytes !== 2352)) throw new ImageConversionError(`${what}: track ${t.number} is ${t.mode}, which a TOC file here cannot carry`);
    const cdText = text && t.number >= text.firstTrack && t.number <= text.lastTrack ? text.tracks[t.number - text.firstTrack] : undefined;
    const frames = bin.bytes / t.frameBytes;
    // A track with subchannel reads its RW_RAW file (audio big-endian there); else the BIN, whose BINARY audio is little-endian (SWAP).
    const source = rw ? { file: (rw[i] as StagedFile).finalName, subchannel: 'RW_RAW' as const } : { file: bin.finalName, ...(mode === 'AUDIO' ? { swap: true } : {}) };
    return { mode, offsetBytes: 0, frames, pregapFrames: t.pregapFrames, ...source, ...(cdText ? { cdText } : {}) };
  });
}

/**
 * Add a TOC file carrying `text` (decoded from the source `what`, e.g.
 * `CloneCD image disc.ccd`) to the staged CUE image `staged` of image `id`.
 * Returns the image with the TOC among its files and its CD-TEXT in the
 * validated tracks and sheet, and the proof in words. Refusals:
 * `ImageConversionError` (a mode a TOC cannot carry, a read-back that
 * differs, cdrdao refusing or counting other frames).
 */
export async function addCdTextToc(
  staging: Staging, id: string, staged: StagedImage, text: CdTextBlock | undefined, what: string, signal?: AbortSignal,
  /** One RW_RAW file per track (role `subchannel`, already staged and checked): the TOC reads them instead of the BINs. */
  rw?: readonly StagedFile[],
): Promise<{ staged: StagedImage; proof: string }> {
  const tracks = tocTracks(staged, text, what, rw);
  let toc: string;
  try {
    toc = writeTocFile({ ...(text ? { cdText: text.disc, cdTextLanguage: text.language } : {}), tracks });
  } catch (err) {
    throw new ImageConversionError(`${what}: its CD-TEXT cannot be written to a TOC file: ${(err as Error).message}`);
  }
  const content = (() => {
    try {
      return readTocContent(toc);
    } catch (err) {
      throw fromImageReadError(err);
    }
  })();
  const modesBack = content.tracks.map((t) => TOC_MODES[t.mode]);
  const modes = staged.validated.tracks.map((t) => t.mode);
  if (modesBack.join() !== modes.join()) throw new ImageConversionError(`${what}: the TOC file reads back with tracks ${modesBack.join(', ')}, the CUE image has ${modes.join(', ')}`);
  if (content.tracks.some((t) => (t.swap === true) !== (t.mode === 'AUDIO' && !rw) || (t.subchannel === 'RW_RAW') !== (rw !== undefined))) {
    throw new ImageConversionError(`${what}: the TOC file does not read its tracks' files as written (SWAP for little-endian audio, RW_RAW for subchannel)`);
  }
  if (canonical(content.cdText) !== canonical(text?.disc ?? {})) throw new ImageConversionError(`${what}: the TOC file's disc CD-TEXT reads back otherwise than decoded`);
  const differs = content.tracks.findIndex((t, i) => canonical(t.cdText) !== canonical(tracks[i]?.cdText ?? {}));
  if (differs >= 0) throw new ImageConversionError(`${what}: the TOC file's CD-TEXT of track ${differs + 1} reads back otherwise than decoded`);
  const finalName = `${finalNames(id).cue.replace(/\.cue$/, '')}.toc`;
  const dest = staging.file(finalName);
  await writeFile(dest, toc, { encoding: 'latin1', flag: 'wx' });
  const frames = await showTocFrames(dest, tracks.length, signal).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  if (frames !== staged.validated.sectors) throw new ImageConversionError(`${what}: cdrdao reads the TOC file as ${frames} frames, the CUE image has ${staged.validated.sectors}`);
  const hash = await hashFile(dest);
  const file: StagedFile = { staged: dest, finalName, role: 'toc', bytes: hash.bytes, sha256: hash.sha256 };
  const withText = tracks.filter((t) => t.cdText !== undefined && canonical(t.cdText) !== '[]').length;
  const decoded = text
    ? `CD-TEXT: ${text.packs} pack(s) of block 0 (language ${text.language}, ${text.charset}, tracks ${text.firstTrack} to ${text.lastTrack}) decoded with their sequence and size packs checked; `
    : '';
  const files = rw
    ? `its tracks read from ${rw.length} RW_RAW file(s) (2448-byte frames: the sector, audio big-endian, and the R-W subchannel symbols), each read back against the image and the .sub`
    : 'audio read with SWAP: the BINs\' samples are little-endian';
  const proof = `${decoded}the TOC file ${path.basename(dest)} written with the disc's and ${withText} track(s)' CD-TEXT reads back with the same CD-TEXT and the CUE image's track modes (${files}), `
    + `and cdrdao show-toc reads it as ${frames} frames, the CUE image's length; burns go through cdrdao from it`;
  return { staged: { ...staged, files: [...staged.files, file], validated: withTocFacts(staged.validated, content) }, proof };
}
