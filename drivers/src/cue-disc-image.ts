/**
 * A burned CUE image as an optical (or simulated) drive holds it, in disc
 * coordinates: its audio as a run of 2352-byte frames (what READ CD returns
 * before the drive's read offset shifts it), and its data sectors as the
 * 2048 user bytes a data read returns. Reads the BIN files on demand.
 */
import type { DiscRun } from './cue-readback.js';
import { AUDIO_FRAME_BYTES, discRuns, isForm2, trackReadBack, USER_DATA_BYTES } from './cue-readback.js';
import { BinFrames } from './cue-bin-frames.js';
import type { CueImageInfo } from './image/image-reader.js';

/** Audio bytes of the disc and which of them are audio (the rest is no audio to compare: data tracks, outside the disc). */
export interface AudioBytes {
  readonly bytes: Buffer;
  /** `[from, to)` byte ranges of `bytes` that lie in audio tracks. */
  readonly audio: readonly (readonly [number, number])[];
}

/** A sector a data read cannot return: an audio or Form 2 sector. */
export class UnreadableSector extends Error {
  constructor(readonly sector: number, readonly why: string) {
    super(`sector ${sector}: ${why}`);
    this.name = 'UnreadableSector';
  }
}

/** One burned CUE image in disc coordinates. */
export class CueDiscImage {
  readonly runs: readonly DiscRun[];
  /** Frames from LBA 0 to the end of the last track. */
  readonly frames: number;
  readonly #bins: BinFrames;

  constructor(info: CueImageInfo) {
    this.#bins = new BinFrames(info);
    this.runs = discRuns(info, this.#bins.map);
    const last = this.runs[this.runs.length - 1];
    this.frames = last === undefined ? 0 : last.discFrame + last.frames;
  }

  /**
   * The disc's audio at byte positions `[pos, pos + length)` of the frame
   * run (frame f at f × 2352; `pos` may be negative). Bytes outside audio
   * tracks read as zeros and are not in `audio`.
   */
  async audioAt(pos: number, length: number): Promise<AudioBytes> {
    const first = Math.floor(pos / AUDIO_FRAME_BYTES);
    const end = Math.ceil((pos + length) / AUDIO_FRAME_BYTES);
    const whole = Buffer.alloc((end - first) * AUDIO_FRAME_BYTES);
    const audio: [number, number][] = [];
    const cut = pos - first * AUDIO_FRAME_BYTES;
    for (const run of this.runs) {
      const from = Math.max(first, run.discFrame);
      const to = Math.min(end, run.discFrame + run.frames);
      if (from >= to || trackReadBack(run.track.mode).kind !== 'audio') continue;
      if (run.binFrame !== null) {
        const raw = await this.#bins.read(run.binFrame + from - run.discFrame, to - from);
        const size = raw.length / (to - from);
        for (let k = 0; k < to - from; k++) raw.copy(whole, (from - first + k) * AUDIO_FRAME_BYTES, k * size, k * size + AUDIO_FRAME_BYTES);
      }
      const a = Math.max(0, (from - first) * AUDIO_FRAME_BYTES - cut);
      const b = Math.min(length, (to - first) * AUDIO_FRAME_BYTES - cut);
      const prev = audio[audio.length - 1];
      if (prev !== undefined && prev[1] === a) prev[1] = b;
      else if (b > a) audio.push([a, b]);
    }
    return { bytes: whole.subarray(cut, cut + length), audio };
  }

  /**
   * The user data of `count` sectors from `sector`, as a data read returns
   * it: generated gaps of data tracks and sectors past the last track read
   * as zeros. Throws `UnreadableSector` for an audio or Form 2 sector.
   */
  async dataAt(sector: number, count: number): Promise<Buffer> {
    const out = Buffer.alloc(count * USER_DATA_BYTES);
    const end = sector + count;
    for (const run of this.runs) {
      const from = Math.max(sector, run.discFrame);
      const to = Math.min(end, run.discFrame + run.frames);
      if (from >= to) continue;
      const rb = trackReadBack(run.track.mode);
      if (rb.kind !== 'data') throw new UnreadableSector(from, `${run.track.mode} sector of track ${run.track.number}: ILLEGAL MODE FOR THIS TRACK`);
      if (run.binFrame === null) continue;
      const raw = await this.#bins.read(run.binFrame + from - run.discFrame, to - from);
      const size = raw.length / (to - from);
      for (let k = 0; k < to - from; k++) {
        const frame = raw.subarray(k * size, (k + 1) * size);
        if (rb.subheaderAt !== undefined && isForm2(frame, rb.subheaderAt)) {
          throw new UnreadableSector(from + k, `Mode 2 Form 2 sector of track ${run.track.number}: ILLEGAL MODE FOR THIS TRACK`);
        }
        frame.copy(out, (from - sector + k) * USER_DATA_BYTES, rb.userOffset, rb.userOffset + USER_DATA_BYTES);
      }
    }
    return out;
  }

  /** Close the BIN files. */
  close(): Promise<void> {
    return this.#bins.close();
  }
}
