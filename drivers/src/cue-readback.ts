/**
 * How a burned CUE/BIN image reads back, per drive kind: which bytes of the
 * BIN files each disc sector returns, and what cannot be read back at all.
 *
 * A drive's `read()` returns 2048-byte user data per sector (READ(10)):
 * - MODE1/2048 and MODE2/2048 frames are that user data;
 * - MODE1/2352 raw frames hold it at byte 16 (after sync and header);
 * - MODE2 (and CD-i) /2336 and /2352 frames hold it at byte 8 / 24 (after
 *   the XA subheader) when the frame is Form 1; a Form 2 frame (submode bit
 *   5) has 2324 user bytes a 2048-byte read cannot return (the drive answers
 *   ILLEGAL MODE FOR THIS TRACK), and MODE2/2324 tracks are all Form 2;
 * - AUDIO (and the audio part of CDG) frames are read with `readAudio()`,
 *   2352 bytes each, shifted by the drive's read offset.
 *
 * Where the disc puts each sector: an optical or simulated drive lays the
 * tracks out as `layoutCue` does (PREGAP/POSTGAP generated, INDEX 01 of
 * track N at its `startFrame`); cdrskin writes a `stdio:` pseudo drive's
 * single MODE1/2048 track verbatim from the file's first byte, with no
 * PREGAP or POSTGAP (it burns no other CUE there).
 *
 * Pure: the caller supplies the image as `readImage` read it.
 */
import type { DriveKind } from './drive-contract.js';
import type { CueImageInfo } from './image/image-reader.js';
import type { CueTrackInfo } from './image/cue-layout.js';

/** How a track's frames come back from a disc. */
export type TrackReadBack =
  /** 2048 user bytes per frame at `userOffset` of the BIN frame; `subheaderAt` set for XA frames (Form 2 frames unreadable). */
  | { readonly kind: 'data'; readonly userOffset: number; readonly subheaderAt?: number }
  /** 2352 audio bytes per frame, the first bytes of the BIN frame. */
  | { readonly kind: 'audio' }
  /** Nothing a drive returns can be compared with it. */
  | { readonly kind: 'none'; readonly reason: string };

/** Bytes of CD-DA per frame: 588 stereo 16-bit samples. */
export const AUDIO_FRAME_BYTES = 2352;
/** User bytes a data read returns per sector. */
export const USER_DATA_BYTES = 2048;

/** How a track of `mode` reads back. */
export function trackReadBack(mode: string): TrackReadBack {
  switch (mode) {
    case 'MODE1/2048':
    case 'MODE2/2048':
      return { kind: 'data', userOffset: 0 };
    case 'MODE1/2352':
      return { kind: 'data', userOffset: 16 };
    case 'MODE2/2336':
    case 'CDI/2336':
      return { kind: 'data', userOffset: 8, subheaderAt: 0 };
    case 'MODE2/2352':
    case 'CDI/2352':
      return { kind: 'data', userOffset: 24, subheaderAt: 16 };
    case 'AUDIO':
    case 'CDG':
      return { kind: 'audio' };
    default:
      return { kind: 'none', reason: `${mode} sectors (Mode 2 Form 2) cannot be read back as 2048-byte user data` };
  }
}

/** True when an XA subheader (8 bytes from `at`) marks its frame Form 2. */
export function isForm2(frame: Buffer, at: number): boolean {
  return ((frame[at + 2] ?? 0) & 0x20) !== 0;
}

/** A stretch of disc frames and where its bytes come from. */
export interface DiscRun {
  /** First disc frame (LBA). */
  readonly discFrame: number;
  readonly frames: number;
  readonly track: CueTrackInfo;
  /** Frame of the BIN files (all files in sheet order) the run starts at; null: generated zeros (PREGAP/POSTGAP). */
  readonly binFrame: number | null;
}

/** One stretch a verify compares: disc frames against BIN frames, read one way. */
export interface VerifySegment {
  readonly track: number;
  readonly mode: string;
  readonly readBack: TrackReadBack;
  readonly discFrame: number;
  readonly binFrame: number;
  readonly frames: number;
}

/** The BIN files as one run of frames: where each file starts and its frame size. */
export interface BinFrameMap {
  /** First frame of each file. */
  readonly fileFrame: readonly number[];
  readonly frameBytes: readonly number[];
  readonly frames: readonly number[];
  readonly totalFrames: number;
}

/** The frame map of an image's BIN files. */
export function binFrameMap(info: CueImageInfo): BinFrameMap {
  const { sheet, bins } = info;
  const frameBytes: number[] = [];
  let current = sheet.tracks[0]?.frameBytes ?? USER_DATA_BYTES;
  let cursor = 0;
  sheet.files.forEach((_f, f) => {
    while (cursor < sheet.tracks.length && (sheet.tracks[cursor]?.fileIndex ?? Infinity) <= f) current = sheet.tracks[cursor++]?.frameBytes ?? current;
    const here = sheet.tracks.find((t) => t.fileIndex === f || t.indexes.some((x) => x.fileIndex === f));
    frameBytes.push(here?.frameBytes ?? current);
  });
  const fileFrame: number[] = [];
  const frames: number[] = [];
  let total = 0;
  bins.forEach((bin, f) => {
    fileFrame.push(total);
    const n = Math.floor(bin.bytes / (frameBytes[f] ?? USER_DATA_BYTES));
    frames.push(n);
    total += n;
  });
  return { fileFrame, frameBytes, frames, totalFrames: total };
}

/** The disc of an optical or simulated drive, frame by frame: generated gaps and BIN data, in disc order. */
export function discRuns(info: CueImageInfo, map: BinFrameMap = binFrameMap(info)): DiscRun[] {
  const runs: DiscRun[] = [];
  const abs = (fileIndex: number, position: number): number => (map.fileFrame[fileIndex] ?? 0) + position;
  info.sheet.tracks.forEach((t, i) => {
    const track = info.tracks[i];
    const first = t.indexes[0];
    const one = t.indexes.find((x) => x.number === 1);
    if (track === undefined || first === undefined || one === undefined) return;
    const next = info.sheet.tracks[i + 1]?.indexes[0];
    const firstAbs = abs(first.fileIndex, first.position);
    const endAbs = next === undefined ? map.totalFrames : abs(next.fileIndex, next.position);
    const shift = track.startFrame - abs(one.fileIndex, one.position);
    if (t.pregap > 0) runs.push({ discFrame: firstAbs + shift - t.pregap, frames: t.pregap, track, binFrame: null });
    runs.push({ discFrame: firstAbs + shift, frames: endAbs - firstAbs, track, binFrame: firstAbs });
    if (t.postgap > 0) runs.push({ discFrame: endAbs + shift, frames: t.postgap, track, binFrame: null });
  });
  return runs;
}

/**
 * What a verify compares on a drive of `kind`: each track from its INDEX 01
 * to the end of its data in the BIN files (pregaps, generated or INDEX 00 in
 * the file, are not compared: a drive puts track 1's in the lead-in, where
 * it cannot be read); on a `stdio:` target, the whole BIN from byte 0.
 */
export function verifySegments(info: CueImageInfo, kind: DriveKind, map: BinFrameMap = binFrameMap(info)): VerifySegment[] {
  if (kind === 'stdio') {
    const mode = info.tracks[0]?.mode ?? 'MODE1/2048';
    return [{ track: 1, mode, readBack: trackReadBack(mode), discFrame: 0, binFrame: 0, frames: map.totalFrames }];
  }
  return discRuns(info, map).filter((r) => r.binFrame !== null).map((r) => {
    const skip = r.track.startFrame - r.discFrame;
    return {
      track: r.track.number,
      mode: r.track.mode,
      readBack: trackReadBack(r.track.mode),
      discFrame: r.track.startFrame,
      binFrame: (r.binFrame ?? 0) + skip,
      frames: r.frames - skip,
    };
  }).filter((s) => s.frames > 0);
}

/** Which drive kinds read audio frames back (`Drive.readAudio`). */
export function readsAudioBack(kind: DriveKind): boolean {
  return kind === 'sim';
}

/**
 * Why an image with these track modes cannot be verified on a drive of
 * `kind`, or null when it can (Form 2 frames inside MODE2 tracks are found by
 * `findForm2Frame`, which reads the BIN files). A `stdio:` target burns one
 * MODE1/2048 track only; what it cannot burn it is never offered.
 */
export function cueVerifyProblem(tracks: readonly Pick<CueTrackInfo, 'number' | 'mode'>[], kind: DriveKind): string | null {
  for (const t of tracks) {
    const rb = trackReadBack(t.mode);
    if (rb.kind === 'none') return `track ${t.number}: ${rb.reason}`;
    if (rb.kind === 'audio' && !readsAudioBack(kind)) {
      return `track ${t.number} is audio, and a drive of kind '${kind}' cannot read audio frames back to compare them`;
    }
  }
  return null;
}

/** True when a drive of `kind` can burn an image of these tracks (a `stdio:` target: one MODE1/2048 track). */
export function cueBurnableOn(tracks: readonly Pick<CueTrackInfo, 'mode'>[], kind: DriveKind): boolean {
  return kind !== 'stdio' || (tracks.length === 1 && tracks[0]?.mode === 'MODE1/2048');
}

/**
 * The kind of drive a stable drive id names: `sim:N` simulated; a
 * `/dev/disk/by-path/` link or `/dev/srN`, `/dev/scdN`, `/dev/sgN` an
 * optical drive; any other path a `stdio:` target (its file or block device).
 */
export function driveKindOfStableId(id: string): DriveKind {
  if (id.startsWith('sim:')) return 'sim';
  if (id.startsWith('stdio:')) return 'stdio';
  if (id.startsWith('/dev/disk/by-path/') || /^\/dev\/(sr|scd|sg)\d+$/.test(id) || !id.startsWith('/')) return 'optical';
  return 'stdio';
}
