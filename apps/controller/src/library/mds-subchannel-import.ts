/**
 * An Alcohol 120% image read with its subchannel (every track of subchannel
 * type 0x08, 2448-byte sectors: 2352 bytes of main channel, then 96 of P-W
 * interleaved; the drivers' mds-subchannel.ts) into the library as a CUE
 * image of one BIN per track, as for a CloneCD image with a `.sub`:
 *
 * - the main channel of each track (with its stored pregap) is split out
 *   of the data file, and each BIN must hash to the main channel read from
 *   the data file (one hash per track, taken while splitting);
 * - the subchannel, deinterleaved into CloneCD's `.sub` layout, is scanned
 *   for R-W data and kept beside the image with the descriptor (role
 *   `source`, never burned);
 * - R-W data becomes one RW_RAW file per track (ccd-rw-tracks.ts) for a TOC
 *   file that cdrdao burns (source-cd-text.ts), each RW_RAW file read back
 *   against the split image and `.sub` and against the data file's
 *   interleaved frames themselves.
 *
 * Refused with `ImageConversionError`: a subchannel type other than 0x08, a
 * sector size other than 2448 with it, tracks with and without subchannel
 * mixed, DVD tracks.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { InterleavedRange, MdsFile, PlannedTrack } from 'node-cdrecord-wrapper';
import { checkInterleavedRw, MDS_PW_INTERLEAVED, MDS_SUB_FRAME, RAW_SECTOR, splitInterleaved } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import { stageRwTracks } from './ccd-rw-tracks.js';
import { scanSub, subProof } from './ccd-tracks-import.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import type { MdsDataFile } from './mds-tracks-import.js';
import { mdsPlan } from './mds-tracks-import.js';
import { addCdTextToc } from './source-cd-text.js';
import { stagePlannedCue } from './track-plan-import.js';

const SUB_BYTES = MDS_SUB_FRAME - RAW_SECTOR;

/** Refuse what this module cannot read faithfully (see the module comment). */
function checkTracks(mds: MdsFile): void {
  const list = mds.tracks.map((t) => `${t.number} ${t.mode}/${t.sectorBytes}${t.subchannel ? `+sub 0x${t.subchannel.toString(16).padStart(2, '0')}` : ''}`).join(', ');
  for (const t of mds.tracks) {
    if (t.subchannel === 0) throw new ImageConversionError(`MDS image with tracks ${list}: tracks with and without subchannel data in one image are not converted`);
    if (t.subchannel !== MDS_PW_INTERLEAVED) {
      throw new ImageConversionError(`MDS track ${t.number} declares subchannel type 0x${t.subchannel.toString(16).padStart(2, '0')}: only 0x08 (96 bytes of P-W, interleaved) is read`);
    }
    if (t.sectorBytes !== MDS_SUB_FRAME || t.mode === 'DVD') {
      throw new ImageConversionError(`MDS track ${t.number} (${t.mode}) has subchannel data with ${t.sectorBytes}-byte sectors: only 2352-byte sectors with 96 bytes of subchannel (2448) are read`);
    }
  }
}

/** Stage an MDS image whose tracks carry interleaved subchannel (see the module comment). */
export async function stageMdsSubchannelTracks(staging: Staging, id: string, source: string, mds: MdsFile, dataFile: MdsDataFile, options: ConversionOptions): Promise<StagedImage> {
  checkTracks(mds);
  const { tracks, files } = await mdsPlan(mds, dataFile);
  const sourceName = options.sourceName ?? path.basename(source);
  const what = `MDS image ${sourceName}`;
  const ranges: InterleavedRange[] = tracks.map((t) => ({ file: t.source, start: t.pregapOffset, sectors: (t.end - t.pregapOffset) / MDS_SUB_FRAME }));
  const sectors = ranges.reduce((sum, r) => sum + r.sectors, 0);
  if (sectors * MDS_SUB_FRAME > options.limitBytes) throw new ConversionTooLargeError(`${what}: its ${sectors} sectors with their subchannel are ${sectors * MDS_SUB_FRAME} bytes, more than the library's limit of ${options.limitBytes}`);
  const stem = finalNames(id).cue.replace(/\.cue$/, '');
  const img = staging.file(`${stem}-main.part`);
  const sub = staging.file(`${stem}-sub.part`);
  const split = await splitInterleaved(ranges, img, sub).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  // The same tracks, as byte ranges of the split 2352-byte image.
  let at = 0;
  const mainTracks: PlannedTrack[] = tracks.map((t, i) => {
    const pregap = ((t.start - t.pregapOffset) / MDS_SUB_FRAME) * RAW_SECTOR;
    const planned = { ...t, source: img, pregapOffset: at, start: at + pregap, end: at + (ranges[i]?.sectors ?? 0) * RAW_SECTOR };
    at = planned.end;
    return planned;
  });
  const planned = await stagePlannedCue(staging, id, what, mainTracks, options);
  const bins = planned.staged.files.filter((f) => f.role === 'bin');
  const differs = bins.findIndex((b, i) => b.sha256 !== split.mainSha256[i]);
  if (bins.length !== tracks.length || differs >= 0) throw new ImageConversionError(`${what}: track ${differs + 1}'s BIN is not the main channel of its sectors in the data file`);
  const scan = await scanSub(sub, split.sectors);
  let rw: StagedFile[] | undefined;
  if (scan.rwSectors > 0) {
    rw = await stageRwTracks(staging, id, mainTracks, img, sub, options.limitBytes);
    for (const [i, file] of rw.entries()) {
      await checkInterleavedRw(file.staged, ranges[i] as InterleavedRange, tracks[i]?.mode === 'AUDIO').catch((err: unknown) => {
        throw fromImageReadError(err);
      });
    }
  }
  await rm(img);
  const withToc = rw ? await addCdTextToc(staging, id, planned.staged, undefined, what, options.signal, rw) : undefined;
  const staged = withToc ? { ...withToc.staged, files: [...withToc.staged.files, ...(rw ?? [])] } : planned.staged;
  const kept: StagedFile[] = [await keepSource(staging, source, `${stem}.mds`, false), await keepSource(staging, sub, `${stem}.sub`, true)];
  if (options.keepOriginal) {
    for (const [i, f] of files.entries()) kept.push(await keepSource(staging, f.mdf, files.length === 1 ? `${stem}.mdf` : `${stem}-${i + 1}.mdf`, false));
  }
  const descriptor = kept[0] as StagedFile;
  const conversion: ConversionProof = {
    from: 'mds',
    sourceSha256: descriptor.sha256,
    sourceBytes: descriptor.bytes,
    command: ['split', files.map((f) => f.name).join(', '), `${tracks.length} track(s) of ${MDS_SUB_FRAME}-byte sectors`],
    proof: `MDS v${mds.version}: ${split.sectors} sectors of ${MDS_SUB_FRAME} bytes (subchannel type 0x08, P-W interleaved) split into their ${RAW_SECTOR}-byte main channel, each track's BIN hashing to it as read from the data file, `
      + `and their ${SUB_BYTES}-byte subchannel, deinterleaved into CloneCD's .sub layout; ${planned.proof}; ${subProof(scan, rw !== undefined)}${withToc ? `; ${withToc.proof}; each RW_RAW file also read back against the data file's interleaved frames` : ''}; `
      + 'a CUE sheet carries no subchannel, so the descriptor and the .sub are kept beside the image',
    keptSource: kept.map((k) => k.finalName).join(', '),
    subchannel: { file: `${stem}.sub`, sectors: scan.sectors, rwSectors: scan.rwSectors, burned: rw !== undefined },
  };
  return { ...staged, files: [...staged.files, ...kept], conversion };
}
