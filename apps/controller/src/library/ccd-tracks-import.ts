/**
 * A CloneCD image with audio or Mode 2 tracks (one session, unscrambled)
 * into the library as a CUE image: the `.img`'s raw 2352-byte sectors split
 * at the control file's INDEX 1 (and INDEX 0, a track's pregap) into one BIN
 * per track (track-plan-import.ts), whose proof goes into the provenance.
 * A CUE sheet cannot carry the `.sub` subchannel: when there is one, it is
 * scanned (one record per sector, R-W data counted), the control file and
 * the `.sub` are kept beside the image (role `source`, never burned)
 * whatever the caller asked, and the provenance says what it holds; R-W
 * data in it goes into RW_RAW files for the TOC (ccd-rw-tracks.ts).
 * A `[CDText]` section is decoded and written into a cdrdao TOC file
 * beside the BIN/CUE (source-cd-text.ts), which burns then use.
 */
import path from 'node:path';
import type { CcdFile, PlannedTrack, SubchannelScan } from 'node-cdrecord-wrapper';
import { RAW_SECTOR, scanCloneCdSub } from 'node-cdrecord-wrapper';
import { fromImageReadError, ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { stageRwTracks } from './ccd-rw-tracks.js';
import { addCdTextToc, decodeSourceCdText } from './source-cd-text.js';
import { stagePlannedCue } from './track-plan-import.js';

const CUE_MODE: Readonly<Record<number, string>> = { 0: 'AUDIO', 1: 'MODE1/2352', 2: 'MODE2/2352' };

/** Scan a `.sub` (exactly one 96-byte record per sector, else refused); the drivers' refusals as library errors. */
export async function scanSub(sub: string, sectors: number): Promise<SubchannelScan> {
  return scanCloneCdSub(sub, sectors).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
}

/** The provenance's words for a scanned `.sub`. */
export function subProof(scan: SubchannelScan, burned: boolean): string {
  return scan.rwSectors === 0
    ? `the .sub's ${scan.sectors} records hold P and Q only (no R-W data), which every burner writes again from the sheet`
    : `the .sub holds R-W subchannel data (CD+G, CD-TEXT in the program area or the like) in ${scan.rwSectors} of ${scan.sectors} sectors (the first at ${scan.firstRwSector ?? 0}): ${burned ? 'burned by cdrdao from the TOC\'s RW_RAW files; other burners write the BIN/CUE without it' : 'kept, not burned'}`;
}

/** The files of a CloneCD image, resolved inside its folder and the import roots. */
export interface CcdFiles {
  readonly source: string;
  readonly img: string;
  readonly imgBytes: number;
  readonly sub?: string;
}

/** The tracks of `ccd` as byte ranges of its `.img`; throws `ImageConversionError` when they do not fit it. */
export function ccdPlan(ccd: CcdFile, img: string, imgBytes: number): PlannedTrack[] {
  const name = path.basename(img);
  if (imgBytes === 0 || imgBytes % RAW_SECTOR !== 0) throw new ImageConversionError(`CloneCD image ${name} is ${imgBytes} bytes, not a whole number of ${RAW_SECTOR}-byte sectors`);
  const sectors = imgBytes / RAW_SECTOR;
  const first = ccd.tracks[0];
  if (first?.index1 !== 0) throw new ImageConversionError(`CloneCD track ${first?.number ?? 1} starts at sector ${first?.index1 ?? '?'}, not at the start of ${name}`);
  return ccd.tracks.map((t, i) => {
    const next = ccd.tracks[i + 1];
    const endSector = next ? (next.index0 ?? next.index1) : sectors;
    const pregapSector = i === 0 ? t.index1 : (t.index0 ?? t.index1);
    if (!(pregapSector <= t.index1 && t.index1 < endSector && endSector <= sectors)) {
      throw new ImageConversionError(`CloneCD track ${t.number} lies at sectors ${pregapSector}/${t.index1} to ${endSector}, outside ${name} (${sectors} sectors) or out of order`);
    }
    return { number: i + 1, mode: CUE_MODE[t.mode] ?? `mode ${t.mode}`, source: img, pregapOffset: pregapSector * RAW_SECTOR, start: t.index1 * RAW_SECTOR, end: endSector * RAW_SECTOR };
  });
}

/** Stage a CloneCD image with audio or Mode 2 tracks as a CUE image (see the module comment). */
export async function stageCcdTracks(staging: Staging, id: string, files: CcdFiles, ccd: CcdFile, options: ConversionOptions): Promise<StagedImage> {
  const tracks = ccdPlan(ccd, files.img, files.imgBytes);
  const sourceName = options.sourceName ?? path.basename(files.source);
  const text = ccd.cdText ? decodeSourceCdText(ccd.cdText, tracks.length) : undefined;
  const scan = files.sub ? await scanSub(files.sub, files.imgBytes / RAW_SECTOR) : undefined;
  const planned = await stagePlannedCue(staging, id, `CloneCD image ${sourceName}`, tracks, options);
  const rw = files.sub && scan && scan.rwSectors > 0 ? await stageRwTracks(staging, id, tracks, files.img, files.sub, options.limitBytes) : undefined;
  const withText = text || rw ? await addCdTextToc(staging, id, planned.staged, text, `CloneCD image ${sourceName}`, options.signal, rw) : undefined;
  const staged = withText ? { ...withText.staged, files: [...withText.staged.files, ...(rw ?? [])] } : planned.staged;
  const proof = withText ? `${planned.proof}; ${withText.proof}` : planned.proof;
  const stem = finalNames(id).cue.replace(/\.cue$/, '');
  const kept: StagedFile[] = [];
  if (options.keepOriginal || files.sub) kept.push(await keepSource(staging, files.source, `${stem}.ccd`, false));
  if (options.keepOriginal) kept.push(await keepSource(staging, files.img, `${stem}.img`, false));
  if (files.sub) kept.push(await keepSource(staging, files.sub, `${stem}.sub`, false));
  const control = kept[0] ?? (await hashFile(files.source));
  const conversion: ConversionProof = {
    from: 'ccd',
    sourceSha256: control.sha256,
    sourceBytes: control.bytes,
    command: ['copy', path.basename(files.img), `${tracks.length} track(s)`],
    proof: `CloneCD v${ccd.version}: ${proof}${scan ? `; ${subProof(scan, rw !== undefined)}; a CUE sheet carries no subchannel, so the control file and the .sub are kept beside the image` : ''}`,
    ...(kept[0] ? { keptSource: kept.map((k) => k.finalName).join(', ') } : {}),
    ...(scan ? { subchannel: { file: `${stem}.sub`, sectors: scan.sectors, rwSectors: scan.rwSectors, burned: rw !== undefined } } : {}),
  };
  return { ...staged, files: [...staged.files, ...kept], conversion };
}
