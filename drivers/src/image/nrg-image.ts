/**
 * Nero NRG images, by structure: the footer (v2: `NER5` and a 64-bit offset
 * in the last 12 bytes; v1: `NERO` and a 32-bit offset in the last 8) points
 * at a chain of chunks (id, 32-bit big-endian size, data) that ends with
 * `END!`. The track table comes from the DAO chunk (`DAOX` v2, `DAOI` v1:
 * each track's sector size, mode and pregap/start/end offsets in the file)
 * or, for a track-at-once image, the `ETN2`/`ETNF` chunk. Every offset and
 * size is checked against the file and the chunk area before use.
 *
 * Written here because the Debian tools get it wrong: nrg2iso skips a fixed
 * 307,200 bytes and copies the chunks and footer into the ISO (and refuses a
 * track-at-once image that starts with its ISO 9660 volume); iat finds the
 * volume by searching for its descriptor. The library uses iat's output as
 * an independent second reading of a data track (see the library's
 * nrg-import.ts).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { ImageReadError } from './image-read-error.js';
import { imageProblem } from './image-read-error.js';

/** One track of an NRG image: its bytes are `[start, end)` of the file. */
export interface NrgTrack {
  readonly number: number;
  /** NRG mode code (0x00 Mode 1, 0x02 Mode 2 Form 1, 0x07 audio...). */
  readonly modeCode: number;
  /** The CUE mode it is (MODE1/2048, AUDIO...), or `unknown-0xNN`. */
  readonly mode: string;
  readonly sectorBytes: number;
  readonly pregapOffset: number;
  readonly start: number;
  readonly end: number;
}

/** What an NRG image's chunks say. */
export interface NrgImage {
  readonly version: 1 | 2;
  /** Offset of the first chunk (the image data ends there). */
  readonly chunkOffset: number;
  /** Chunk ids in order, `END!` last. */
  readonly chunks: readonly string[];
  /** `dao` when the track table came from DAOX/DAOI, `tao` from ETN2/ETNF. */
  readonly writing: 'dao' | 'tao';
  readonly tracks: readonly NrgTrack[];
  /** The `CDTX` chunk (v2): raw 18-byte CD-TEXT packs with their CRCs, undecoded. */
  readonly cdText?: Buffer;
}

const MAX_CHUNKS = 256;
const MAX_TRACKS = 99;
const MODES: Record<number, { mode: string; bytes: number }> = {
  0x00: { mode: 'MODE1/2048', bytes: 2048 }, 0x02: { mode: 'MODE2/2048', bytes: 2048 }, 0x03: { mode: 'MODE2/2336', bytes: 2336 },
  0x05: { mode: 'MODE1/2352', bytes: 2352 }, 0x06: { mode: 'MODE2/2352', bytes: 2352 }, 0x07: { mode: 'AUDIO', bytes: 2352 },
  0x0f: { mode: 'MODE1/2352+SUB', bytes: 2448 }, 0x10: { mode: 'AUDIO+SUB', bytes: 2448 }, 0x11: { mode: 'MODE2/2352+SUB', bytes: 2448 },
};

const bad = (detail: string): ImageReadError => imageProblem('conversion-failed', `NRG image: ${detail}`);

/** The NRG footer in `tail` (a file's last 12 bytes): version and chunk offset, or null. */
export function nrgFooter(tail: Buffer): { version: 1 | 2; offset: number } | null {
  if (tail.length >= 12 && tail.toString('latin1', tail.length - 12, tail.length - 8) === 'NER5') {
    return { version: 2, offset: Number(tail.readBigUInt64BE(tail.length - 8)) };
  }
  if (tail.length >= 8 && tail.toString('latin1', tail.length - 8, tail.length - 4) === 'NERO') {
    return { version: 1, offset: tail.readUInt32BE(tail.length - 4) };
  }
  return null;
}

/** True when `file` ends with an NRG footer (v1 or v2). */
export async function hasNrgFooter(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 12) return false;
    const tail = Buffer.alloc(12);
    await handle.read(tail, 0, 12, size - 12);
    return nrgFooter(tail) !== null;
  } finally {
    await handle.close();
  }
}

function trackOf(number: number, modeCode: number, sectorBytes: number, offsets: [number, number, number], chunkOffset: number): NrgTrack {
  const [pregapOffset, start, end] = offsets;
  const known = MODES[modeCode];
  if (!(pregapOffset <= start && start <= end && end <= chunkOffset)) {
    throw bad(`track ${number} lies at bytes ${pregapOffset}/${start} to ${end}, outside the image data (0 to ${chunkOffset})`);
  }
  if (sectorBytes === 0 || (end - start) % sectorBytes !== 0) throw bad(`track ${number} is ${end - start} bytes, not a whole number of ${sectorBytes}-byte sectors`);
  return { number, modeCode, mode: known?.mode ?? `unknown-0x${modeCode.toString(16).padStart(2, '0')}`, sectorBytes, pregapOffset, start, end };
}

/** The tracks of a DAOX (v2) or DAOI (v1) chunk. */
function daoTracks(data: Buffer, v2: boolean, chunkOffset: number): NrgTrack[] {
  if (data.length < 22) throw bad(`DAO chunk of ${data.length} bytes is too short`);
  const first = data[20] ?? 0;
  const last = data[21] ?? 0;
  const entry = v2 ? 42 : 30;
  const count = last - first + 1;
  if (first < 1 || last > MAX_TRACKS || count < 1) throw bad(`DAO chunk lists tracks ${first} to ${last}`);
  if (data.length < 22 + count * entry) throw bad(`DAO chunk of ${data.length} bytes cannot hold ${count} tracks`);
  const tracks: NrgTrack[] = [];
  for (let i = 0; i < count; i++) {
    const at = 22 + i * entry;
    const sectorBytes = data.readUInt16BE(at + 12);
    const modeCode = data[at + 14] ?? 0;
    const read = (k: number): number => (v2 ? Number(data.readBigUInt64BE(at + 18 + k * 8)) : data.readUInt32BE(at + 18 + k * 4));
    tracks.push(trackOf(first + i, modeCode, sectorBytes, [read(0), read(1), read(2)], chunkOffset));
  }
  return tracks;
}

/** The tracks of an ETN2 (v2) or ETNF (v1) chunk. */
function taoTracks(data: Buffer, v2: boolean, chunkOffset: number): NrgTrack[] {
  const entry = v2 ? 32 : 20;
  const count = Math.floor(data.length / entry);
  if (count < 1 || count > MAX_TRACKS || data.length % entry !== 0) throw bad(`track chunk of ${data.length} bytes does not hold 1 to ${MAX_TRACKS} tracks`);
  const tracks: NrgTrack[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * entry;
    const offset = v2 ? Number(data.readBigUInt64BE(at)) : data.readUInt32BE(at);
    const size = v2 ? Number(data.readBigUInt64BE(at + 8)) : data.readUInt32BE(at + 4);
    const modeCode = data.readUInt32BE(at + (v2 ? 16 : 8));
    tracks.push(trackOf(i + 1, modeCode, MODES[modeCode]?.bytes ?? 0, [offset, offset, offset + size], chunkOffset));
  }
  return tracks;
}

async function readChunks(handle: FileHandle, size: number, version: 1 | 2, offset: number): Promise<NrgImage> {
  const footerBytes = version === 2 ? 12 : 8;
  if (!Number.isSafeInteger(offset) || offset >= size - footerBytes) throw bad(`its footer points at byte ${offset}, past the end of its ${size} bytes`);
  const chunks: string[] = [];
  let tracks: NrgTrack[] | undefined;
  let writing: NrgImage['writing'] = 'dao';
  let cdText: Buffer | undefined;
  let at = offset;
  for (;;) {
    if (chunks.length >= MAX_CHUNKS) throw bad(`more than ${MAX_CHUNKS} chunks`);
    if (at + 8 > size - footerBytes) throw bad(`chunk at byte ${at} runs into the footer (no END! chunk)`);
    const header = Buffer.alloc(8);
    await handle.read(header, 0, 8, at);
    const id = header.toString('latin1', 0, 4);
    const length = header.readUInt32BE(4);
    if (!/^[A-Z0-9!]{4}$/.test(id)) throw bad(`chunk at byte ${at} has no chunk id`);
    chunks.push(id);
    if (id === 'END!') break;
    if (at + 8 + length > size - footerBytes) throw bad(`chunk ${id} of ${length} bytes at byte ${at} runs past the chunk area`);
    if (['DAOX', 'DAOI', 'ETN2', 'ETNF'].includes(id)) {
      if (length > 22 + MAX_TRACKS * 42) throw bad(`chunk ${id} of ${length} bytes is larger than ${MAX_TRACKS} tracks need`);
      const data = Buffer.alloc(length);
      await handle.read(data, 0, length, at + 8);
      if (tracks) throw bad(`a second track table (${id})`);
      tracks = id.startsWith('DAO') ? daoTracks(data, id === 'DAOX', offset) : taoTracks(data, id === 'ETN2', offset);
      writing = id.startsWith('DAO') ? 'dao' : 'tao';
    } else if (id === 'CDTX') {
      if (cdText || length > 8 * 256 * 18) throw bad(`a second CDTX chunk, or one of ${length} bytes (more than 8 blocks of 256 packs)`);
      cdText = Buffer.alloc(length);
      await handle.read(cdText, 0, length, at + 8);
    }
    at += 8 + length;
  }
  if (!tracks) throw bad('no track table (DAOX, DAOI, ETN2 or ETNF chunk)');
  return { version, chunkOffset: offset, chunks, writing, tracks, ...(cdText ? { cdText } : {}) };
}

/**
 * Read an NRG image's footer and chunks. Throws `ImageReadError`
 * (`conversion-failed`, led by `NRG image:`) for a footer pointing past the
 * end, chunks running past the chunk area, no END!, no or two track tables,
 * track counts beyond 99, and tracks outside the image data; `unrecognised`
 * when the file has no NRG footer.
 */
export async function readNrg(file: string): Promise<NrgImage> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(12, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    const footer = nrgFooter(tail);
    if (!footer) throw imageProblem('unrecognised', 'no NRG footer (NER5 or NERO) at the end of the file');
    return await readChunks(handle, size, footer.version, footer.offset);
  } finally {
    await handle.close();
  }
}
