/**
 * Reading back a simulated disc that holds a burned CUE image, as a real CD
 * returns it (cue-disc-image.ts): data reads give the 2048 user bytes of
 * data sectors and fail on audio and Mode 2 Form 2 sectors (ILLEGAL MODE FOR
 * THIS TRACK); audio reads give 2352-byte frames shifted by the drive's read
 * offset. The verify-mismatch fault flips the bytes of its sector. Paced by
 * the CAV read speed model, like ISO reads.
 */
import { Readable } from 'node:stream';
import { AUDIO_FRAME_BYTES, USER_DATA_BYTES } from '../cue-readback.js';
import { CueDiscImage, UnreadableSector } from '../cue-disc-image.js';
import { ReadError } from '../errors.js';
import { readImage } from '../image/image-reader.js';
import type { MediaClass } from '../media.js';
import type { DiscReadRequest } from './disc-read-request.js';
import type { ScaledClock } from './scaled-clock.js';
import { abortReason } from './scaled-clock.js';
import type { SimDisc } from './sim-disc.js';
import { readDurationMs, SPEED_PROFILES } from './speed-model.js';

/** Sectors (or frames) per chunk. */
const CHUNK_FRAMES = 128;

/** An audio read of a simulated CUE disc. */
export interface AudioReadRequest {
  readonly device: string;
  readonly disc: SimDisc;
  readonly mediaClass: MediaClass;
  readonly startFrame: number;
  readonly frames: number;
  /** The drive's read offset, samples: read-back sample i is disc sample i + offset. */
  readonly readOffsetSamples: number;
  readonly clock: ScaledClock;
  readonly signal: AbortSignal;
}

async function openImage(disc: SimDisc, device: string, sector: number): Promise<CueDiscImage> {
  const path = disc.content?.path;
  if (disc.status === 'blank' || path == null) throw new ReadError('blank disc: nothing to read', sector, { device });
  try {
    const info = await readImage(path, { expectFormat: 'cue' });
    if (info.format !== 'cue') throw new Error(`${path} is not a CUE sheet`);
    return new CueDiscImage(info);
  } catch (err) {
    throw new ReadError(`recorded data unavailable: ${(err as Error).message}`, sector, { device, cause: err });
  }
}

/** Sleep until the read speed model has read to `toSector`. */
async function pace(clock: ScaledClock, wallStart: number, mediaClass: MediaClass, disc: SimDisc, fromSector: number, toSector: number, signal: AbortSignal): Promise<void> {
  const model = SPEED_PROFILES[mediaClass].readSpinUpMs + readDurationMs(mediaClass, fromSector * USER_DATA_BYTES, toSector * USER_DATA_BYTES, disc.capacitySectors);
  const ahead = clock.wallMs(model) - (clock.now() - wallStart);
  if (ahead >= 10) await clock.sleepWall(ahead, signal);
  if (signal.aborted) throw abortReason(signal);
}

/** XOR the bytes of the flipped sector that fall in `buf` (disc bytes from `pos`, `frameBytes` per sector). */
function flip(disc: SimDisc, buf: Buffer, pos: number, frameBytes: number): void {
  const f = disc.content?.flippedSector;
  if (f === undefined) return;
  const from = Math.max(f * frameBytes, pos);
  const to = Math.min((f + 1) * frameBytes, pos + buf.length);
  for (let b = from; b < to; b++) buf[b - pos] = (buf[b - pos] ?? 0) ^ 0xff;
}

/** The data read (`DiscReadRequest`, 2048-byte sectors) of a CUE disc. */
export async function* cueDataChunks(req: DiscReadRequest): AsyncGenerator<Buffer> {
  const first = Math.floor(req.offset / USER_DATA_BYTES);
  const image = await openImage(req.disc, req.device, first);
  const wallStart = req.clock.now();
  try {
    let pos = req.offset;
    const end = req.offset + req.length;
    while (pos < end) {
      const sector = Math.floor(pos / USER_DATA_BYTES);
      if (sector >= req.disc.capacitySectors) throw new ReadError('read beyond the end of the disc', sector, { device: req.device });
      const count = Math.min(CHUNK_FRAMES, Math.ceil(end / USER_DATA_BYTES) - sector, req.disc.capacitySectors - sector);
      let data: Buffer;
      try {
        data = sector < image.frames ? await image.dataAt(sector, count) : Buffer.alloc(count * USER_DATA_BYTES);
      } catch (err) {
        if (err instanceof UnreadableSector) throw new ReadError(`read error: ${err.message}`, err.sector, { device: req.device, cause: err });
        throw err;
      }
      flip(req.disc, data, sector * USER_DATA_BYTES, USER_DATA_BYTES);
      const chunk = data.subarray(pos - sector * USER_DATA_BYTES, Math.min(data.length, end - sector * USER_DATA_BYTES));
      pos += chunk.length;
      await pace(req.clock, wallStart, req.mediaClass, req.disc, first, Math.ceil(pos / USER_DATA_BYTES), req.signal);
      yield chunk;
    }
  } finally {
    await image.close();
  }
}

/** An audio read of a CUE disc: `frames` frames of 2352 bytes from `startFrame`, shifted by the read offset. */
export function createAudioReadStream(req: AudioReadRequest): Readable {
  const stream = Readable.from(audioChunks(req), { objectMode: false, highWaterMark: CHUNK_FRAMES * AUDIO_FRAME_BYTES });
  const onAbort = (): void => {
    stream.destroy(abortReason(req.signal));
  };
  req.signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => req.signal.removeEventListener('abort', onAbort));
  return stream;
}

async function* audioChunks(req: AudioReadRequest): AsyncGenerator<Buffer> {
  const image = await openImage(req.disc, req.device, req.startFrame);
  const wallStart = req.clock.now();
  const shift = req.readOffsetSamples * 4;
  try {
    if (!(Number.isSafeInteger(req.startFrame) && Number.isSafeInteger(req.frames) && req.frames >= 0)) throw new RangeError(`bad audio read ${req.startFrame}+${req.frames}`);
    if (req.startFrame < 0 || req.startFrame + req.frames > req.disc.usedSectors) {
      throw new ReadError('audio read outside the recorded area', Math.max(0, req.startFrame), { device: req.device });
    }
    for (let f = req.startFrame; f < req.startFrame + req.frames; f += CHUNK_FRAMES) {
      const count = Math.min(CHUNK_FRAMES, req.startFrame + req.frames - f);
      const discPos = f * AUDIO_FRAME_BYTES + shift;
      const { bytes } = await image.audioAt(discPos, count * AUDIO_FRAME_BYTES);
      const out = Buffer.from(bytes);
      flip(req.disc, out, discPos, AUDIO_FRAME_BYTES);
      await pace(req.clock, wallStart, req.mediaClass, req.disc, req.startFrame, f + count, req.signal);
      yield out;
    }
  } finally {
    await image.close();
  }
}
