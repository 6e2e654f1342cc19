/**
 * A Nero NRG image into the library: its footer and chunks read by the
 * drivers' `readNrg`, the one 2048-byte data track's bytes copied out of it
 * (its extent per the DAO or track-at-once chunk) into the staging folder
 * under the library's size limit, validated as an ISO (or pure UDF) image,
 * and held against iat's own conversion of the same file: the two must have
 * the same SHA-256, or the image is refused. Images with audio, raw or
 * several tracks, or with CD-TEXT, become a CUE image (track-plan-import.ts);
 * tracks of 2448-byte sectors (with subchannel) are split into main channel
 * and R-W subchannel (nrg-subchannel-tracks.ts).
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { NrgImage, PlannedTrack } from 'node-cdrecord-wrapper';
import { CD_TEXT_PACK, readNrg } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import type { ByteBudget } from './hashing-copy.js';
import { copyAndHash, hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { confirmWithIat } from './iat-proof.js';
import { validateImageFile } from './image-validator.js';
import { hasNrgSubchannel, stageNrgSubchannelTracks } from './nrg-subchannel-tracks.js';
import { addCdTextToc, decodeSourceCdText } from './source-cd-text.js';
import { stagePlannedCue } from './track-plan-import.js';

const chunkOf = (nrg: NrgImage): string => (nrg.writing === 'dao' ? (nrg.version === 2 ? 'DAOX' : 'DAOI') : (nrg.version === 2 ? 'ETN2' : 'ETNF'));

/**
 * Several tracks, audio or raw sectors: a CUE image of one BIN per track
 * (track-plan-import.ts). Track 1's pregap is the disc's lead-in and is not
 * copied; a later track's pregap (DAO `pregapOffset` to `start`) is its
 * INDEX 00. Tracks of 2448-byte sectors go through nrg-subchannel-tracks.ts;
 * unknown modes are refused. A CDTX chunk's CD-TEXT goes into a cdrdao TOC
 * file beside the BIN/CUE (source-cd-text.ts).
 */
async function stageNrgTracks(staging: Staging, id: string, source: string, nrg: NrgImage, sourceName: string, options: ConversionOptions): Promise<StagedImage> {
  const what = `NRG image ${sourceName}`;
  const withSub = hasNrgSubchannel(nrg);
  const unknown = nrg.tracks.find((t) => !withSub && t.mode.startsWith('unknown'));
  if (unknown) throw new ImageConversionError(`${what}: track ${unknown.number} is ${unknown.mode}; tracks of unknown modes are not converted`);
  const tracks: PlannedTrack[] = nrg.tracks.map((t, i) => ({ number: i + 1, mode: t.mode, source, pregapOffset: i === 0 ? t.start : t.pregapOffset, start: t.start, end: t.end }));
  const text = nrg.cdText ? decodeSourceCdText({ packs: nrg.cdText, packBytes: CD_TEXT_PACK }, tracks.length) : undefined;
  let staged: StagedImage;
  let proof: string;
  if (withSub) {
    ({ staged, proof } = await stageNrgSubchannelTracks(staging, id, source, nrg, what, options, text));
    if (text) proof += ' (each CDTX pack\'s CRC checked)';
  } else {
    const planned = await stagePlannedCue(staging, id, what, tracks, options);
    const withText = text ? await addCdTextToc(staging, id, planned.staged, text, what, options.signal) : undefined;
    staged = withText?.staged ?? planned.staged;
    proof = withText ? `${planned.proof}; CDTX chunk's ${withText.proof} (each pack's CRC checked)` : planned.proof;
  }
  const kept = options.keepOriginal ? await keepSource(staging, source, `${finalNames(id).cue.replace(/\.cue$/, '')}.nrg`, options.movable === true) : undefined;
  const whole = kept ?? (await hashFile(source));
  const conversion: ConversionProof = {
    from: 'nrg',
    sourceSha256: whole.sha256,
    sourceBytes: whole.bytes,
    command: ['copy', sourceName, `${tracks.length} track(s)`],
    proof: `NRG v${nrg.version} ${chunkOf(nrg)} chunk: ${proof}`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  return { ...staged, files: kept ? [...staged.files, kept] : staged.files, conversion };
}

/**
 * Stage the NRG image `source` as an ISO. Refusals: `ImageConversionError`
 * for a broken footer or chunk chain, a track table the library does not
 * convert, or iat disagreeing; `ConversionTooLargeError` over the limit;
 * then the ISO's own validation.
 */
export async function stageNrg(staging: Staging, id: string, source: string, options: ConversionOptions): Promise<StagedImage> {
  const nrg = await readNrg(source).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  const track = nrg.tracks[0];
  const sourceName = options.sourceName ?? path.basename(source);
  if (nrg.cdText || nrg.tracks.length !== 1 || !track || track.sectorBytes !== 2048 || (track.modeCode !== 0x00 && track.modeCode !== 0x02)) {
    return stageNrgTracks(staging, id, source, nrg, sourceName, options);
  }
  const bytes = track.end - track.start;
  if (bytes > options.limitBytes) {
    throw new ConversionTooLargeError(`NRG image ${sourceName}: its data track is ${bytes} bytes, more than the library's limit of ${options.limitBytes}`);
  }
  const names = finalNames(id);
  const dest = staging.file(names.iso);
  const budget: ByteBudget = { limitBytes: options.limitBytes, usedBytes: 0 };
  const copy = await copyAndHash(createReadStream(source, { start: track.start, end: track.end - 1 }), dest, { budget });
  const validated = await validateImageFile(dest, { expectFormat: 'iso' });
  options.precheck?.(validated);
  // iat's reading of the same file, for the proof.
  await confirmWithIat(staging, source, copy, `NRG image ${sourceName}`, options.signal);
  const kept = options.keepOriginal ? await keepSource(staging, source, `${names.iso.replace(/\.iso$/, '')}.nrg`, options.movable === true) : undefined;
  const whole = kept ?? (await hashFile(source));
  const chunk = chunkOf(nrg);
  const conversion: ConversionProof = {
    from: 'nrg',
    sourceSha256: whole.sha256,
    sourceBytes: whole.bytes,
    command: ['iat', sourceName, 'iat.iso'],
    proof: `NRG v${nrg.version} ${chunk} chunk: track 1 (${track.mode}) at bytes ${track.start} to ${track.end}, copied out by the library; iat's own conversion has the same SHA-256; then the image read and validated`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  const iso: StagedFile = { staged: dest, finalName: names.iso, role: 'iso', bytes: copy.bytes, sha256: copy.sha256 };
  return { files: kept ? [iso, kept] : [iso], imageFile: names.iso, validated, sha256: copy.sha256, conversion };
}
