/**
 * cdrdao read-side output (everything on stderr): `read-cd` progress
 * `MM:SS:00` + CR (disc position, printed when it advanced by >75 sectors),
 * `Copying data track …` lines, the TOC table, `Reading of toc and track data
 * finished successfully.`; and `read-test` progress `Read N of M MB.` + CR.
 *
 * cdrdao prints `ERROR: Cannot get catalog number.` in successful runs: rely
 * on the exit code plus "finished successfully", not on the word ERROR.
 * Pure functions; none throws.
 */
import { allPieces } from './progress-pieces.js';

/** Sectors (CD frames) of an `MM:SS:FF` time (75 frames per second). */
export function msfToSectors(minutes: number, seconds: number, frames: number): number {
  return (minutes * 60 + seconds) * 75 + frames;
}

/** `cdrdao read-cd` progress piece `MM:SS:00`: the disc position reached, in sectors; null otherwise. */
export function parseCdrdaoReadProgress(piece: string): number | null {
  const m = /^\s*(\d{2,}):(\d{2}):(\d{2})\s*$/.exec(piece);
  if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined) return null;
  return msfToSectors(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** A `Copying data track …` line of cdrdao read-cd. */
export interface CdrdaoCopyTrack {
  readonly track: number;
  /** `MODE1`, `MODE1_RAW`, `AUDIO`, … */
  readonly mode: string;
  readonly startSector: number;
  readonly lengthSectors: number;
  readonly file: string;
}

/** Summary of a `cdrdao read-cd` (or `read-toc`) run. */
export interface CdrdaoReadSummary {
  readonly tracks: readonly CdrdaoCopyTrack[];
  /** Start of the lead-out from the TOC table = total sectors, when printed. */
  readonly leadoutSector?: number;
  /** Last `MM:SS:00` position, in sectors (it need not reach the track length). */
  readonly positionSectors: number;
  /** `Reading of toc and track data finished successfully.` (or `Reading of toc data finished successfully.`). */
  readonly finishedSuccessfully: boolean;
  /** `ERROR:` lines other than the harmless ones (catalog number). */
  readonly errors: readonly string[];
  /** `ERROR:` lines known to be harmless in successful runs. */
  readonly harmlessErrors: readonly string[];
  /** `ERROR: Read error while copying data from track.` */
  readonly readError: boolean;
  /** `Unit not ready, giving up.` (no disc). */
  readonly unitNotReady: boolean;
}

const HARMLESS_CDRDAO_ERRORS = [/Cannot get catalog number/];

/** Summarise a complete `cdrdao read-cd` stderr. Success = exit 0 and `finishedSuccessfully`. */
export function parseCdrdaoReadOutput(text: string): CdrdaoReadSummary {
  const tracks: CdrdaoCopyTrack[] = [];
  let leadoutSector: number | undefined;
  let positionSectors = 0;
  let finishedSuccessfully = false;
  const errors: string[] = [];
  const harmlessErrors: string[] = [];
  for (const piece of allPieces(text)) {
    const position = parseCdrdaoReadProgress(piece);
    if (position !== null) {
      positionSectors = Math.max(positionSectors, position);
      continue;
    }
    const copy = /Copying (?:data|audio)? ?track (\d+) \(([^)]*)\): start (\d+):(\d+):(\d+), length (\d+):(\d+):(\d+) to "(.*)"/.exec(piece);
    if (copy) {
      const n = copy.slice(1).map((s) => s ?? '');
      tracks.push({
        track: Number(n[0]),
        mode: n[1] ?? '',
        startSector: msfToSectors(Number(n[2]), Number(n[3]), Number(n[4])),
        lengthSectors: msfToSectors(Number(n[5]), Number(n[6]), Number(n[7])),
        file: n[8] ?? '',
      });
      continue;
    }
    const leadout = /^Leadout\s+\S+\s+\d+\s+\d+:\d+:\d+\(\s*(\d+)\)/.exec(piece);
    if (leadout?.[1] !== undefined) {
      leadoutSector = Number(leadout[1]);
      continue;
    }
    if (/^Reading of toc(?: and track)? data finished successfully/.test(piece)) {
      finishedSuccessfully = true;
      continue;
    }
    if (/^ERROR:/.test(piece)) {
      const line = piece.trim();
      if (HARMLESS_CDRDAO_ERRORS.some((p) => p.test(line))) harmlessErrors.push(line);
      else errors.push(line);
    }
  }
  return {
    tracks,
    ...(leadoutSector === undefined ? {} : { leadoutSector }),
    positionSectors,
    finishedSuccessfully,
    errors,
    harmlessErrors,
    readError: errors.some((e) => /Read error while copying/.test(e)),
    unitNotReady: errors.some((e) => /Unit not ready/.test(e)),
  };
}

/** `cdrdao read-test` progress `Read N of M MB.`; null otherwise. */
export function parseCdrdaoReadTestProgress(piece: string): { readonly readMB: number; readonly totalMB: number } | null {
  const m = /^\s*Read (\d+) of (\d+) MB\./.exec(piece);
  if (m?.[1] === undefined || m[2] === undefined) return null;
  return { readMB: Number(m[1]), totalMB: Number(m[2]) };
}

/** Summary of `cdrdao read-test`. */
export interface CdrdaoReadTestSummary {
  /** Last `Read N of M MB.` seen. */
  readonly readMB: number;
  readonly totalMB: number;
  /** `Read N blocks.` at the end, when the test finished. */
  readonly blocks?: number;
  /** Tracks announced by `Writing track NN (mode …)...`. */
  readonly tracks: readonly number[];
  readonly errors: readonly string[];
}

/** Summarise a complete `cdrdao read-test` stderr. */
export function parseCdrdaoReadTestOutput(text: string): CdrdaoReadTestSummary {
  let readMB = 0;
  let totalMB = 0;
  let blocks: number | undefined;
  const tracks: number[] = [];
  const errors: string[] = [];
  for (const piece of allPieces(text)) {
    const progress = parseCdrdaoReadTestProgress(piece);
    if (progress) {
      readMB = progress.readMB;
      totalMB = progress.totalMB;
      continue;
    }
    const done = /^\s*Read (\d+) blocks\./.exec(piece);
    if (done?.[1] !== undefined) {
      blocks = Number(done[1]);
      continue;
    }
    const track = /^Writing track (\d+) \(mode/.exec(piece);
    if (track?.[1] !== undefined) {
      tracks.push(Number(track[1]));
      continue;
    }
    if (/^ERROR:/.test(piece)) errors.push(piece.trim());
  }
  return { readMB, totalMB, ...(blocks === undefined ? {} : { blocks }), tracks, errors };
}
