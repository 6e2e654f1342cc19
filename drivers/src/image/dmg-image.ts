/**
 * Apple UDIF (DMG) images, by structure: the 512-byte `koly` trailer at the
 * end of the file (data fork and XML property list extents, the data fork's
 * and the master checksum, the sector count), the plist's `blkx` entries,
 * each a base64 `mish` block table (first sector, sector count, the
 * partition's own checksum, then 40-byte chunks: type, sector range,
 * compressed extent in the data fork). Every count, offset and length is
 * checked against the file before anything is decompressed.
 *
 * dmg2img (Debian) converts the image, but checks none of these checksums,
 * writes chunks one after the other whatever sector they name, and pads the
 * output to the trailer's sector count; so the library checks the layout
 * here first (chunks and partitions in sector order, no gaps, the total
 * the trailer's) and the checksums on its output (`verifyDmgOutput`).
 */
import { constants, createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CancelledError } from '../errors.js';
import { runTool, toolFailure } from '../tool-process.js';
import { crc32, crc32OfRange } from './crc32.js';
import type { ImageReadError } from './image-read-error.js';
import { imageProblem } from './image-read-error.js';

/** Bytes of a UDIF sector (chunk and partition sizes count these). */
export const DMG_SECTOR = 512;
const KOLY_BYTES = 512;
const MAX_PLIST_BYTES = 16 * 1024 * 1024;
const MAX_PARTITIONS = 64;
const MAX_CHUNKS = 1_000_000;
const CRC32_TYPE = 2;

/** Chunk types of a `mish` table, by the name the record uses. */
export const DMG_CHUNK_TYPES: Readonly<Record<number, string>> = {
  0x00000000: 'zero', 0x00000001: 'raw', 0x00000002: 'ignore', 0x80000004: 'adc', 0x80000005: 'zlib', 0x80000006: 'bzip2',
  0x80000007: 'lzfse', 0x80000008: 'lzma', 0x7ffffffe: 'comment', 0xffffffff: 'terminator',
};
/** The chunk types the library converts (dmg2img 1.6.7 reads ADC too, but nothing here tests it; LZFSE and LZMA it cannot read). */
const CONVERTED = new Set(['zero', 'raw', 'ignore', 'zlib', 'bzip2', 'comment', 'terminator']);

/** One partition (`blkx` entry) of a DMG. */
export interface DmgPartition {
  readonly name: string;
  readonly firstSector: number;
  readonly sectors: number;
  /** Its CRC-32 over its decompressed sectors, or null when its checksum is not CRC-32. */
  readonly crc32: number | null;
  /** Chunks by type: `{ zlib: 12, zero: 1 }`. */
  readonly chunkTypes: Readonly<Record<string, number>>;
}

/** What a DMG's trailer and block tables say. */
export interface DmgImage {
  readonly version: number;
  readonly dataForkOffset: number;
  readonly dataForkLength: number;
  /** The trailer's CRC-32 of the data fork, or null when it records none. */
  readonly dataForkCrc32: number | null;
  /** The trailer's master checksum (CRC-32 of the partitions' CRC-32s), or null. */
  readonly masterCrc32: number | null;
  /** Sectors of 512 bytes the image decompresses to. */
  readonly sectors: number;
  readonly partitions: readonly DmgPartition[];
}

const bad = (detail: string): ImageReadError => imageProblem('conversion-failed', `DMG image: ${detail}`);

function u64(b: Buffer, at: number, what: string): number {
  const v = b.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} ${v} is past any file`);
  return Number(v);
}

/** True when `tail` (a file's last 512 bytes) is a UDIF trailer. */
export function isDmgTrailer(tail: Buffer): boolean {
  return tail.length === KOLY_BYTES && tail.toString('latin1', 0, 4) === 'koly' && tail.readUInt32BE(8) === KOLY_BYTES;
}

/** True when `file` ends with a UDIF trailer. */
export async function hasDmgTrailer(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < KOLY_BYTES) return false;
    const tail = Buffer.alloc(KOLY_BYTES);
    await handle.read(tail, 0, KOLY_BYTES, size - KOLY_BYTES);
    return isDmgTrailer(tail);
  } finally {
    await handle.close();
  }
}

const checksumOf = (b: Buffer, at: number): number | null => (b.readUInt32BE(at) === CRC32_TYPE && b.readUInt32BE(at + 4) === 32 ? b.readUInt32BE(at + 8) : null);

/** The `blkx` entries of the plist: name and decoded block table, in order. */
function blkxEntries(plist: string): { name: string; table: Buffer }[] {
  const start = plist.indexOf('<key>blkx</key>');
  if (start < 0 || !plist.startsWith('<?xml') || !plist.includes('<plist')) throw bad('its property list has no blkx entry');
  const arrayEnd = plist.indexOf('</array>', start);
  if (arrayEnd < 0) throw bad('its blkx array is not closed');
  const dicts = plist.slice(start, arrayEnd).split('<dict>').slice(1);
  if (dicts.length === 0 || dicts.length > MAX_PARTITIONS) throw bad(`${dicts.length} partitions (blkx entries), not 1 to ${MAX_PARTITIONS}`);
  return dicts.map((dict, i) => {
    const data = /<key>Data<\/key>\s*<data>([^<]*)<\/data>/.exec(dict);
    if (!data?.[1]) throw bad(`blkx entry ${i} has no Data`);
    const name = /<key>(?:Name|CFName)<\/key>\s*<string>([^<]{0,200})<\/string>/.exec(dict)?.[1] ?? `partition ${i}`;
    return { name, table: Buffer.from(data[1].replace(/\s+/g, ''), 'base64') };
  });
}

function partitionOf(name: string, table: Buffer, index: number, expectFirst: number, fork: { offset: number; length: number }): DmgPartition {
  if (table.length < 204 || table.toString('latin1', 0, 4) !== 'mish') throw bad(`blkx entry ${index} (${name}) is not a mish block table`);
  const firstSector = u64(table, 8, 'first sector');
  const sectors = u64(table, 16, 'sector count');
  if (u64(table, 24, 'data offset') !== 0) throw bad(`partition ${index} (${name}) has a data offset: dmg2img reads chunks from the data fork's start`);
  if (firstSector !== expectFirst) throw bad(`partition ${index} (${name}) starts at sector ${firstSector}, not ${expectFirst} where the one before ends`);
  const count = table.readUInt32BE(200);
  if (count > MAX_CHUNKS || 204 + count * 40 > table.length) throw bad(`partition ${index} (${name}) claims ${count} chunks, its table holds ${Math.max(0, Math.floor((table.length - 204) / 40))}`);
  const chunkTypes: Record<string, number> = {};
  let next = 0;
  for (let c = 0; c < count; c++) {
    const at = 204 + c * 40;
    const code = table.readUInt32BE(at);
    const type = DMG_CHUNK_TYPES[code] ?? `unknown-0x${code.toString(16).padStart(8, '0')}`;
    if (!CONVERTED.has(type)) throw bad(`partition ${index} (${name}) has ${type} chunks: only zlib, bzip2, raw and zero chunks are converted`);
    chunkTypes[type] = (chunkTypes[type] ?? 0) + 1;
    if (type === 'comment' || type === 'terminator') continue;
    const sector = u64(table, at + 8, 'chunk sector');
    const chunkSectors = u64(table, at + 16, 'chunk sector count');
    const offset = u64(table, at + 24, 'chunk offset');
    const length = u64(table, at + 32, 'chunk length');
    if (sector !== next) throw bad(`partition ${index} (${name}) chunk ${c} starts at sector ${sector}, not ${next}: chunks out of order or with gaps`);
    next = sector + chunkSectors;
    if (type === 'raw' && length !== chunkSectors * DMG_SECTOR) throw bad(`partition ${index} (${name}) raw chunk ${c} is ${length} bytes for ${chunkSectors} sectors`);
    if ((type === 'raw' || type === 'zlib' || type === 'bzip2') && offset + length > fork.length) {
      throw bad(`partition ${index} (${name}) chunk ${c} (bytes ${offset} to ${offset + length}) runs past the data fork (${fork.length} bytes)`);
    }
  }
  if (next !== sectors) throw bad(`partition ${index} (${name}) chunks cover ${next} sectors, the partition has ${sectors}`);
  return { name, firstSector, sectors, crc32: checksumOf(table, 64), chunkTypes };
}

/**
 * Read a DMG's trailer, property list and block tables. Throws
 * `ImageReadError` (`conversion-failed`, led by `DMG image:`) for a trailer
 * pointing past the end, a segmented or resource-fork-only image, more than
 * 64 partitions, chunk counts past the table, chunks out of order or past
 * the data fork, chunk types other than zlib, bzip2, raw and zero, a sector
 * total other than the trailer's; `unrecognised` without a trailer.
 */
export async function readDmg(file: string): Promise<DmgImage> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const koly = Buffer.alloc(KOLY_BYTES);
    if (size >= KOLY_BYTES) await handle.read(koly, 0, KOLY_BYTES, size - KOLY_BYTES);
    if (!isDmgTrailer(koly)) throw imageProblem('unrecognised', 'no UDIF trailer (koly) at the end of the file');
    const body = size - KOLY_BYTES;
    const version = koly.readUInt32BE(4);
    const dataForkOffset = u64(koly, 24, 'data fork offset');
    const dataForkLength = u64(koly, 32, 'data fork length');
    const xmlOffset = u64(koly, 216, 'property list offset');
    const xmlLength = u64(koly, 224, 'property list length');
    const sectors = u64(koly, 492, 'sector count');
    if (version !== 4) throw bad(`trailer version ${version}, not 4`);
    if (koly.readUInt32BE(60) > 1) throw bad(`one of ${koly.readUInt32BE(60)} segments: join the segments first`);
    if (dataForkOffset + dataForkLength > body) throw bad(`its data fork (bytes ${dataForkOffset} to ${dataForkOffset + dataForkLength}) runs past the end of its ${size} bytes`);
    if (xmlLength === 0) throw bad('no XML property list (an old resource-fork-only image): convert it to UDZO with hdiutil first');
    if (xmlOffset + xmlLength > body) throw bad(`its property list (bytes ${xmlOffset} to ${xmlOffset + xmlLength}) runs past the end of its ${size} bytes`);
    if (xmlLength > MAX_PLIST_BYTES) throw bad(`a property list of ${xmlLength} bytes, more than ${MAX_PLIST_BYTES}`);
    if (sectors > Number.MAX_SAFE_INTEGER / DMG_SECTOR) throw bad(`${sectors} sectors is past any file`);
    const xml = Buffer.alloc(xmlLength);
    await handle.read(xml, 0, xmlLength, xmlOffset);
    const partitions: DmgPartition[] = [];
    for (const [i, entry] of blkxEntries(xml.toString('latin1')).entries()) {
      partitions.push(partitionOf(entry.name, entry.table, i, partitions.reduce((n, p) => n + p.sectors, 0), { offset: dataForkOffset, length: dataForkLength }));
    }
    const total = partitions.reduce((n, p) => n + p.sectors, 0);
    if (total !== sectors) throw bad(`its partitions hold ${total} sectors, its trailer says ${sectors}`);
    return { version, dataForkOffset, dataForkLength, dataForkCrc32: checksumOf(koly, 80), masterCrc32: checksumOf(koly, 352), sectors, partitions };
  } finally {
    await handle.close();
  }
}

/**
 * The DMG's own checksums, checked: its data fork's CRC-32 over the source
 * (when the trailer records one), then each partition's CRC-32 over its
 * sectors of the converted `output`, and the master checksum over those.
 * Every partition must carry a CRC-32 (else nothing proves the output).
 * Returns what held, for the record; throws `conversion-failed` naming the
 * first that does not.
 */
export async function verifyDmgOutput(source: string, output: string, dmg: DmgImage): Promise<string> {
  const held: string[] = [];
  if (dmg.dataForkCrc32 !== null) {
    const fork = await crc32OfRange(source, dmg.dataForkOffset, dmg.dataForkOffset + dmg.dataForkLength);
    if (fork !== dmg.dataForkCrc32) throw bad(`its data fork has CRC-32 ${hex(fork)}, its trailer records ${hex(dmg.dataForkCrc32)}`);
    held.push(`data fork CRC-32 ${hex(fork)}`);
  }
  const sums = Buffer.alloc(4 * dmg.partitions.length);
  for (const [i, p] of dmg.partitions.entries()) {
    if (p.crc32 === null) throw bad(`partition ${i} (${p.name}) carries no CRC-32 of its data, so nothing proves its conversion`);
    const crc = await crc32OfRange(output, p.firstSector * DMG_SECTOR, (p.firstSector + p.sectors) * DMG_SECTOR);
    if (crc !== p.crc32) throw bad(`partition ${i} (${p.name}) converts to data of CRC-32 ${hex(crc)}, its block table records ${hex(p.crc32)}`);
    sums.writeUInt32BE(crc, 4 * i);
  }
  held.push(`the CRC-32 of each of ${dmg.partitions.length} partition(s) over its converted sectors`);
  if (dmg.masterCrc32 !== null) {
    const master = crc32(sums);
    if (master !== dmg.masterCrc32) throw bad(`its master checksum is ${hex(dmg.masterCrc32)}, its partitions' checksums make ${hex(master)}`);
    held.push(`master checksum ${hex(master)}`);
  }
  return held.join(', ');
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * Convert `source` with dmg2img through the FIFO `fifo` (made here, removed
 * after; dmg2img takes only a file name, and cannot open a socket as Node
 * gives a child for its standard output), its output (the whole disk,
 * every partition in sector order) handed to `consume` as a stream, which
 * caps and stores it; its refusal (a decompression bomb over the limit)
 * stops the tool and is rethrown as it is. Throws `conversion-failed` when
 * dmg2img fails.
 */
export async function runDmg2img<T>(source: string, fifo: string, consume: (output: Readable) => Promise<T>, signal?: AbortSignal): Promise<{ command: string[]; output: T }> {
  const made = await runTool({ program: 'mkfifo', args: ['-m', '600', fifo], keepChars: 1024 });
  if (made.exitCode !== 0) throw bad(`cannot make the FIFO for dmg2img's output: ${toolFailure(made, 2).output}`);
  const command = ['dmg2img', '-s', '-i', source, '-o', fifo];
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const reading = createReadStream(fifo, { highWaterMark: 1 << 20 });
  let opened = false;
  reading.once('open', () => { opened = true; });
  const consumed = consume(reading).catch((err: unknown) => {
    stop.abort();
    throw err;
  });
  consumed.catch(() => undefined);
  try {
    const run = runTool({ program: 'dmg2img', args: command.slice(1), signal: stop.signal, killGraceMs: 500, keepChars: 4096 });
    // A dmg2img that never opened its output leaves the reader waiting: open the FIFO's other end to end it.
    void run.finally(async () => {
      if (!opened) await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((h) => h.close(), () => undefined);
    }).catch(() => undefined);
    const [ran, output] = await Promise.allSettled([run, consumed]);
    if (signal?.aborted && ran.status === 'rejected') throw ran.reason;
    if (output.status === 'rejected' && !(output.reason instanceof CancelledError)) throw output.reason;
    if (ran.status === 'rejected') throw ran.reason;
    if (ran.value.exitCode !== 0 || output.status === 'rejected') {
      const said = toolFailure(ran.value, 3).output.replace(/\s+/g, ' ').trim();
      throw bad(`dmg2img could not convert it (exit ${ran.value.exitCode ?? ran.value.signal}): ${said || 'no message'}`);
    }
    return { command, output: output.value };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reading.destroy();
    await rm(fifo, { force: true });
  }
}
