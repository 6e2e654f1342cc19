/**
 * An Alcohol 120% image with several tracks or audio (one session, no
 * subchannel) into the library as a CUE image of one BIN per track
 * (track-plan-import.ts). Each track's sectors are `sectors` of its
 * `sectorBytes` from `startOffset` of the data file it names (each resolved
 * by the caller inside the descriptor's folder and the import roots). A
 * later track's pregap (the extra block's first word) is copied as its
 * INDEX 00 when the data file holds it right before the track; when the
 * track follows the previous one directly, the pregap is not stored and
 * becomes the sheet's PREGAP. Anything else is refused.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { MdsFile, MdsTrack, PlannedTrack } from 'node-cdrecord-wrapper';
import { ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { stagePlannedCue } from './track-plan-import.js';

/** A track's data file as the caller resolved it. */
export type MdsDataFile = (track: MdsTrack) => Promise<{ name: string; info: Stats; mdf: string }>;

const CUE_MODE: Readonly<Record<string, string>> = {
  'AUDIO/2352': 'AUDIO', 'MODE1/2048': 'MODE1/2048', 'MODE1/2352': 'MODE1/2352', 'MODE2/2336': 'MODE2/2336', 'MODE2/2352': 'MODE2/2352',
  'MODE2_FORM1/2048': 'MODE2/2048', 'MODE2_FORM1/2352': 'MODE2/2352', 'MODE2_FORM2/2352': 'MODE2/2352',
};

/**
 * The plan of `mds`'s tracks, with the data files they name (deduplicated,
 * in order). Offsets are bytes of the data files; a track with interleaved
 * subchannel (2448-byte sectors) is named by the mode of its 2352-byte main
 * channel (mds-subchannel-import.ts splits it).
 */
export async function mdsPlan(mds: MdsFile, dataFile: MdsDataFile): Promise<{ tracks: PlannedTrack[]; files: { name: string; mdf: string }[] }> {
  const tracks: PlannedTrack[] = [];
  const files: { name: string; mdf: string }[] = [];
  let previous: { mdf: string; end: number } | undefined;
  for (const [i, t] of mds.tracks.entries()) {
    const { name, info, mdf } = await dataFile(t);
    if (!files.some((f) => f.mdf === mdf)) files.push({ name, mdf });
    const mainBytes = t.subchannel === 0 ? t.sectorBytes : t.sectorBytes - 96;
    const mode = CUE_MODE[`${t.mode}/${mainBytes}`] ?? `${t.mode}/${mainBytes}`;
    const end = t.startOffset + t.sectors * t.sectorBytes;
    if (t.sectors === 0 || end > info.size) throw new ImageConversionError(`MDS track ${t.number} (${t.sectors} sectors of ${t.sectorBytes} bytes from byte ${t.startOffset}) runs past the end of ${name} (${info.size} bytes)`);
    const before = previous?.mdf === mdf ? previous.end : 0;
    const stored = t.pregapSectors * t.sectorBytes;
    let pregap: Pick<PlannedTrack, 'pregapOffset' | 'silentPregapFrames'> = { pregapOffset: t.startOffset };
    if (i > 0 && t.pregapSectors > 0) {
      if (t.startOffset - before === stored) pregap = { pregapOffset: t.startOffset - stored };
      else if (t.startOffset === before) pregap = { pregapOffset: t.startOffset, silentPregapFrames: t.pregapSectors };
      else throw new ImageConversionError(`MDS track ${t.number} starts at byte ${t.startOffset} of ${name}, neither right after the previous track (byte ${before}) nor after its ${t.pregapSectors}-sector pregap`);
    } else if (t.startOffset < before) {
      throw new ImageConversionError(`MDS track ${t.number} starts at byte ${t.startOffset} of ${name}, inside the previous track (which ends at byte ${before})`);
    }
    tracks.push({ number: i + 1, mode, source: mdf, ...pregap, start: t.startOffset, end });
    previous = { mdf, end };
  }
  return { tracks, files };
}

/** Stage an MDS image with several tracks or audio as a CUE image (see the module comment). */
export async function stageMdsTracks(staging: Staging, id: string, source: string, mds: MdsFile, dataFile: MdsDataFile, options: ConversionOptions): Promise<StagedImage> {
  const { tracks, files } = await mdsPlan(mds, dataFile);
  const sourceName = options.sourceName ?? path.basename(source);
  const { staged, proof } = await stagePlannedCue(staging, id, `MDS image ${sourceName}`, tracks, options);
  const stem = finalNames(id).cue.replace(/\.cue$/, '');
  const kept: StagedFile[] = [];
  if (options.keepOriginal) {
    kept.push(await keepSource(staging, source, `${stem}.mds`, false));
    for (const [i, f] of files.entries()) kept.push(await keepSource(staging, f.mdf, files.length === 1 ? `${stem}.mdf` : `${stem}-${i + 1}.mdf`, false));
  }
  const descriptor = kept[0] ?? (await hashFile(source));
  const conversion: ConversionProof = {
    from: 'mds',
    sourceSha256: descriptor.sha256,
    sourceBytes: descriptor.bytes,
    command: ['copy', files.map((f) => f.name).join(', '), `${tracks.length} track(s)`],
    proof: `MDS v${mds.version}: ${proof}`,
    ...(kept[0] ? { keptSource: kept.map((k) => k.finalName).join(', ') } : {}),
  };
  return { ...staged, files: [...staged.files, ...kept], conversion };
}
