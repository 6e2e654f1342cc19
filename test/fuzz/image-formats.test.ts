/**
 * Property-based fuzzing (fast-check, fixed seeds) of the readers issue 14
 * added to drivers/src/image/: the pure UDF reader (udf-volume.ts) on
 * mutations of a real mkudffs volume (descriptor bytes, the 32-bit fields
 * that point at sequences and partitions, re-sealed tags so the checks past
 * the tag are reached, truncation), and the compression sniffer plus the
 * real decompressors (compressed-image.ts) on mutated gzip/xz/bzip2/zstd
 * streams with a tight output cap; the DMG reader (dmg-image.ts) on mutated
 * trailers, block tables and plists, and dmg2img on mutated data forks and
 * a zlib bomb with a tight cap; the CDI reader (cdi-image.ts) on mutated
 * descriptors and footers (also of an image with CD-TEXT blocks and disc
 * packs). Each may succeed or throw its documented
 * typed error (ImageReadError, mapped by the library to a LibraryError with
 * the same message); nothing else, and never hang or leave output behind.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decompressImage, detectCompression } from '../../drivers/src/image/compressed-image.js';
import { ImageReadError } from '../../drivers/src/image/image-read-error.js';
import { readImage } from '../../drivers/src/image/image-reader.js';
import { checkRawMode1, looksLikeCcd, parseCcd } from '../../drivers/src/image/ccd-image.js';
import { readChdHeader } from '../../drivers/src/image/chd-image.js';
import { checkMdsFileName, parseMds } from '../../drivers/src/image/mds-image.js';
import { readNrg } from '../../drivers/src/image/nrg-image.js';
import { readCdi } from '../../drivers/src/image/cdi-image.js';
import { readDmg, runDmg2img } from '../../drivers/src/image/dmg-image.js';
import { checkTocFileName, looksLikeToc, parseTocFile } from '../../drivers/src/image/toc-file.js';
import { analyseUdf, udfCrc } from '../../drivers/src/image/udf-volume.js';
import { makeIso, makeTempDir } from '../../drivers/test/support/test-images.js';
import { makeCdi, makeCdiWithCdText } from '../../drivers/test/support/cdi-images.js';
import { encodeCdText } from '../../drivers/test/support/cd-text-packs.js';
import { makeDmg } from '../../drivers/test/support/dmg-images.js';
import { makeMds } from '../../drivers/test/support/mds-images.js';
import { makeNrg } from '../../drivers/test/support/nrg-images.js';
import { makeUdf } from '../../drivers/test/support/udf-images.js';
import { fromImageReadError, LibraryError } from '../../apps/controller/src/library/errors.js';

const SEED = 20_261_203;
let seedNo = 0;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED + ++seedNo, numRuns, endOnFailure: true });

function typedRefusal(err: unknown): void {
  if (!(err instanceof ImageReadError)) throw err;
  const mapped = fromImageReadError(err);
  expect(mapped).toBeInstanceOf(LibraryError);
  expect((mapped as LibraryError).message).toBe(err.message);
}

const tmp = makeTempDir('tower-fuzz-formats-');
afterAll(() => tmp.cleanup());

// ---- pure UDF ------------------------------------------------------------------------------

const REAL_UDF = readFileSync(makeUdf(tmp.dir, { name: 'real.img', revision: '2.01', label: 'FUZZ UDF', bytes: 2 * 1024 * 1024 }));
const MAIN_VDS = REAL_UDF.readUInt32LE(256 * 2048 + 20);

function reseal(b: Buffer, sector: number): void {
  const at = sector * 2048;
  if (at + 2048 > b.length) return;
  const crcLength = Math.min(b.readUInt16LE(at + 10), 2048 - 16);
  b.writeUInt16LE(udfCrc(b.subarray(at + 16, at + 16 + crcLength)), at + 8);
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum = (sum + (b[at + i] ?? 0)) & 0xff;
  b[at + 4] = sum;
}

const udfMutation = fc.tuple(
  // Sector (recognition sequence 16-18, main sequence, anchor 256), byte offset, value.
  fc.array(fc.tuple(fc.constantFrom(16, 17, 18, 256, MAIN_VDS, MAIN_VDS + 1, MAIN_VDS + 2, MAIN_VDS + 3, MAIN_VDS + 5), fc.nat(511), fc.nat(255)), { maxLength: 12 }),
  fc.array(fc.tuple(fc.constantFrom(256, MAIN_VDS + 1, MAIN_VDS + 2), fc.constantFrom(16, 20, 24, 28, 188, 192, 212, 240, 264, 268), fc.constantFrom(0, 1, 16, 255, 256, 2048, 0x0102, 0x0260, 0x0300, 0x7fffffff, 0xffffffff)), { maxLength: 4 }),
  fc.boolean(),
  fc.option(fc.nat()),
);

describe('fuzz: pure UDF volumes', () => {
  it('analyseUdf + readImage on mutations of a real mkudffs volume (600 runs)', { timeout: 120_000 }, async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(udfMutation, async ([bytes, fields, sealed, cut]) => {
      const img = Buffer.from(REAL_UDF);
      for (const [sector, at, v] of bytes) img[sector * 2048 + at] = v;
      for (const [sector, at, v] of fields) img.writeUInt32LE(v >>> 0, sector * 2048 + at);
      if (sealed) for (const [sector] of [...bytes, ...fields]) if (sector >= 256) reseal(img, sector);
      const data = cut === null ? img : img.subarray(0, cut % (img.length + 1));
      const file = path.join(tmp.dir, `udf-${n++ % 4}.img`);
      writeFileSync(file, data);
      const handle = await open(file, 'r');
      try {
        const info = await analyseUdf(handle, data.length);
        expect(info.volumeSectors * 2048).toBeLessThanOrEqual(data.length);
        expect(info.blockSize).toBe(2048);
      } catch (err) {
        typedRefusal(err);
      } finally {
        await handle.close();
      }
      await readImage(file).catch(typedRefusal);
    }), params(600));
    console.log('fuzz analyseUdf mutations: 600 runs');
  });
});

// ---- compressed images ---------------------------------------------------------------------

const ISO = readFileSync(makeIso(tmp.dir, { name: 'small.iso', payloadBytes: 8 * 1024, label: 'Z' }));
const packed = (tool: string): Buffer => spawnSync(tool, ['-c', ...(tool === 'zstd' ? ['-q'] : [])], { input: ISO }).stdout;
const STREAMS = { gzip: packed('gzip'), xz: packed('xz'), bzip2: packed('bzip2'), zstd: packed('zstd') };

describe('fuzz: compressed images', () => {
  it('detectCompression on random heads never throws (2000 runs)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...Object.values(STREAMS)), fc.nat(16), (bytes, real, keep) => {
      const head = Buffer.concat([real.subarray(0, keep), Buffer.from(bytes)]);
      const info = detectCompression(head);
      if (info) expect(['gzip', 'xz', 'bzip2', 'zstd']).toContain(info.compression);
    }), params(2000));
    console.log('fuzz detectCompression: 2000 runs');
  });

  it('decompressImage on mutated and cut gzip/xz/bzip2/zstd streams, 64 KiB cap (120 runs)', { timeout: 120_000 }, async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('gzip', 'xz', 'bzip2', 'zstd') as fc.Arbitrary<keyof typeof STREAMS>,
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
      fc.option(fc.nat()),
      async (tool, flips, cut) => {
        const b = Buffer.from(STREAMS[tool]);
        for (const [at, v] of flips) b[at % b.length] = v;
        const data = cut === null ? b : b.subarray(0, cut % (b.length + 1));
        const file = path.join(tmp.dir, `z-${n++ % 4}`);
        writeFileSync(file, data);
        const info = detectCompression(data.subarray(0, 64));
        if (!info) return;
        try {
          await decompressImage(file, info, async (stream) => {
            let bytes = 0;
            for await (const chunk of stream as AsyncIterable<Buffer>) {
              bytes += chunk.length;
              if (bytes > 64 * 1024) throw new ImageReadError({ kind: 'conversion-too-large', what: tool, limitBytes: 64 * 1024 });
            }
            return bytes;
          });
        } catch (err) {
          typedRefusal(err);
        }
      },
    ), params(120));
    console.log('fuzz decompressImage: 120 runs');
  });
});

// ---- cdrdao TOC files ----------------------------------------------------------------------

const tocName = fc.oneof(fc.constantFrom('a.bin', '../a.bin', '/etc/passwd', 'C:\\a', '\\\\h\\s', '-', '', 'a/../../b', 'x\0y', 'ok dir/a.bin'), fc.string({ maxLength: 16 }));
const tocLine = fc.oneof(
  fc.constantFrom('CD_DA', 'CD_ROM', 'CD_ROM_XA', 'CD_I', 'COPY', 'NO COPY', 'SWAP', 'PREGAP 00:02:00', 'START', '{', '}', 'CD_TEXT {', 'ISRC "USABC2612345"', 'CATALOG "0123456789012"', '// comment "FILE', 'TRACK 01 AUDIO'),
  fc.tuple(fc.constantFrom('AUDIO', 'MODE1', 'MODE1_RAW', 'MODE2', 'MODE2_FORM_MIX', 'MODE2_RAW', 'MODE9', '', '"AUDIO"'), fc.constantFrom('', ' RW', ' RW_RAW')).map(([m, sub]) => `TRACK ${m}${sub}`),
  fc.tuple(fc.constantFrom('FILE', 'AUDIOFILE', 'DATAFILE', 'FIFO'), tocName, fc.constantFrom('', ' 0', ' 00:02:00 00:01:00', ' #10')).map(([k, n, rest]) => `${k} "${n.replace(/"/g, '\\"')}"${rest}`),
  fc.string({ maxLength: 30 }),
);

describe('fuzz: cdrdao TOC files', () => {
  it('looksLikeToc + parseTocFile on TOC files from grammar fragments (2000 runs)', () => {
    fc.assert(fc.property(fc.array(tocLine, { maxLength: 30 }), (lines) => {
      const text = lines.join('\n');
      looksLikeToc(text);
      try {
        const toc = parseTocFile(text);
        expect(toc.trackModes.length).toBeGreaterThan(0);
        expect(toc.trackModes.length).toBeLessThanOrEqual(99);
        // Whatever parsed names no file outside the TOC's folder.
        for (const f of toc.files) checkTocFileName(f);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(2000));
    console.log('fuzz parseTocFile: 2000 runs');
  });
});

// ---- Nero NRG ------------------------------------------------------------------------------

describe('fuzz: NRG footers and chunks', () => {
  it('readNrg + readImage on mutated chunk areas and footers of v1/v2, DAO/TAO images (1000 runs)', { timeout: 120_000 }, async () => {
    const data = Buffer.alloc(2048 * 20, 7);
    const bases = [makeNrg([{ data }], { version: 2, writing: 'dao' }), makeNrg([{ data }], { version: 1, writing: 'dao' }), makeNrg([{ data }, { data }], { version: 2, writing: 'tao' }), makeNrg([{ data }], { version: 1, writing: 'tao' })];
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(200), fc.nat(255)), { maxLength: 10 }),
      fc.option(fc.tuple(fc.nat(40), fc.constantFrom(0, 1, 99, 100, 255, 0x7fffffff, 0xffffffff))),
      async (which, flips, field) => {
        const b = Buffer.from(bases[which] ?? Buffer.alloc(0));
        // The chunk area and footer are the last few hundred bytes.
        for (const [back, v] of flips) b[Math.max(0, b.length - 1 - back)] = v;
        if (field) b.writeUInt32BE(field[1] >>> 0, Math.max(0, b.length - 4 - field[0] * 4));
        const file = path.join(tmp.dir, `nrg-${n++ % 4}.nrg`);
        writeFileSync(file, b);
        try {
          const nrg = await readNrg(file);
          for (const t of nrg.tracks) expect(t.end).toBeLessThanOrEqual(nrg.chunkOffset);
          expect(nrg.tracks.length).toBeLessThanOrEqual(99);
        } catch (err) {
          typedRefusal(err);
        }
        await readImage(file).catch(typedRefusal);
      },
    ), params(1000));
    console.log('fuzz readNrg: 1000 runs');
  });
});

// ---- CloneCD ---------------------------------------------------------------------------------

const ccdLine = fc.oneof(
  fc.constantFrom('[CloneCD]', '[Disc]', '[Session 1]', '[TRACK 1]', '[TRACK 0]', '[TRACK 999]', '[Entry 0]', '[', ']', 'Version=3', 'TocEntries=4', 'TocEntries=-1', 'TocEntries=0x7fffffff', 'Sessions=1', 'Sessions=0', 'DataTracksScrambled=1', 'MODE=1', 'MODE=2', 'MODE=7', 'INDEX 1=0', 'INDEX 1=99999999', '; comment', '=x', ''),
  fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([k, v]) => `${k}=${v}`),
  fc.string({ maxLength: 20 }),
);

describe('fuzz: CloneCD control files and raw sectors', () => {
  it('looksLikeCcd + parseCcd on control files from grammar fragments (2000 runs)', () => {
    fc.assert(fc.property(fc.array(ccdLine, { maxLength: 30 }), fc.constantFrom('\r\n', '\n'), (lines, eol) => {
      const text = ['[CloneCD]', ...lines].join(eol);
      expect(looksLikeCcd(text)).toBe(true);
      try {
        const ccd = parseCcd(text);
        expect(ccd.tracks.length).toBeGreaterThan(0);
        expect(ccd.tracks.every((t) => t.number >= 1 && t.number <= 99 && t.mode >= 0 && t.mode <= 2)).toBe(true);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(2000));
    console.log('fuzz parseCcd: 2000 runs');
  });

  it('checkRawMode1 on mutated and cut raw sectors (300 runs)', { timeout: 60_000 }, async () => {
    const raw = Buffer.alloc(2352 * 12);
    for (let i = 0; i < 12; i++) {
      const at = i * 2352;
      raw.fill(0xff, at + 1, at + 11);
      const msf = i + 150;
      const bcd = (n: number): number => ((n / 10) | 0) * 16 + (n % 10);
      raw[at + 12] = bcd(Math.floor(msf / 4500));
      raw[at + 13] = bcd(Math.floor(msf / 75) % 60);
      raw[at + 14] = bcd(msf % 75);
      raw[at + 15] = 1;
    }
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(raw.length - 1), fc.nat(255)), { maxLength: 4 }), fc.option(fc.nat(raw.length)), async (flips, cut) => {
      const b = Buffer.from(raw);
      for (const [at, v] of flips) b[at] = v;
      const data = cut === null ? b : b.subarray(0, cut);
      const file = path.join(tmp.dir, `raw-${n++ % 4}.img`);
      writeFileSync(file, data);
      try {
        const check = await checkRawMode1(file, data.length, 10);
        expect(check.sectors).toBeLessThanOrEqual(10);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(300));
    console.log('fuzz checkRawMode1: 300 runs');
  });
});

// ---- Alcohol MDS -----------------------------------------------------------------------------

describe('fuzz: MDS descriptors', () => {
  it('parseMds on mutated descriptors (offsets, counts, names) (2000 runs)', () => {
    const bases = [makeMds({ sectors: 100 }), makeMds({ sectors: 100, sectorBytes: 2352, fileName: 'a b.mdf', wide: true })];
    const fields = [18, 20, 80, 98, 99, 108, 112 + 240, 112 + 240 + 12, 112 + 240 + 16, 112 + 240 + 40, 112 + 240 + 48, 112 + 240 + 52, 436, 440, 444];
    fc.assert(fc.property(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(500), fc.nat(255)), { maxLength: 8 }),
      fc.array(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(0, 1, 2, 255, 0xffff, 0x7fffffff, 0xffffffff, 456, 1 << 20)), { maxLength: 3 }),
      fc.option(fc.nat(500)),
      (which, flips, writes, cut) => {
        const b = Buffer.from(bases[which] ?? Buffer.alloc(0));
        for (const [at, v] of flips) if (at < b.length) b[at] = v;
        for (const [at, v] of writes) if (at + 4 <= b.length) b.writeUInt32LE(v >>> 0, at);
        try {
          const mds = parseMds(cut === null ? b : b.subarray(0, cut));
          for (const t of mds.tracks) checkMdsFileName(t.fileName);
        } catch (err) {
          typedRefusal(err);
        }
      },
    ), params(2000));
    console.log('fuzz parseMds: 2000 runs');
  });
});

// ---- MAME CHD headers ------------------------------------------------------------------------

describe('fuzz: CHD headers', () => {
  it('readChdHeader on mutated v5 headers and file sizes (1000 runs)', () => {
    const head = Buffer.alloc(124);
    head.write('MComprHD', 0, 'latin1');
    head.writeUInt32BE(124, 8);
    head.writeUInt32BE(5, 12);
    head.writeBigUInt64BE(614_400n, 32);
    head.writeBigUInt64BE(124n, 40);
    head.writeUInt32BE(8192, 56);
    head.writeUInt32BE(2048, 60);
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(123), fc.nat(255)), { maxLength: 8 }), fc.nat(), fc.nat(124), (flips, size, cut) => {
      const b = Buffer.from(head);
      for (const [at, v] of flips) b[at] = v;
      try {
        const h = readChdHeader(b.subarray(0, cut), size);
        expect(h.version).toBe(5);
        expect(Number.isSafeInteger(h.logicalBytes)).toBe(true);
        expect(h.hunkBytes % h.unitBytes).toBe(0);
      } catch (err) {
        typedRefusal(err);
      }
    }), params(1000));
    console.log('fuzz readChdHeader: 1000 runs');
  });
});

// ---- Apple UDIF (DMG) ------------------------------------------------------------------------

/** `arb` one time in five, else null: a mutation that ends every reading early (a cut, a footer) must leave room for the others. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight: 1 });

/** A DMG with its first block table edited by `edit` (re-encoded into the plist, the trailer's plist length fixed). */
function withTable(dmg: Buffer, edit: (table: Buffer) => void): Buffer {
  const koly = Buffer.from(dmg.subarray(dmg.length - 512));
  const plist = Number(koly.readBigUInt64BE(216));
  const xml = dmg.toString('latin1', plist, dmg.length - 512);
  const data = /<data>([^<]*)<\/data>/.exec(xml)?.[1] ?? '';
  const table = Buffer.from(data.replace(/\s+/g, ''), 'base64');
  edit(table);
  const rebuilt = Buffer.from(xml.replace(data, table.toString('base64')), 'latin1');
  koly.writeBigUInt64BE(BigInt(rebuilt.length), 224);
  return Buffer.concat([dmg.subarray(0, plist), rebuilt, koly]);
}

describe('fuzz: DMG trailers and block tables', () => {
  const data = Buffer.alloc(512 * 40);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const bases = [makeDmg([{ data, chunkSectors: 8 }]), makeDmg([{ data, codec: 'bzip2', chunkSectors: 16 }, { data: Buffer.alloc(4096), codec: 'raw' }]), makeDmg([{ data, codec: 'raw' }])];
  const u64s = [8, 16, 24, 204 + 8, 204 + 16, 204 + 24, 204 + 32, 244 + 8, 244 + 16, 244 + 24, 244 + 32];
  const kolyU64 = [24, 32, 216, 224, 492];
  const big = fc.constantFrom(0n, 1n, 7n, 40n, 512n, 4096n, 1n << 31n, 1n << 40n, 1n << 53n, 0xffffffffffffffffn);

  it('readDmg + readImage on mutated trailers, block tables and plists (800 runs)', { timeout: 120_000 }, async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.constantFrom(...u64s), big), { maxLength: 3 }),
      fc.array(fc.tuple(fc.constantFrom(0, 4, 64, 200, 204, 244, 284), fc.constantFrom(0, 1, 2, 0x80000005, 0x80000006, 0x80000007, 0x7ffffffe, 0xffffffff, 1_000_000)), { maxLength: 2 }),
      rarely(fc.tuple(fc.constantFrom(...kolyU64), big)),
      fc.array(fc.tuple(fc.nat(1500), fc.nat(255)), { maxLength: 3 }),
      rarely(fc.nat()),
      async (which, tableU64, tableU32, kolyField, flips, cut) => {
        let b = withTable(Buffer.from(bases[which] ?? Buffer.alloc(0)), (t) => {
          for (const [at, v] of tableU64) if (at + 8 <= t.length) t.writeBigUInt64BE(v, at);
          for (const [at, v] of tableU32) if (at + 4 <= t.length) t.writeUInt32BE(v >>> 0, at);
        });
        if (kolyField) b.writeBigUInt64BE(kolyField[1], b.length - 512 + kolyField[0]);
        for (const [back, v] of flips) b[Math.max(0, b.length - 1 - back)] = v;
        if (cut !== null) b = b.subarray(cut % (b.length + 1));
        const file = path.join(tmp.dir, `dmg-${n++ % 4}.dmg`);
        writeFileSync(file, b);
        try {
          const dmg = await readDmg(file);
          expect(dmg.partitions.reduce((s, p) => s + p.sectors, 0)).toBe(dmg.sectors);
          expect(dmg.partitions.length).toBeLessThanOrEqual(64);
          expect(dmg.dataForkOffset + dmg.dataForkLength).toBeLessThanOrEqual(b.length - 512);
        } catch (err) {
          typedRefusal(err);
        }
        await readImage(file).catch(typedRefusal);
      },
    ), params(800));
    console.log('fuzz readDmg: 800 runs');
  });

  it('dmg2img on mutated data forks of sound tables, 64 KiB cap (60 runs)', { timeout: 180_000 }, async () => {
    let n = 0;
    const bomb = makeDmg([{ data: Buffer.alloc(4 * 1024 * 1024, 3), claimedSectors: 8 }]);
    await fc.assert(fc.asyncProperty(fc.nat(bases.length), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), async (which, flips) => {
      const b = Buffer.from(which === bases.length ? bomb : bases[which] ?? bomb);
      const fork = Number(b.readBigUInt64BE(b.length - 512 + 32));
      for (const [at, v] of flips) if (fork > 0) b[at % fork] = v;
      const file = path.join(tmp.dir, `dmg2img-${n % 4}.dmg`);
      writeFileSync(file, b);
      try {
        await runDmg2img(file, path.join(tmp.dir, `fifo-${n++}`), async (stream) => {
          let bytes = 0;
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            bytes += chunk.length;
            if (bytes > 64 * 1024) throw new ImageReadError({ kind: 'conversion-too-large', what: 'dmg2img', limitBytes: 64 * 1024 });
          }
          return bytes;
        });
      } catch (err) {
        typedRefusal(err);
      }
    }), params(60));
    console.log('fuzz runDmg2img: 60 runs');
  });
});

// ---- DiscJuggler CDI -------------------------------------------------------------------------

describe('fuzz: CDI footers and descriptors', () => {
  it('readCdi + readImage on mutated descriptors and footers of v2/v3/v3.5 images (1500 runs)', { timeout: 120_000 }, async () => {
    const user = Buffer.alloc(2048 * 20, 9);
    const bases = [makeCdi([{ data: user }], '3.5'), makeCdi([{ data: user, sectorBytes: 2352 }], '3'), makeCdi([{ data: user, mode: 2, sectorBytes: 2336 }], '2'), makeCdi([{ data: Buffer.alloc(2352 * 10, 1), mode: 0, sectorBytes: 2352 }, { data: user, mode: 2, sectorBytes: 2352, session: 2 }], '3.5'),
      // CD-TEXT in libmirage's v3.5 layout: per-track blocks of 18 strings and the disc block's raw packs.
      makeCdiWithCdText([{ data: Buffer.alloc(2352 * 10, 1), mode: 0, sectorBytes: 2352 }, { data: Buffer.alloc(2352 * 5, 2), mode: 0, sectorBytes: 2352, pregapSectors: 2 }],
        encodeCdText({ disc: { TITLE: 'Fuzz' }, tracks: [{ TITLE: 'One' }, { PERFORMER: 'Two' }] }, true), [[['One']], [['', 'Two'], ['x']]])];
    const fields = [0, 2, 4, 8, 28, 48, 64, 68, 78, 94, 98, 118, 160, 164];
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 8 }),
      fc.array(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(0, 1, 2, 7, 99, 100, 150, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff)), { maxLength: 3 }),
      rarely(fc.tuple(fc.constantFrom(0x80000004, 0x80000005, 0x80000006, 0), fc.nat())),
      rarely(fc.nat()),
      async (which, flips, writes, footer, cut) => {
        let b = Buffer.from(bases[which] ?? Buffer.alloc(0));
        const descriptor = b.length - b.readUInt32LE(b.length - 4);
        for (const [at, v] of flips) if (descriptor + at < b.length) b[descriptor + at] = v;
        for (const [at, v] of writes) if (descriptor + at + 4 <= b.length) b.writeUInt32LE(v >>> 0, descriptor + at);
        if (footer) { b.writeUInt32LE(footer[0] >>> 0, b.length - 8); b.writeUInt32LE(footer[1] >>> 0, b.length - 4); }
        if (cut !== null) b = b.subarray(cut % (b.length + 1));
        const file = path.join(tmp.dir, `cdi-${n++ % bases.length}.cdi`);
        writeFileSync(file, b);
        try {
          const cdi = await readCdi(file);
          expect(cdi.tracks.length).toBeGreaterThan(0);
          expect(cdi.tracks.length).toBeLessThanOrEqual(99);
          for (const t of cdi.tracks) expect(t.dataStart + t.sectors * t.sectorBytes).toBeLessThanOrEqual(cdi.descriptorOffset);
          if (cdi.cdText) expect([cdi.version, cdi.cdText.length > 0 && cdi.cdText.length <= 8 * 256 * 18]).toEqual(['3.5', true]);
        } catch (err) {
          typedRefusal(err);
        }
        await readImage(file).catch(typedRefusal);
      },
    ), params(1500));
    console.log('fuzz readCdi: 1500 runs');
  });
});
