/**
 * Reading a simulated disc back: a Readable of exactly the requested bytes,
 * taken from the recorded image file in bounded chunks (zeros past the
 * recorded data, garbage in damaged areas, a flipped sector for the
 * verify-mismatch fault), paced by the CAV read speed model.
 *
 * A disc holding a CUE image reads as a CD would (cue-disc-reader.ts).
 *
 * Images small enough for the process-wide image cache are read from memory:
 * a chunk that is image bytes only is a view of the cached file (no copy);
 * read-back chunks must not be written to.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ReadError } from '../errors.js';
import { SECTOR_BYTES } from '../media.js';
import { abortReason } from './scaled-clock.js';
import { cueDataChunks } from './cue-disc-reader.js';
import { simImageCache } from './image-cache.js';
import { overlayDiscBytes } from './sim-disc.js';
import type { SimDisc } from './sim-disc.js';
import type { DiscReadRequest } from './disc-read-request.js';
import { readDurationMs, SPEED_PROFILES } from './speed-model.js';

/** Bytes per chunk: bounded memory per reading drive. */
const CHUNK_BYTES = 256 * 1024;
/** Sleep only when this far ahead of the model, so a fast read does not wake for every chunk. */
const MIN_SLEEP_WALL_MS = 10;

export type { DiscReadRequest } from './disc-read-request.js';

/** A stream of `length` disc bytes from `offset`; fails with ReadError past the end of the disc. */
export function createDiscReadStream(req: DiscReadRequest): Readable {
  const chunks = req.disc.content?.format === 'cue' && req.disc.content.path != null ? cueDataChunks(req) : readChunks(req);
  const stream = Readable.from(chunks, { objectMode: false, highWaterMark: CHUNK_BYTES });
  const onAbort = (): void => {
    stream.destroy(abortReason(req.signal));
  };
  req.signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => req.signal.removeEventListener('abort', onAbort));
  return stream;
}

/** True when the disc's bytes in [pos, pos + size) differ from the image's: past the used area, damaged, or a flipped sector. */
function overlaysDisc(disc: SimDisc, pos: number, size: number): boolean {
  const content = disc.content;
  const end = pos + size;
  if (end > disc.usedSectors * SECTOR_BYTES) return true;
  if (content === null) return true;
  if (content.damagedFromByte !== undefined && content.damagedFromByte < end) return true;
  const flipped = content.flippedSector;
  return flipped !== undefined && flipped * SECTOR_BYTES < end && (flipped + 1) * SECTOR_BYTES > pos;
}

/** Why `read(length, { offset })` is out of range (a RangeError), or null. */
export function readRangeError(length: number, offset: number): RangeError | null {
  if (!(Number.isSafeInteger(length) && length >= 0)) return new RangeError(`bad read length ${length}`);
  if (!(Number.isSafeInteger(offset) && offset >= 0 && offset % SECTOR_BYTES === 0)) {
    return new RangeError(`read offset must be a non-negative multiple of ${SECTOR_BYTES}, got ${offset}`);
  }
  return null;
}

/** A stream that fails with `error` as soon as it is read or listened to. */
export function failedStream(error: Error): Readable {
  const stream = new Readable({ read() {} });
  process.nextTick(() => stream.destroy(error));
  return stream;
}

async function* readChunks(req: DiscReadRequest): AsyncGenerator<Buffer> {
  const { disc, clock, signal } = req;
  const discBytes = disc.capacitySectors * SECTOR_BYTES;
  const content = disc.content;
  if (disc.status === 'blank') {
    throw new ReadError('blank disc: nothing to read', Math.floor(req.offset / SECTOR_BYTES), { device: req.device });
  }
  const startByte = (content?.startSector ?? 0) * SECTOR_BYTES;
  const imageEnd = content?.path == null ? startByte : startByte + content.recordedBytes;
  const wallStart = clock.now();
  const spinUp = SPEED_PROFILES[req.mediaClass].readSpinUpMs;
  let file: FileHandle | null = null;
  let cached: Buffer | null = null;
  try {
    if (content?.path != null && req.offset + req.length > startByte && req.offset < imageEnd) {
      cached = await simImageCache.get(content.path);
      // A file shorter than what was recorded is read as before (and fails as before).
      if (cached !== null && cached.length < imageEnd - startByte) cached = null;
    }
    if (cached === null && content?.path != null && req.offset + req.length > startByte && req.offset < imageEnd) {
      try {
        file = await open(content.path, 'r');
      } catch (err) {
        throw new ReadError(`recorded data unavailable: ${(err as Error).message}`, Math.floor(startByte / SECTOR_BYTES), {
          device: req.device,
          cause: err,
        });
      }
    }
    let pos = req.offset;
    const end = req.offset + req.length;
    while (pos < end) {
      if (pos >= discBytes) {
        throw new ReadError(`read beyond the end of the disc`, Math.floor(pos / SECTOR_BYTES), { device: req.device });
      }
      const size = Math.min(CHUNK_BYTES, end - pos, discBytes - pos);
      let buf: Buffer;
      if (cached !== null && pos >= startByte && pos + size <= imageEnd && !overlaysDisc(disc, pos, size)) {
        buf = cached.subarray(pos - startByte, pos - startByte + size);
      } else {
        buf = Buffer.allocUnsafe(size);
        let filled = 0;
        if (pos < imageEnd && pos + size > startByte && (cached !== null || file !== null)) {
          // Bytes before the recorded session (an earlier one) read as zeros.
          const lead = Math.max(0, startByte - pos);
          buf.fill(0, 0, lead);
          const want = Math.min(size, imageEnd - pos) - lead;
          if (cached !== null) {
            filled = lead + cached.copy(buf, lead, pos + lead - startByte, pos + lead - startByte + want);
          } else if (file !== null) {
            const { bytesRead } = await file.read(buf, lead, want, pos + lead - startByte);
            filled = lead + bytesRead;
          }
        }
        overlayDiscBytes(disc, buf, pos, filled);
      }
      pos += size;
      const aheadWall = clock.wallMs(spinUp + readDurationMs(req.mediaClass, req.offset, pos, disc.capacitySectors)) -
        (clock.now() - wallStart);
      if (aheadWall >= MIN_SLEEP_WALL_MS) await clock.sleepWall(aheadWall, signal);
      if (signal.aborted) throw abortReason(signal);
      yield buf;
    }
  } finally {
    await file?.close();
  }
}
