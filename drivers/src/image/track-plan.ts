/**
 * A disc image's tracks as a container's descriptors give them (NRG, CDI,
 * CloneCD, MDS), turned into a CUE sheet the burners take: one BIN per track
 * (the redump layout), each holding the track's sectors as the container
 * stores them (2048-byte cooked data, 2336 or 2352 raw, audio 2352), its
 * pregap first (INDEX 00 at 00:00:00, INDEX 01 after it). Track 1's pregap
 * is the disc's lead-in pregap, which a CUE sheet never holds: the plan
 * starts track 1 at its INDEX 01. A pregap the container does not store is
 * the sheet's PREGAP (silence written by the burner).
 *
 * `checkPlanLayout` is the conversion's proof: the CUE sheet, laid out again
 * from the staged BIN files by `layoutCue`, must give every track the mode,
 * pregap and length the container's descriptors gave it.
 */
import type { CueLayout } from './cue-layout.js';
import { CUE_MODE_BYTES } from './cue-text.js';
import { imageProblem } from './image-read-error.js';

/** One track to copy out of a container: its pregap is `[pregapOffset, start)`, its data `[start, end)` of `source`. */
export interface PlannedTrack {
  readonly number: number;
  /** CUE mode (AUDIO, MODE1/2048, MODE1/2352, MODE2/2336, MODE2/2352...). */
  readonly mode: string;
  /** The file holding the track. */
  readonly source: string;
  readonly pregapOffset: number;
  readonly start: number;
  readonly end: number;
  /** Pregap frames the container does not store (silence the burner writes: the CUE sheet's PREGAP). */
  readonly silentPregapFrames?: number;
}

const MAX_TRACKS = 99;

const msf = (frames: number): string => {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(frames / 4500))}:${pad(Math.floor(frames / 75) % 60)}:${pad(frames % 75)}`;
};

/**
 * Check a plan (tracks numbered 1, 2, ... in order, known modes, whole
 * sectors, 1 to 99 tracks); throws `ImageReadError` (`conversion-failed`)
 * naming `what` and the track.
 */
export function checkPlan(what: string, tracks: readonly PlannedTrack[]): void {
  if (tracks.length < 1 || tracks.length > MAX_TRACKS) throw imageProblem('conversion-failed', `${what}: ${tracks.length} tracks, not 1 to ${MAX_TRACKS}`);
  for (const [i, t] of tracks.entries()) {
    const bytes = CUE_MODE_BYTES[t.mode];
    const fail = (why: string): never => {
      throw imageProblem('conversion-failed', `${what}: track ${t.number} (${t.mode}) ${why}`);
    };
    if (t.number !== i + 1) fail(`is numbered out of order (expected ${i + 1})`);
    if (bytes === undefined) fail('has a mode a CUE sheet cannot name');
    const size = bytes ?? 1;
    if (!(t.pregapOffset >= 0 && t.pregapOffset <= t.start && t.start < t.end)) fail(`lies at bytes ${t.pregapOffset}/${t.start} to ${t.end}, which is empty or out of order`);
    if (!Number.isSafeInteger(t.silentPregapFrames ?? 0) || (t.silentPregapFrames ?? 0) < 0 || (t.silentPregapFrames ?? 0) > 75 * 60) fail(`has a pregap of ${t.silentPregapFrames} frames`);
    if ((t.start - t.pregapOffset) % size !== 0 || (t.end - t.start) % size !== 0) fail(`is not a whole number of ${size}-byte sectors`);
  }
}

/** The CUE sheet of a plan, naming each track's BIN by `binName(index)`. */
export function planCueText(tracks: readonly PlannedTrack[], binName: (index: number) => string): string {
  const lines: string[] = [];
  for (const [i, t] of tracks.entries()) {
    const pregap = (t.start - t.pregapOffset) / (CUE_MODE_BYTES[t.mode] ?? 1);
    lines.push(`FILE "${binName(i)}" BINARY`, `  TRACK ${String(t.number).padStart(2, '0')} ${t.mode}`);
    if ((t.silentPregapFrames ?? 0) > 0) lines.push(`    PREGAP ${msf(t.silentPregapFrames ?? 0)}`);
    if (pregap > 0) lines.push('    INDEX 00 00:00:00');
    lines.push(`    INDEX 01 ${msf(pregap)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Hold a CUE image's layout (laid out from the staged files) against the
 * plan it was written from: the same number of tracks, and each with the
 * mode, pregap frames and data frames the plan gives. Returns the first
 * disagreement in words, or null.
 */
export function checkPlanLayout(tracks: readonly PlannedTrack[], layout: CueLayout): string | null {
  if (layout.tracks.length !== tracks.length) return `the CUE image has ${layout.tracks.length} track(s), the source ${tracks.length}`;
  for (const [i, t] of tracks.entries()) {
    const got = layout.tracks[i];
    const size = CUE_MODE_BYTES[t.mode] ?? 1;
    const pregap = (t.start - t.pregapOffset) / size + (t.silentPregapFrames ?? 0);
    const data = (t.end - t.pregapOffset) / size;
    if (!got || got.mode !== t.mode || got.pregapFrames !== pregap || got.dataFrames !== data) {
      return `track ${t.number}: the CUE image has ${got ? `${got.mode}, ${got.pregapFrames} pregap and ${got.dataFrames} frames` : 'nothing'}, the source ${t.mode}, ${pregap} pregap and ${data} frames`;
    }
  }
  return null;
}
