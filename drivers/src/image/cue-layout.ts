/**
 * A parsed CUE sheet checked against its BIN files' sizes, and its track list
 * on disc: where each track starts, how long it is, its pregap. Pure: the
 * caller supplies the file sizes.
 *
 * Disc positions are frames from the start of the first track's data (LBA;
 * the 150-frame lead-in pregap of track 1 is not counted). A track's `frames`
 * is what it occupies on disc: PREGAP + its data in the files + POSTGAP, as
 * `TrackLayout` (media.ts) counts it.
 */
import type { TrackLayout } from '../media.js';
import type { CdTextField, CueSheet } from './cue-sheet.js';
import { imageProblem, ImageReadError } from './image-read-error.js';

/** One track of a CUE image: where it lies on disc and what the sheet says about it. */
export interface CueTrackInfo extends TrackLayout {
  readonly number: number;
  /** Bytes per frame of the mode in the BIN file. */
  readonly frameBytes: number;
  /** Disc position (LBA) of INDEX 01. */
  readonly startFrame: number;
  /** Pregap frames: PREGAP plus INDEX 00..01 inside the file. */
  readonly pregapFrames: number;
  readonly postgapFrames: number;
  /** Frames of this track's data in the BIN files. */
  readonly dataFrames: number;
  /** Name of the FILE holding INDEX 01, as the sheet names it. */
  readonly file: string;
  /** Every INDEX with its disc position. */
  readonly indexes: readonly { readonly number: number; readonly frame: number }[];
  readonly isrc?: string;
  readonly flags?: readonly string[];
  readonly title?: string;
  readonly performer?: string;
  readonly cdText?: Partial<Record<CdTextField, string>>;
}

/** Sizes of the BIN files, in sheet order. */
export interface CueFileSize {
  readonly name: string;
  readonly bytes: number;
}

/** The checked layout of a CUE image. */
export interface CueLayout {
  readonly tracks: CueTrackInfo[];
  /** Frames on disc, gaps included (what the fit rule counts). */
  readonly totalFrames: number;
  /** Bytes of all BIN files. */
  readonly dataBytes: number;
}

/**
 * Check `sheet` against its files' sizes and lay its tracks out. Throws
 * `ImageReadError`: `cue-unsupported-file-type` (WAVE/AIFF/MP3),
 * `cue-structure` (a FILE with tracks of different frame sizes, data before
 * the first track), `cue-size-mismatch` (not whole frames) or `cue-index`
 * (positions outside their file or not increasing).
 */
export function layoutCue(sheet: CueSheet, sizes: readonly CueFileSize[]): CueLayout {
  const fileFrameBytes: (number | undefined)[] = sheet.files.map(() => undefined);
  for (const file of sheet.files) {
    if (file.type !== 'BINARY' && file.type !== 'MOTOROLA') {
      throw imageProblem('cue-unsupported-file-type', `CUE sheet line ${file.line}: FILE type ${file.type} is not supported; convert ${file.name} to a BINARY file`);
    }
  }
  // Frame size of each file: the mode of the tracks whose indexes lie in it (or that continue into it).
  let current: number | undefined;
  let trackCursor = 0;
  sheet.files.forEach((_file, f) => {
    while (trackCursor < sheet.tracks.length && (sheet.tracks[trackCursor]?.fileIndex ?? Infinity) <= f) {
      current = sheet.tracks[trackCursor]?.frameBytes;
      trackCursor++;
    }
    const inFile = sheet.tracks.filter((t) => t.fileIndex === f || t.indexes.some((x) => x.fileIndex === f));
    const sizesHere = new Set(inFile.map((t) => t.frameBytes));
    if (sizesHere.size > 1) {
      throw imageProblem('cue-structure', `FILE ${sheet.files[f]?.name} holds tracks of different frame sizes (${[...sizesHere].join(', ')} bytes); split it into one FILE per frame size`);
    }
    fileFrameBytes[f] = [...sizesHere][0] ?? current;
  });

  const fileFrames: number[] = [];
  const fileOffset: number[] = [];
  let total = 0;
  sheet.files.forEach((file, f) => {
    const size = sizes[f];
    const frameBytes = fileFrameBytes[f];
    if (!size || frameBytes === undefined) throw imageProblem('cue-structure', `FILE ${file.name} (line ${file.line}) belongs to no track`);
    const owner = sheet.tracks.find((t) => t.frameBytes === frameBytes && (t.fileIndex === f || t.indexes.some((x) => x.fileIndex === f)));
    if (size.bytes === 0 || size.bytes % frameBytes !== 0) {
      throw new ImageReadError({ kind: 'cue-size-mismatch', fileName: file.name, bytes: size.bytes, frameBytes, mode: owner?.mode ?? `${frameBytes}-byte` });
    }
    fileOffset.push(total);
    fileFrames.push(size.bytes / frameBytes);
    total += size.bytes / frameBytes;
  });

  // Absolute positions in the concatenated files; every index inside its file and strictly increasing.
  let previous = -1;
  const absolute = sheet.tracks.map((t) =>
    t.indexes.map((x) => {
      const frames = fileFrames[x.fileIndex] ?? 0;
      if (x.position >= frames) {
        throw imageProblem('cue-index', `CUE sheet line ${x.line}: INDEX ${x.number} of track ${t.number} is at frame ${x.position}, past the end of ${sheet.files[x.fileIndex]?.name} (${frames} frames)`);
      }
      const at = (fileOffset[x.fileIndex] ?? 0) + x.position;
      if (at <= previous) throw imageProblem('cue-index', `CUE sheet line ${x.line}: INDEX ${x.number} of track ${t.number} does not come after the previous index`);
      previous = at;
      return { number: x.number, at };
    }),
  );
  if ((absolute[0]?.[0]?.at ?? 0) !== 0) throw imageProblem('cue-structure', 'the first track does not start at the beginning of the first FILE');

  let shift = 0;
  const tracks = sheet.tracks.map((t, i): CueTrackInfo => {
    const indexes = absolute[i] ?? [];
    const first = indexes[0]?.at ?? 0;
    const index1 = indexes.find((x) => x.number === 1)?.at ?? first;
    const end = absolute[i + 1]?.[0]?.at ?? total;
    shift += t.pregap;
    const startFrame = index1 + shift;
    const discIndexes = indexes.map((x) => ({ number: x.number, frame: x.at + shift }));
    shift += t.postgap;
    const dataFrames = end - first;
    const holder = t.indexes.find((x) => x.number === 1)?.fileIndex ?? t.fileIndex;
    return {
      number: t.number,
      mode: t.mode,
      frameBytes: t.frameBytes,
      startFrame,
      frames: t.pregap + dataFrames + t.postgap,
      pregapFrames: t.pregap + (index1 - first),
      postgapFrames: t.postgap,
      dataFrames,
      file: sheet.files[holder]?.name ?? '',
      indexes: discIndexes,
      ...(t.isrc ? { isrc: t.isrc } : {}),
      ...(t.flags.length > 0 ? { flags: [...t.flags] } : {}),
      ...(t.cdText.TITLE !== undefined ? { title: t.cdText.TITLE } : {}),
      ...(t.cdText.PERFORMER !== undefined ? { performer: t.cdText.PERFORMER } : {}),
      ...(Object.keys(t.cdText).length > 0 ? { cdText: { ...t.cdText } } : {}),
    };
  });
  return {
    tracks,
    totalFrames: tracks.reduce((sum, t) => sum + t.frames, 0),
    dataBytes: sizes.reduce((sum, s) => sum + s.bytes, 0),
  };
}

/** A track's place on disc as a listing shows it: from INDEX 01, its pregap apart. */
export interface TrackExtent {
  /** Disc position (LBA) of INDEX 01. */
  readonly startSector: number;
  /** Frames from INDEX 01 to the start of the next track's pregap (or the end of the disc), its POSTGAP included. */
  readonly sectors: number;
  /** Frames before INDEX 01 (PREGAP plus INDEX 00..01), ending where `startSector` begins. */
  readonly pregapSectors: number;
}

/**
 * The extent of a laid-out track: `startSector` and `sectors` both count
 * from INDEX 01, so `startSector + sectors` is where the next track's pregap
 * begins and, for the last track, the layout's `totalFrames`; the pregap is
 * listed apart (`startSector - pregapSectors` is where the track begins).
 */
export function trackExtent(track: Pick<CueTrackInfo, 'startFrame' | 'frames' | 'pregapFrames'>): TrackExtent {
  const pregap = track.pregapFrames ?? 0;
  return { startSector: track.startFrame, sectors: track.frames - pregap, pregapSectors: pregap };
}
