/**
 * Tracks with their R-W subchannel for cdrdao (`TRACK … RW_RAW`): frames of
 * 2448 bytes, the 2352-byte sector (audio samples big-endian, as cdrdao
 * reads a DATAFILE) followed by 96 raw subchannel symbols, whose six low
 * bits are channels R to W (P and Q, bits 7 and 6, left zero: cdrdao writes
 * them from the TOC). Made from a CloneCD `.img` and its `.sub` (channels
 * stored one after another, 12 bytes each: P, Q, R ... W), and checked by
 * reading the written file back against both.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { imageProblem } from './image-read-error.js';

/** Bytes of a sector, of its subchannel, and of the two in an RW_RAW file. */
const SECTOR = 2352;
const SUB = 96;
export const RW_RAW_FRAME = SECTOR + SUB;
const BATCH = 256;

/** The raw R-W symbols (bits 5..0) of a CloneCD record's channels R to W (`linear`, 96 bytes, P and Q first). */
export function interleaveRw(linear: Uint8Array, out: Uint8Array, at = 0): void {
  for (let i = 0; i < SUB; i++) {
    let symbol = 0;
    for (let c = 2; c < 8; c++) symbol |= (((linear[c * 12 + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1) << (7 - c);
    out[at + i] = symbol;
  }
}

/** What a track to write reads: its sectors `[firstSector, firstSector + sectors)` of `img` and `sub`. */
export interface RwTrackSource {
  readonly img: string;
  readonly sub: string;
  readonly firstSector: number;
  readonly sectors: number;
  /** Audio: samples swapped to big-endian. */
  readonly audio: boolean;
}

async function readExactly(handle: FileHandle, bytes: number, position: number, what: string): Promise<Buffer> {
  const buffer = Buffer.alloc(bytes);
  const { bytesRead } = await handle.read(buffer, 0, bytes, position);
  if (bytesRead !== bytes) throw imageProblem('conversion-failed', `${what} ends ${bytes - bytesRead} bytes early at byte ${position}`);
  return buffer;
}

/** Each batch of the track's sectors and subchannel records, in order. */
async function eachBatch(source: RwTrackSource, visit: (sectors: Buffer, subs: Buffer, count: number) => Promise<void>): Promise<void> {
  const img = await open(source.img, 'r');
  const sub = await open(source.sub, 'r');
  try {
    for (let done = 0; done < source.sectors; done += BATCH) {
      const count = Math.min(BATCH, source.sectors - done);
      const at = source.firstSector + done;
      await visit(await readExactly(img, count * SECTOR, at * SECTOR, 'the image'), await readExactly(sub, count * SUB, at * SUB, 'the subchannel'), count);
    }
  } finally {
    await img.close();
    await sub.close();
  }
}

/** Write the RW_RAW file `dest` (new) of `source`; its bytes and SHA-256. */
export async function writeRwTrack(source: RwTrackSource, dest: string): Promise<{ bytes: number; sha256: string }> {
  const out = await open(dest, 'wx');
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await eachBatch(source, async (sectors, subs, count) => {
      const frames = Buffer.alloc(count * RW_RAW_FRAME);
      for (let k = 0; k < count; k++) {
        const main = frames.subarray(k * RW_RAW_FRAME, k * RW_RAW_FRAME + SECTOR);
        sectors.copy(main, 0, k * SECTOR, (k + 1) * SECTOR);
        if (source.audio) main.swap16();
        interleaveRw(subs.subarray(k * SUB, (k + 1) * SUB), frames, k * RW_RAW_FRAME + SECTOR);
      }
      await out.write(frames);
      hash.update(frames);
      bytes += frames.length;
    });
  } finally {
    await out.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Read the RW_RAW file `rw` back against `source`: every frame's sector
 * (swapped back for audio) is the image's, and its R-W symbols, taken apart
 * bit by bit, are the `.sub` record's channels R to W. Throws
 * `ImageReadError` (`conversion-failed`) at the first frame that is not.
 */
export async function checkRwTrack(rw: string, source: RwTrackSource): Promise<void> {
  const file = await open(rw, 'r');
  try {
    const { size } = await file.stat();
    if (size !== source.sectors * RW_RAW_FRAME) throw imageProblem('conversion-failed', `${rw}: ${size} bytes, not ${source.sectors} frames of ${RW_RAW_FRAME}`);
    let done = 0;
    await eachBatch(source, async (sectors, subs, count) => {
      const frames = await readExactly(file, count * RW_RAW_FRAME, done * RW_RAW_FRAME, rw);
      for (let k = 0; k < count; k++) {
        const main = Buffer.from(frames.subarray(k * RW_RAW_FRAME, k * RW_RAW_FRAME + SECTOR));
        if (source.audio) main.swap16();
        if (!main.equals(sectors.subarray(k * SECTOR, (k + 1) * SECTOR))) throw imageProblem('conversion-failed', `RW_RAW frame ${done + k}: its sector is not the image's`);
        const symbols = frames.subarray(k * RW_RAW_FRAME + SECTOR, (k + 1) * RW_RAW_FRAME);
        const channels = Buffer.alloc(72);
        symbols.forEach((symbol, i) => {
          for (let c = 2; c < 8; c++) if ((symbol >> (7 - c)) & 1) channels[(c - 2) * 12 + (i >> 3)] = (channels[(c - 2) * 12 + (i >> 3)] ?? 0) | (0x80 >> (i & 7));
        });
        if ((symbols.some((s) => s > 0x3f)) || !channels.equals(subs.subarray(k * SUB + 24, (k + 1) * SUB))) {
          throw imageProblem('conversion-failed', `RW_RAW frame ${done + k}: its R-W symbols are not the .sub record's channels R to W`);
        }
      }
      done += count;
    });
  } finally {
    await file.close();
  }
}
