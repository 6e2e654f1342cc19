/**
 * Apple UDIF (DMG) test images, written here by the format's layout (no
 * hdiutil on Linux): the data fork (chunks compressed with zlib or bzip2,
 * raw, or zero runs), the XML property list with one `blkx` entry per
 * partition (a base64 `mish` block table: first sector, sector count, the
 * partition's CRC-32 over its data, 40-byte chunk entries, a terminator),
 * then the 512-byte `koly` trailer (data fork CRC-32, master checksum over
 * the partitions' CRC-32s, sector count), all big-endian as hdiutil writes
 * them. Keys in each blkx dict are in hdiutil's order (Attributes, CFName,
 * Data, ID, Name), which dmg2img relies on.
 */
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/image/crc32.js';

/** How a partition's chunks are stored. */
export type DmgCodec = 'zlib' | 'bzip2' | 'raw';

/** One partition: its bytes (a whole number of 512-byte sectors). */
export interface DmgPartitionSpec {
  readonly data: Buffer;
  readonly name?: string;
  readonly codec?: DmgCodec;
  /** Sectors per chunk (hdiutil uses 2048); runs of zero sectors become zero chunks. */
  readonly chunkSectors?: number;
  /** Sectors its table and the trailer claim, whatever the data (one chunk of it): a decompression bomb. */
  readonly claimedSectors?: number;
}

const TYPE = { zero: 0x00000000, raw: 0x00000001, zlib: 0x80000005, bzip2: 0x80000006, terminator: 0xffffffff } as const;

function pack(codec: DmgCodec, data: Buffer): Buffer {
  if (codec === 'raw') return data;
  if (codec === 'zlib') return deflateSync(data);
  const run = spawnSync('bzip2', ['-c', '-9'], { input: data, maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`bzip2 failed: ${run.stderr.toString()}`);
  return run.stdout;
}

function chunkEntry(type: number, sector: number, sectors: number, offset: number, length: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt32BE(type >>> 0, 0);
  b.writeBigUInt64BE(BigInt(sector), 8);
  b.writeBigUInt64BE(BigInt(sectors), 16);
  b.writeBigUInt64BE(BigInt(offset), 24);
  b.writeBigUInt64BE(BigInt(length), 32);
  return b;
}

/** Checksums to leave out (type 0) or get wrong, for tests of the proof. */
export interface DmgChecksumFaults {
  readonly partition?: 'none' | 'wrong';
  readonly dataFork?: 'none' | 'wrong';
  readonly master?: 'none' | 'wrong';
}

/** A DMG of `partitions`, one after the other from sector 0. */
export function makeDmg(partitions: readonly DmgPartitionSpec[], faults: DmgChecksumFaults = {}): Buffer {
  const fork: Buffer[] = [];
  let forkBytes = 0;
  let firstSector = 0;
  const tables: { name: string; table: Buffer; crc: number }[] = [];
  for (const [i, p] of partitions.entries()) {
    if (p.data.length % 512 !== 0) throw new Error('partition data must be whole 512-byte sectors');
    const sectors = p.data.length / 512;
    const per = p.claimedSectors === undefined ? p.chunkSectors ?? 2048 : sectors;
    const entries: Buffer[] = [];
    for (let s = 0; s < sectors; s += per) {
      const n = Math.min(per, sectors - s);
      const slice = p.data.subarray(s * 512, (s + n) * 512);
      if (slice.every((b) => b === 0)) {
        entries.push(chunkEntry(TYPE.zero, s, n, forkBytes, 0));
        continue;
      }
      const packed = pack(p.codec ?? 'zlib', slice);
      entries.push(chunkEntry(TYPE[p.codec ?? 'zlib'], s, p.claimedSectors ?? n, forkBytes, packed.length));
      fork.push(packed);
      forkBytes += packed.length;
    }
    const claimed = p.claimedSectors ?? sectors;
    entries.push(chunkEntry(TYPE.terminator, claimed, 0, forkBytes, 0));
    const head = Buffer.alloc(204);
    head.write('mish', 0, 'latin1');
    head.writeUInt32BE(1, 4);
    head.writeBigUInt64BE(BigInt(firstSector), 8);
    head.writeBigUInt64BE(BigInt(claimed), 16);
    head.writeUInt32BE(0x208, 32);
    head.writeUInt32BE(i, 36);
    const crc = (crc32(p.data) ^ (faults.partition === 'wrong' ? 1 : 0)) >>> 0;
    head.writeUInt32BE(faults.partition === 'none' ? 0 : 2, 64);
    head.writeUInt32BE(32, 68);
    head.writeUInt32BE(crc, 72);
    head.writeUInt32BE(entries.length, 200);
    tables.push({ name: p.name ?? `disk image (Apple_ISO : ${i})`, table: Buffer.concat([head, ...entries]), crc });
    firstSector += claimed;
  }
  const data = Buffer.concat(fork);
  const dicts = tables.map((t, i) => [
    '\t\t\t<dict>', '\t\t\t\t<key>Attributes</key>', '\t\t\t\t<string>0x0050</string>', '\t\t\t\t<key>CFName</key>', `\t\t\t\t<string>${t.name}</string>`,
    '\t\t\t\t<key>Data</key>', '\t\t\t\t<data>', ...(t.table.toString('base64').match(/.{1,52}/g) ?? []).map((l) => `\t\t\t\t${l}`), '\t\t\t\t</data>',
    '\t\t\t\t<key>ID</key>', `\t\t\t\t<string>${i - 1}</string>`, '\t\t\t\t<key>Name</key>', `\t\t\t\t<string>${t.name}</string>`, '\t\t\t</dict>',
  ].join('\n'));
  const plist = Buffer.from([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">', '<dict>', '\t<key>resource-fork</key>', '\t<dict>', '\t\t<key>blkx</key>', '\t\t<array>', ...dicts, '\t\t</array>', '\t</dict>', '</dict>', '</plist>', '',
  ].join('\n'), 'latin1');
  const sums = Buffer.alloc(4 * tables.length);
  tables.forEach((t, i) => sums.writeUInt32BE(t.crc, 4 * i));
  const koly = Buffer.alloc(512);
  koly.write('koly', 0, 'latin1');
  koly.writeUInt32BE(4, 4);
  koly.writeUInt32BE(512, 8);
  koly.writeUInt32BE(1, 12);
  koly.writeBigUInt64BE(0n, 24);
  koly.writeBigUInt64BE(BigInt(data.length), 32);
  koly.writeUInt32BE(1, 56);
  koly.writeUInt32BE(1, 60);
  koly.writeUInt32BE(faults.dataFork === 'none' ? 0 : 2, 80);
  koly.writeUInt32BE(32, 84);
  koly.writeUInt32BE((crc32(data) ^ (faults.dataFork === 'wrong' ? 1 : 0)) >>> 0, 88);
  koly.writeBigUInt64BE(BigInt(data.length), 216);
  koly.writeBigUInt64BE(BigInt(plist.length), 224);
  koly.writeUInt32BE(faults.master === 'none' ? 0 : 2, 352);
  koly.writeUInt32BE(32, 356);
  koly.writeUInt32BE((crc32(sums) ^ (faults.master === 'wrong' ? 1 : 0)) >>> 0, 360);
  koly.writeUInt32BE(1, 488);
  koly.writeBigUInt64BE(BigInt(firstSector), 492);
  return Buffer.concat([data, plist, koly]);
}

/** Offsets in a DMG made by `makeDmg`, for tests that break one field. */
export function dmgLayout(dmg: Buffer): { koly: number; plist: number; plistLength: number } {
  const koly = dmg.length - 512;
  return { koly, plist: Number(dmg.readBigUInt64BE(koly + 216)), plistLength: Number(dmg.readBigUInt64BE(koly + 224)) };
}
