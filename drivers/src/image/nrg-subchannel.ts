/**
 * NRG tracks of 2448-byte sectors (mode codes 0x0F Mode 1, 0x10 audio, 0x11
 * Mode 2, each "full sector with subchannel"): every sector is the 2352-byte
 * main channel followed by 96 bytes of P-W subchannel, interleaved (one raw
 * symbol per byte, P in bit 7, Q in bit 6, R to W in bits 5 to 0), the
 * layout libmirage's NRG parser (cdemu, `images/image-nrg/parser.c`) gives
 * those codes. Other mode codes with 2448-byte sectors have no documented
 * layout and are refused by the library rather than guessed.
 *
 * Here: the main channel copied out (the BIN), the R-W symbols written as
 * cdrdao RW_RAW frames (the sector, audio big-endian, then the 96 symbols
 * with P and Q cleared), and both read back against the NRG.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { imageProblem } from './image-read-error.js';

/** Bytes of an NRG sector with subchannel; of its main channel. */
export const NRG_SUB_SECTOR = 2448;
const MAIN = 2352;
const BATCH = 256;
/** R-W bits of a raw interleaved subchannel symbol. */
const RW_BITS = 0x3f;

/** The NRG mode codes whose 2448-byte sectors libmirage reads as main channel + interleaved P-W, and their CUE modes. */
export const NRG_SUBCHANNEL_MODES: Readonly<Record<number, string>> = { 0x0f: 'MODE1/2352', 0x10: 'AUDIO', 0x11: 'MODE2/2352' };

/** Sectors `[start, start + sectors * 2448)` of an NRG file. */
export interface NrgSubRange {
  readonly file: string;
  readonly start: number;
  readonly sectors: number;
  /** Audio: samples swapped to big-endian in an RW_RAW file. */
  readonly audio?: boolean;
}

async function eachBatch(handle: FileHandle, range: NrgSubRange, visit: (raw: Buffer, count: number, done: number) => Promise<void> | void): Promise<void> {
  for (let done = 0; done < range.sectors; done += BATCH) {
    const count = Math.min(BATCH, range.sectors - done);
    const raw = Buffer.alloc(count * NRG_SUB_SECTOR);
    const position = range.start + done * NRG_SUB_SECTOR;
    const { bytesRead } = await handle.read(raw, 0, raw.length, position);
    if (bytesRead !== raw.length) throw imageProblem('conversion-failed', `NRG image: its sectors with subchannel end ${raw.length - bytesRead} bytes early at byte ${position}`);
    await visit(raw, count, done);
  }
}

async function withFile<T>(file: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(file, 'r');
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** What `writeNrgMainChannel` wrote and saw. */
export interface NrgMainChannel {
  readonly bytes: number;
  readonly sha256: string;
  readonly sectors: number;
  /** Sectors whose subchannel has any R-W bit set (CD+G, CD-TEXT in the program area...). */
  readonly rwSectors: number;
  readonly firstRwSector?: number;
}

/** Write the main channels of `ranges`, one after another, into `dest` (new); count the sectors carrying R-W data. */
export async function writeNrgMainChannel(ranges: readonly NrgSubRange[], dest: string): Promise<NrgMainChannel> {
  const out = await open(dest, 'wx');
  const hash = createHash('sha256');
  let sectors = 0;
  let rwSectors = 0;
  let firstRwSector: number | undefined;
  try {
    for (const range of ranges) {
      await withFile(range.file, (handle) => eachBatch(handle, range, async (raw, count) => {
        const main = Buffer.alloc(count * MAIN);
        for (let k = 0; k < count; k++) {
          raw.copy(main, k * MAIN, k * NRG_SUB_SECTOR, k * NRG_SUB_SECTOR + MAIN);
          if (raw.subarray(k * NRG_SUB_SECTOR + MAIN, (k + 1) * NRG_SUB_SECTOR).some((b) => (b & RW_BITS) !== 0)) {
            rwSectors++;
            firstRwSector ??= sectors + k;
          }
        }
        sectors += count;
        hash.update(main);
        await out.write(main);
      }));
    }
  } finally {
    await out.close();
  }
  return { bytes: sectors * MAIN, sha256: hash.digest('hex'), sectors, rwSectors, ...(firstRwSector === undefined ? {} : { firstRwSector }) };
}

/** SHA-256 of the main channels of `range`, read again from the NRG (the BIN's proof). */
export async function nrgMainChannelSha256(range: NrgSubRange): Promise<string> {
  const hash = createHash('sha256');
  await withFile(range.file, (handle) => eachBatch(handle, range, (raw, count) => {
    for (let k = 0; k < count; k++) hash.update(raw.subarray(k * NRG_SUB_SECTOR, k * NRG_SUB_SECTOR + MAIN));
  }));
  return hash.digest('hex');
}

/** Write the RW_RAW file `dest` (new) of `range`: each frame the sector (audio swapped) and its symbols with P and Q cleared. */
export async function writeNrgRwTrack(range: NrgSubRange, dest: string): Promise<{ bytes: number; sha256: string }> {
  const out = await open(dest, 'wx');
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await withFile(range.file, (handle) => eachBatch(handle, range, async (raw, count) => {
      for (let k = 0; k < count; k++) {
        const frame = raw.subarray(k * NRG_SUB_SECTOR, (k + 1) * NRG_SUB_SECTOR);
        if (range.audio === true) frame.subarray(0, MAIN).swap16();
        for (let i = MAIN; i < NRG_SUB_SECTOR; i++) frame[i] = (frame[i] ?? 0) & RW_BITS;
      }
      hash.update(raw);
      bytes += raw.length;
      await out.write(raw);
    }));
  } finally {
    await out.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Read the RW_RAW file `rw` back against `range` of the NRG: every frame's
 * sector (swapped back for audio) is the NRG's main channel, and its symbols
 * are the NRG's R-W bits with nothing in P and Q. Throws `ImageReadError`
 * (`conversion-failed`) at the first frame that is not.
 */
export async function checkNrgRwTrack(rw: string, range: NrgSubRange): Promise<void> {
  await withFile(rw, async (file) => {
    const { size } = await file.stat();
    if (size !== range.sectors * NRG_SUB_SECTOR) throw imageProblem('conversion-failed', `${rw}: ${size} bytes, not ${range.sectors} frames of ${NRG_SUB_SECTOR}`);
    await withFile(range.file, (handle) => eachBatch(handle, range, async (raw, count, done) => {
      const frames = Buffer.alloc(count * NRG_SUB_SECTOR);
      const { bytesRead } = await file.read(frames, 0, frames.length, done * NRG_SUB_SECTOR);
      if (bytesRead !== frames.length) throw imageProblem('conversion-failed', `${rw} ends early at frame ${done}`);
      for (let k = 0; k < count; k++) {
        const main = Buffer.from(frames.subarray(k * NRG_SUB_SECTOR, k * NRG_SUB_SECTOR + MAIN));
        if (range.audio === true) main.swap16();
        if (!main.equals(raw.subarray(k * NRG_SUB_SECTOR, k * NRG_SUB_SECTOR + MAIN))) throw imageProblem('conversion-failed', `RW_RAW frame ${done + k}: its sector is not the NRG's main channel`);
        for (let i = MAIN; i < NRG_SUB_SECTOR; i++) {
          const symbol = frames[k * NRG_SUB_SECTOR + i] ?? 0;
          if (symbol > RW_BITS || symbol !== ((raw[k * NRG_SUB_SECTOR + i] ?? 0) & RW_BITS)) {
            throw imageProblem('conversion-failed', `RW_RAW frame ${done + k}: its R-W symbols are not the NRG subchannel's`);
          }
        }
      }
    }));
  });
}
