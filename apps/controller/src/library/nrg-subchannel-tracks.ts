/**
 * NRG tracks of 2448-byte sectors (the sector and its 96 bytes of P-W
 * subchannel; mode codes 0x0F, 0x10, 0x11, layout per libmirage: see the
 * drivers' nrg-subchannel.ts) into the library as a CUE image: the main
 * channel of every track is written out once (a staging file), split into
 * one BIN per track as for any container (track-plan-import.ts), and each
 * BIN's SHA-256 held against the main channel read again from the NRG.
 * When the subchannel carries R-W data, every track is also written as an
 * RW_RAW file (role `subchannel`) read back against the NRG, for the cdrdao
 * TOC beside the BIN/CUE (source-cd-text.ts), as CloneCD's `.sub` is.
 *
 * Refused, not guessed: a 2448-byte track of another mode code, tracks with
 * and without subchannel on one disc (an RW_RAW TOC needs every track's
 * frames), and a pregap that is not whole sectors.
 */
import { rm } from 'node:fs/promises';
import type { CdTextBlock, NrgImage, NrgSubRange, PlannedTrack } from 'node-cdrecord-wrapper';
import { checkNrgRwTrack, NRG_SUB_SECTOR, NRG_SUBCHANNEL_MODES, nrgMainChannelSha256, writeNrgMainChannel, writeNrgRwTrack } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import type { ConversionOptions } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { addCdTextToc } from './source-cd-text.js';
import { stagePlannedCue } from './track-plan-import.js';

const MAIN = 2352;

/** True when some track of `nrg` has 2448-byte sectors (the caller then uses `stageNrgSubchannelTracks`). */
export const hasNrgSubchannel = (nrg: NrgImage): boolean => nrg.tracks.some((t) => t.sectorBytes === NRG_SUB_SECTOR);

/** Each track's sectors with subchannel (its pregap first, but not track 1's lead-in), or a refusal. */
function ranges(nrg: NrgImage, source: string, what: string): (NrgSubRange & { gapSectors: number; mode: string })[] {
  const withSub = nrg.tracks.find((t) => t.sectorBytes === NRG_SUB_SECTOR);
  return nrg.tracks.map((t, i) => {
    const mode = NRG_SUBCHANNEL_MODES[t.modeCode];
    if (t.sectorBytes !== NRG_SUB_SECTOR) throw new ImageConversionError(`${what}: track ${t.number} is ${t.mode} beside track ${withSub?.number ?? '?'}, ${withSub?.mode ?? '?'} with subchannel data; a disc whose tracks do not all carry subchannel is not converted`);
    if (mode === undefined) throw new ImageConversionError(`${what}: track ${t.number} has 2448-byte sectors under mode code 0x${t.modeCode.toString(16).padStart(2, '0')}, whose subchannel layout is not known; not converted rather than guessed`);
    const from = i === 0 ? t.start : t.pregapOffset;
    if ((t.start - from) % NRG_SUB_SECTOR !== 0) throw new ImageConversionError(`${what}: track ${t.number}'s pregap (${t.start - from} bytes) is not whole 2448-byte sectors`);
    return { file: source, start: from, sectors: (t.end - from) / NRG_SUB_SECTOR, audio: mode === 'AUDIO', gapSectors: (t.start - from) / NRG_SUB_SECTOR, mode };
  });
}

/**
 * Stage the NRG image `source` (read as `nrg`, every track with 2448-byte
 * sectors) as a CUE image, with RW_RAW files and a TOC when its subchannel
 * has R-W data or `text` is given. Returns the staged image and the proof in
 * words. Refusals: `ImageConversionError` (see the module comment, and any
 * read-back that differs), `ConversionTooLargeError` over the limit.
 */
export async function stageNrgSubchannelTracks(
  staging: Staging, id: string, source: string, nrg: NrgImage, what: string, options: ConversionOptions, text: CdTextBlock | undefined,
): Promise<{ staged: StagedImage; proof: string }> {
  const parts = ranges(nrg, source, what);
  const mainBytes = parts.reduce((sum, r) => sum + r.sectors * MAIN, 0);
  if (mainBytes > options.limitBytes) throw new ConversionTooLargeError(`${what}: its ${parts.length} track(s) hold ${mainBytes} bytes of main channel, more than the library's limit of ${options.limitBytes}`);
  const mainFile = staging.file(`${id}-main-channel.part`);
  const main = await writeNrgMainChannel(parts, mainFile).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  let at = 0;
  const tracks: PlannedTrack[] = parts.map((r, i) => {
    const t: PlannedTrack = { number: i + 1, mode: r.mode, source: mainFile, pregapOffset: at, start: at + r.gapSectors * MAIN, end: at + r.sectors * MAIN };
    at = t.end;
    return t;
  });
  const planned = await stagePlannedCue(staging, id, what, tracks, options);
  await rm(mainFile, { force: true });
  const bins = planned.staged.files.filter((f) => f.role === 'bin');
  for (const [i, r] of parts.entries()) {
    const again = await nrgMainChannelSha256(r).catch((err: unknown) => {
      throw fromImageReadError(err);
    });
    if (bins[i]?.sha256 !== again) throw new ImageConversionError(`${what}: track ${i + 1}'s BIN does not hash to the main channel of its sectors read again from the NRG`);
  }
  const rw = main.rwSectors > 0 ? await stageRw(staging, id, parts, what, options.limitBytes) : undefined;
  const withToc = text || rw ? await addCdTextToc(staging, id, planned.staged, text, what, options.signal, rw) : undefined;
  const staged = withToc ? { ...withToc.staged, files: [...withToc.staged.files, ...(rw ?? [])] } : planned.staged;
  const sub = main.rwSectors === 0
    ? `the subchannel of its ${main.sectors} sectors holds no R-W data (P and Q are written again by every burner), so it is not kept`
    : `the subchannel holds R-W data in ${main.rwSectors} of ${main.sectors} sectors (the first at ${main.firstRwSector ?? 0}): burned by cdrdao from the TOC's RW_RAW files; other burners write the BIN/CUE without it`;
  const proof = `2448-byte sectors (2352 of main channel, 96 of interleaved P-W subchannel): ${planned.proof}; every BIN hashes to its main channel read again from the NRG; ${sub}${withToc ? `; ${withToc.proof}` : ''}`;
  return { staged, proof };
}

/** One RW_RAW file per track, each read back against the NRG. */
async function stageRw(staging: Staging, id: string, parts: readonly NrgSubRange[], what: string, limitBytes: number): Promise<StagedFile[]> {
  const total = parts.reduce((sum, r) => sum + r.sectors * NRG_SUB_SECTOR, 0);
  if (total > limitBytes) throw new ConversionTooLargeError(`${what}: its tracks with their R-W subchannel are ${total} bytes, more than the library's limit of ${limitBytes}`);
  const staged: StagedFile[] = [];
  for (const [i, r] of parts.entries()) {
    const finalName = `${id}-${String(i + 1).padStart(2, '0')}.rw`;
    const dest = staging.file(finalName);
    try {
      const written = await writeNrgRwTrack(r, dest);
      await checkNrgRwTrack(dest, r);
      staged.push({ staged: dest, finalName, role: 'subchannel', bytes: written.bytes, sha256: written.sha256 });
    } catch (err) {
      throw fromImageReadError(err);
    }
  }
  return staged;
}
