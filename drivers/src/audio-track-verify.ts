/**
 * Verifying an audio track read back with READ CD: the drive's read offset
 * shifts every sample by a constant count, so the read-back is compared with
 * the image at the shift where it matches. The shift is searched within
 * ±`AUDIO_OFFSET_SEARCH_SAMPLES` samples from the first sound the track
 * reads back (a frame that begins where a silent or constant start ends),
 * then every byte is compared at that shift. Once a disc's shift is known
 * (from an earlier track) it is used as is: one drive has one read offset.
 *
 * Read-back sample i is taken to equal image sample i + offset. Bytes whose
 * image position lies outside the disc's audio tracks (before the first
 * track, past the last, inside a data track) are not compared: at most
 * |offset| samples at such edges. A track that reads back as one constant
 * sample (digital silence) has no shift to find: it passes when the image
 * is that same sample too, edges of `AUDIO_OFFSET_SEARCH_SAMPLES` excepted.
 *
 * Memory stays flat: the read-back is compared chunk by chunk; a silent
 * start is kept as its length.
 */
import type { CueDiscImage } from './cue-disc-image.js';
import { AUDIO_FRAME_BYTES } from './cue-readback.js';

/** How far, in samples (4 bytes: 16-bit stereo), the read offset is searched either way. */
export const AUDIO_OFFSET_SEARCH_SAMPLES = 5000;
const SAMPLE = 4;
const SEARCH_BYTES = AUDIO_OFFSET_SEARCH_SAMPLES * SAMPLE;
const PROBE_BYTES = AUDIO_FRAME_BYTES;
const STEP_BYTES = 1024 * 1024;

/** How an audio track compared. */
export interface AudioTrackResult {
  /** The shift found or used, samples; null for a track of digital silence when none was known. */
  readonly offsetSamples: number | null;
  /** First differing byte from the track's start, or -1 when it matched. */
  readonly mismatchAt: number;
}

/** First byte in `[from, to)` where `a` and `b` (same positions) differ, or -1. */
function diffIn(a: Buffer, b: Buffer, from: number, to: number): number {
  if (a.compare(b, from, to, from, to) === 0) return -1;
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** First audio byte of `bytes` that is not the repeated 4-byte `sample`, or -1. */
function notConstant(bytes: Buffer, audio: readonly (readonly [number, number])[], sample: Buffer, phase: number): number {
  for (const [from, to] of audio) {
    for (let i = from; i < to; i++) if (bytes[i] !== sample[(i + phase) % SAMPLE]) return i;
  }
  return -1;
}

/**
 * Compare one audio track's read-back (`stream`, `frames` frames from disc
 * frame `discFrame`) with the image. `knownOffset`: the disc's shift from
 * an earlier track.
 */
export async function verifyAudioTrack(
  stream: AsyncIterable<Buffer>,
  image: CueDiscImage,
  span: { readonly discFrame: number; readonly frames: number },
  knownOffset: number | null,
): Promise<AudioTrackResult> {
  const start = span.discFrame * AUDIO_FRAME_BYTES;
  let offset = knownOffset;
  let pos = 0;
  let silent: Buffer | null = null;
  let pending: Buffer = Buffer.alloc(0);

  /** Compare read-back bytes at track position `at` with the image at the shift. */
  const compare = async (chunk: Buffer, at: number): Promise<number> => {
    for (let done = 0; done < chunk.length; done += STEP_BYTES) {
      const part = chunk.subarray(done, Math.min(chunk.length, done + STEP_BYTES));
      const exp = await image.audioAt(start + at + done + (offset ?? 0) * SAMPLE, part.length);
      for (const [from, to] of exp.audio) {
        const d = diffIn(part, exp.bytes, from, to);
        if (d >= 0) return at + done + d;
      }
    }
    return -1;
  };
  /** Check the silent start (`pos` bytes of `silent`) against the image at the shift. */
  const compareSilentStart = async (): Promise<number> => {
    for (let done = 0; done < pos && silent !== null; done += STEP_BYTES) {
      const n = Math.min(STEP_BYTES, pos - done);
      const exp = await image.audioAt(start + done + (offset ?? 0) * SAMPLE, n);
      const d = notConstant(exp.bytes, exp.audio, silent, 0);
      if (d >= 0) return done + d;
    }
    return -1;
  };
  /** Search the shift for the sound starting at `pos`; false when the image has it nowhere near. */
  const search = async (probe: Buffer, at: number): Promise<boolean> => {
    const region = await image.audioAt(start + at - SEARCH_BYTES, probe.length + 2 * SEARCH_BYTES);
    let best: number | null = null;
    for (let i = region.bytes.indexOf(probe); i >= 0; i = region.bytes.indexOf(probe, i + 1)) {
      if (i % SAMPLE !== 0) continue;
      const o = (i - SEARCH_BYTES) / SAMPLE;
      if (best === null || Math.abs(o) < Math.abs(best)) best = o;
    }
    offset = best;
    return best !== null;
  };

  for await (const chunk of stream) {
    if (offset !== null) {
      const d = await compare(chunk, pos);
      if (d >= 0) return { offsetSamples: offset, mismatchAt: d };
      pos += chunk.length;
      continue;
    }
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    silent ??= Buffer.from(pending.subarray(0, SAMPLE));
    let j = 0;
    while (j + SAMPLE <= pending.length && pending.compare(silent, 0, SAMPLE, j, j + SAMPLE) === 0) j += SAMPLE;
    if (j === pending.length || j + PROBE_BYTES > pending.length) {
      // Still silent, or the sound's first frame not all here yet: keep the silent part as its length.
      pos += j;
      pending = Buffer.from(pending.subarray(j));
      continue;
    }
    const found = await settle(j);
    if (found !== null) return found;
  }
  if (offset === null && pending.length > 0) {
    const found = await settle(0);
    if (found !== null) return found;
  }
  if (offset === null) {
    // Digital silence throughout: the image must be that silence too, away from the edges a shift could reach.
    const inner = span.frames * AUDIO_FRAME_BYTES - 2 * SEARCH_BYTES;
    if (silent !== null && inner > 0) {
      for (let done = 0; done < inner; done += STEP_BYTES) {
        const exp = await image.audioAt(start + SEARCH_BYTES + done, Math.min(STEP_BYTES, inner - done));
        const d = notConstant(exp.bytes, exp.audio, silent, 0);
        if (d >= 0) return { offsetSamples: null, mismatchAt: SEARCH_BYTES + done + d };
      }
    }
    return { offsetSamples: null, mismatchAt: -1 };
  }
  return { offsetSamples: offset, mismatchAt: -1 };

  /** The sound starts `j` bytes into `pending`: find the shift, check what came before, compare `pending`. */
  async function settle(j: number): Promise<AudioTrackResult | null> {
    const lead = pos + j >= SAMPLE && silent !== null ? SAMPLE : 0;
    const probeAt = pos + j - lead;
    const probe = Buffer.concat([lead > 0 && silent !== null ? silent : Buffer.alloc(0), pending.subarray(j, j + PROBE_BYTES - lead)]);
    if (!(await search(probe, probeAt))) return { offsetSamples: null, mismatchAt: probeAt };
    pos += j;
    const d = await compareSilentStart();
    if (d >= 0) return { offsetSamples: offset, mismatchAt: d };
    const rest = pending.subarray(j);
    const e = await compare(rest, pos);
    if (e >= 0) return { offsetSamples: offset, mismatchAt: e };
    pos += rest.length;
    pending = Buffer.alloc(0);
    return null;
  }
}
