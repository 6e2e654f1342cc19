/**
 * Alcohol 120% tracks read with their subchannel: an MDS track block of
 * subchannel type 0x08 and sector size 2448 stores each sector as 2352
 * bytes of main channel followed by 96 bytes of P-W subchannel interleaved
 * as a drive returns it (byte i carries bit i of channels P to W in its
 * bits 7 to 0; libmirage's MDS parser declares this type as PW96
 * interleaved and takes the 96 bytes off the sector size). No other type
 * is documented, so no other is read.
 *
 * `splitInterleaved` writes the main channel as a plain 2352-byte image and
 * the subchannel in CloneCD's `.sub` layout (channels one after another, 12
 * bytes each), so the CloneCD path's RW_RAW writer applies to it;
 * `checkInterleavedRw` then reads an RW_RAW file back against the
 * interleaved frames themselves.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { imageProblem } from './image-read-error.js';

/** The MDS subchannel type of 96 bytes of P-W, interleaved, after each sector. */
export const MDS_PW_INTERLEAVED = 0x08;
/** Bytes of a sector with its interleaved subchannel, of its main channel, of its subchannel. */
export const MDS_SUB_FRAME = 2448;
const MAIN = 2352;
const SUB = 96;
const BATCH = 256;

/** Sectors `[0, sectors)` of 2448-byte frames from byte `start` of `file`. */
export interface InterleavedRange {
  readonly file: string;
  readonly start: number;
  readonly sectors: number;
}

/** Channels P to W of a 96-byte interleaved record, as CloneCD stores them (`out`, 96 bytes at `at`, 12 per channel). */
export function deinterleavePw(record: Uint8Array, out: Uint8Array, at = 0): void {
  out.fill(0, at, at + SUB);
  for (let i = 0; i < SUB; i++) {
    const byte = record[i] ?? 0;
    for (let c = 0; c < 8; c++) if ((byte >> (7 - c)) & 1) out[at + c * 12 + (i >> 3)] = (out[at + c * 12 + (i >> 3)] ?? 0) | (0x80 >> (i & 7));
  }
}

async function readFrames(handle: FileHandle, range: InterleavedRange, done: number, count: number): Promise<Buffer> {
  const bytes = count * MDS_SUB_FRAME;
  const position = range.start + done * MDS_SUB_FRAME;
  const buffer = Buffer.alloc(bytes);
  const { bytesRead } = await handle.read(buffer, 0, bytes, position);
  if (bytesRead !== bytes) throw imageProblem('conversion-failed', `MDS data file ends ${bytes - bytesRead} bytes early at byte ${position} (2448-byte sectors with subchannel)`);
  return buffer;
}

/** Each batch of a range's frames, in order. */
async function eachBatch(range: InterleavedRange, visit: (frames: Buffer, count: number, done: number) => Promise<void>): Promise<void> {
  const handle = await open(range.file, 'r');
  try {
    for (let done = 0; done < range.sectors; done += BATCH) {
      const count = Math.min(BATCH, range.sectors - done);
      await visit(await readFrames(handle, range, done, count), count, done);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Write the main channel of `ranges` (in order) to the new file `imgDest`
 * and their subchannel, deinterleaved into CloneCD's layout, to the new
 * file `subDest`. Returns the SHA-256 of each range's main channel as read
 * from its data file. Throws `ImageReadError` (`conversion-failed`) when a
 * data file ends before its range does.
 */
export async function splitInterleaved(ranges: readonly InterleavedRange[], imgDest: string, subDest: string): Promise<{ sectors: number; mainSha256: string[] }> {
  const img = await open(imgDest, 'wx');
  const sub = await open(subDest, 'wx');
  const mainSha256: string[] = [];
  let sectors = 0;
  try {
    for (const range of ranges) {
      const hash = createHash('sha256');
      await eachBatch(range, async (frames, count) => {
        const main = Buffer.alloc(count * MAIN);
        const linear = Buffer.alloc(count * SUB);
        for (let k = 0; k < count; k++) {
          frames.copy(main, k * MAIN, k * MDS_SUB_FRAME, k * MDS_SUB_FRAME + MAIN);
          deinterleavePw(frames.subarray(k * MDS_SUB_FRAME + MAIN, (k + 1) * MDS_SUB_FRAME), linear, k * SUB);
        }
        hash.update(main);
        await img.write(main);
        await sub.write(linear);
      });
      mainSha256.push(hash.digest('hex'));
      sectors += range.sectors;
    }
  } finally {
    await img.close();
    await sub.close();
  }
  return { sectors, mainSha256 };
}

/**
 * Read the RW_RAW file `rw` back against the interleaved frames of `range`:
 * each frame's sector (swapped back for `audio`) is the data file's main
 * channel, and its 96 symbols are the data file's subchannel bytes with P
 * and Q (bits 7 and 6) cleared. Throws `ImageReadError`
 * (`conversion-failed`) at the first frame that is not.
 */
export async function checkInterleavedRw(rw: string, range: InterleavedRange, audio: boolean): Promise<void> {
  const file = await open(rw, 'r');
  try {
    const { size } = await file.stat();
    if (size !== range.sectors * MDS_SUB_FRAME) throw imageProblem('conversion-failed', `${rw}: ${size} bytes, not ${range.sectors} frames of ${MDS_SUB_FRAME}`);
    await eachBatch(range, async (frames, count, done) => {
      const written = Buffer.alloc(count * MDS_SUB_FRAME);
      await file.read(written, 0, written.length, done * MDS_SUB_FRAME);
      for (let k = 0; k < count; k++) {
        const main = Buffer.from(written.subarray(k * MDS_SUB_FRAME, k * MDS_SUB_FRAME + MAIN));
        if (audio) main.swap16();
        if (!main.equals(frames.subarray(k * MDS_SUB_FRAME, k * MDS_SUB_FRAME + MAIN))) throw imageProblem('conversion-failed', `RW_RAW frame ${done + k}: its sector is not the MDS data file's`);
        for (let i = 0; i < SUB; i++) {
          if (written[k * MDS_SUB_FRAME + MAIN + i] !== ((frames[k * MDS_SUB_FRAME + MAIN + i] ?? 0) & 0x3f)) {
            throw imageProblem('conversion-failed', `RW_RAW frame ${done + k}: its R-W symbol ${i} is not the MDS data file's subchannel byte without P and Q`);
          }
        }
      }
    });
  } finally {
    await file.close();
  }
}
