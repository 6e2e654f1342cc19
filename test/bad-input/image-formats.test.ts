/**
 * Bad input to the image formats issue 14 brought in, through
 * ImageLibrary.importFromPath and importUpload: broken pure UDF volumes
 * (no anchor, no TEA01, a partition past the end, block size 512, a
 * revision above 2.60), compressed images without a checksum, corrupt or
 * cut short, a decompression bomb over the library's limit, compressed
 * noise and compressed nothing; cdrdao TOC files naming files outside their
 * folder, standard input, huge track counts; NRG images whose footer or
 * chunks point past the end or claim 255 tracks; CloneCD control files with
 * an escaping .img, insane counts, garbage; MDS descriptors naming data
 * files outside their folder or pointing past their end; CHD headers of
 * the wrong version, sizes past any limit; DMG images whose trailer points
 * past the end, claim 2^40 sectors or a million chunks, hold chunks out of
 * order, a zlib bomb, a checksum that does not hold, an HFS+ volume alone;
 * CDI images whose footer points past either end, claiming 65535 sessions
 * or 60000 tracks, with no start mark or a cut descriptor, with CD-TEXT
 * blocks counted in the hundreds, running past the descriptor, disc-block
 * packs of 4 GiB or cut short, or in a v3 layout. Each is refused with a typed LibraryError
 * (the class named), and the library folder (hidden staging files too) and
 * index are left as they were.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { udfCrc } from '../../drivers/src/image/udf-volume.js';
import { makeIso, makeTempDir } from '../../drivers/test/support/test-images.js';
import { makeCdi, makeCdiWithCdText } from '../../drivers/test/support/cdi-images.js';
import { encodeCdText } from '../../drivers/test/support/cd-text-packs.js';
import { makeDmg } from '../../drivers/test/support/dmg-images.js';
import { makeMds } from '../../drivers/test/support/mds-images.js';
import { makeNrg } from '../../drivers/test/support/nrg-images.js';
import { makeUdf } from '../../drivers/test/support/udf-images.js';
import type { LibraryError } from '../../apps/controller/src/library/errors.js';
import {
  ContainerPathTraversalError, ConversionTooLargeError, CueStructureError, ImageConversionError, ImageTruncatedError, ImageValidationError,
  UdfDescriptorError, UnburnableVolumeError, UnrecognisedImageError,
} from '../../apps/controller/src/library/errors.js';
import { ImageLibrary } from '../../apps/controller/src/library/index.js';

type ErrorClass = abstract new (...args: never[]) => LibraryError;

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
let iso: Buffer;
let udf: Buffer;

beforeAll(async () => {
  tmp = makeTempDir('tower-bad-formats-');
  root = path.join(tmp.dir, 'import');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(root);
  iso = readFileSync(makeIso(root, { name: 'good.iso', payloadBytes: 64 * 1024, label: 'GOOD' }));
  udf = readFileSync(makeUdf(tmp.dir, { name: 'good-udf.img', revision: '2.01', label: 'GOOD UDF', bytes: 1024 * 1024 }));
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root], maxUploadBytes: 2 * 1024 * 1024 });
  await library.importFromPath(path.join(root, 'good.iso'), { name: 'the one good image' });
});
afterAll(() => tmp?.cleanup());

function put(name: string, content: Buffer): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

function compress(tool: string, args: string[], input: Buffer): Buffer {
  return spawnSync(tool, [...args, '-c'], { input, maxBuffer: 64 * 1024 * 1024 }).stdout;
}

/** The UDF image with its descriptors of tag `tag` edited by `edit` in both sequences and re-sealed. */
function udfWith(tag: number, edit: (b: Buffer, at: number) => void): Buffer {
  const b = Buffer.from(udf);
  for (const base of [b.readUInt32LE(256 * 2048 + 20), b.readUInt32LE(256 * 2048 + 28)]) {
    for (let s = base; s < base + 16; s++) {
      const at = s * 2048;
      if (b.readUInt16LE(at) !== tag) continue;
      edit(b, at);
      b.writeUInt16LE(udfCrc(b.subarray(at + 16, at + 16 + b.readUInt16LE(at + 10))), at + 8);
      let sum = 0;
      for (let i = 0; i < 16; i++) if (i !== 4) sum = (sum + (b[at + i] ?? 0)) & 0xff;
      b[at + 4] = sum;
    }
  }
  return b;
}

interface Case {
  readonly name: string;
  readonly bytes: () => Buffer;
  readonly error: ErrorClass;
  readonly message?: RegExp;
}

const cases: Case[] = [
  { name: 'UDF: BEA01 without NSR or TEA01', bytes: () => Buffer.concat([Buffer.alloc(16 * 2048), Buffer.from('\0BEA01'), Buffer.alloc(2042 + 300 * 2048)]), error: UdfDescriptorError },
  { name: 'UDF: no anchor anywhere', bytes: () => { const b = Buffer.from(udf); const last = b.length / 2048; for (const s of [256, last - 1, last - 257]) b.fill(0, s * 2048, s * 2048 + 16); return b; }, error: UdfDescriptorError, message: /no UDF anchor/ },
  { name: 'UDF: a partition past the end of the file', bytes: () => udfWith(5, (b, at) => b.writeUInt32LE(0x7fffffff, at + 192)), error: ImageTruncatedError, message: /^image is truncated: its UDF volume needs/ },
  { name: 'UDF: logical block size 512', bytes: () => udfWith(6, (b, at) => b.writeUInt32LE(512, at + 212)), error: UdfDescriptorError, message: /block size is 512/ },
  { name: 'UDF: revision 3.00', bytes: () => udfWith(6, (b, at) => b.writeUInt16LE(0x0300, at + 240)), error: UdfDescriptorError, message: /revision 3\.00 is not supported/ },
  { name: 'UDF: not the OSTA domain', bytes: () => udfWith(6, (b, at) => b.write('*EVIL', at + 217, 'latin1')), error: UdfDescriptorError },
  { name: 'UDF: cut to 300 sectors', bytes: () => udf.subarray(0, 300 * 2048), error: ImageValidationError },
  { name: 'xz without a check', bytes: () => compress('xz', ['--check=none'], iso), error: ImageConversionError, message: /carries no checksum/ },
  { name: 'zstd without a checksum', bytes: () => compress('zstd', ['-q', '--no-check'], iso), error: ImageConversionError },
  { name: 'gzip cut in half', bytes: () => { const b = compress('gzip', [], iso); return b.subarray(0, b.length >> 1); }, error: ImageConversionError },
  { name: 'xz with a flipped byte', bytes: () => { const b = compress('xz', [], iso); b.writeUInt8(b.readUInt8(100) ^ 0xff, 100); return b; }, error: ImageConversionError },
  { name: 'bzip2 header then garbage', bytes: () => Buffer.concat([compress('bzip2', [], iso).subarray(0, 10), Buffer.alloc(5000, 0x41)]), error: ImageConversionError },
  { name: 'zstd bomb: 256 MiB of zeros, over the 2 MiB limit', bytes: () => compress('zstd', ['-q', '-19'], Buffer.alloc(256 * 1024 * 1024)), error: ConversionTooLargeError },
  { name: 'gzip bomb of a real ISO padded to 64 MiB', bytes: () => compress('gzip', ['-9'], Buffer.concat([iso, Buffer.alloc(64 * 1024 * 1024)])), error: ConversionTooLargeError },
  { name: 'gzip of noise', bytes: () => compress('gzip', [], Buffer.alloc(100 * 1024, 0x33)), error: UnrecognisedImageError },
  { name: 'gzip of nothing', bytes: () => compress('gzip', [], Buffer.alloc(0)), error: ImageValidationError },
  { name: 'zstd of a CUE sheet (only ISO images are decompressed)', bytes: () => compress('zstd', ['-q'], Buffer.from('FILE "a.bin" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n')), error: ImageValidationError },
];

function snapshot(): unknown {
  const files = readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();
  return { files, index: library.list().map((r) => `${r.id}:${r.name}:${r.sha256}`) };
}

async function expectRefused(action: () => Promise<unknown>, error: ErrorClass, message?: RegExp): Promise<void> {
  const before = snapshot();
  const outcome = await Promise.race([
    action().then(() => 'imported', (err: unknown) => err),
    new Promise((resolve) => setTimeout(() => resolve('hung'), 20_000)),
  ]);
  expect(outcome).toBeInstanceOf(error);
  expect((outcome as LibraryError).code).toMatch(/^[A-Z_]+$/);
  if (message !== undefined) expect((outcome as Error).message).toMatch(message);
  expect(snapshot()).toEqual(before);
}

describe('importFromPath refuses broken UDF and compressed images with a typed error and changes nothing', () => {
  it.each(cases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`case-${c.name.replace(/\W+/g, '-')}.img`, c.bytes())), c.error, c.message);
  });
});

describe('importUpload refuses them too', () => {
  it.each(cases)('$name (uploaded)', async (c) => {
    await expectRefused(() => library.importUpload(Readable.from([c.bytes()]), { fileName: 'x.img' }), c.error, c.message);
  });
});

const tocCases: Case[] = [
  { name: 'TOC FILE "../../etc/passwd"', bytes: () => Buffer.from('CD_DA\nTRACK AUDIO\nFILE "../../etc/passwd" 0\n'), error: ContainerPathTraversalError },
  { name: 'TOC DATAFILE "/etc/shadow"', bytes: () => Buffer.from('CD_ROM\nTRACK MODE1\nDATAFILE "/etc/shadow"\n'), error: ContainerPathTraversalError },
  { name: 'TOC AUDIOFILE "C:\\x.bin"', bytes: () => Buffer.from('CD_DA\nTRACK AUDIO\nAUDIOFILE "C:\\\\x.bin" 0\n'), error: ContainerPathTraversalError },
  { name: 'TOC FILE "sub/../../x.bin"', bytes: () => Buffer.from('CD_DA\nTRACK AUDIO\nFILE "sub/../../x.bin" 0\n'), error: ContainerPathTraversalError },
  { name: 'TOC DATAFILE "-" (standard input)', bytes: () => Buffer.from('CD_ROM\nTRACK MODE1\nDATAFILE "-"\n'), error: ContainerPathTraversalError },
  { name: 'TOC reading a FIFO', bytes: () => Buffer.from('CD_DA\nTRACK AUDIO\nFIFO "/tmp/f" 100\n'), error: ContainerPathTraversalError },
  { name: 'TOC with 500 tracks', bytes: () => Buffer.from(`CD_DA\n${'TRACK AUDIO\nFILE "good.iso" 0 00:00:01\n'.repeat(500)}`), error: CueStructureError },
  { name: 'TOC with no file', bytes: () => Buffer.from('CD_DA\nTRACK AUDIO\nSILENCE 00:02:00\n'), error: CueStructureError },
  { name: 'TOC naming a missing file', bytes: () => Buffer.from('CD_DA\nTRACK AUDIO\nFILE "nowhere.bin" 0\n'), error: ImageConversionError },
  { name: 'TOC whose data file toc2cue finds too short', bytes: () => Buffer.from('CD_ROM\nTRACK MODE1\nDATAFILE "good.iso" 99:00:00\n'), error: ImageConversionError },
];

describe('importFromPath refuses bad cdrdao TOC files with a typed error and changes nothing', () => {
  it.each(tocCases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`toc-${c.name.replace(/\W+/g, '-')}.toc`, c.bytes())), c.error, c.message);
  });
});

const nrg = (): Buffer => makeNrg([{ data: iso }], { version: 2, writing: 'dao' });
const nrgCases: Case[] = [
  { name: 'NRG footer pointing past the end', bytes: () => { const b = nrg(); b.writeBigUInt64BE(0xffffffffffffn, b.length - 8); return b; }, error: ImageConversionError, message: /footer points at byte/ },
  { name: 'NRG v1 footer at offset 0 (the data read as chunks)', bytes: () => { const b = makeNrg([{ data: iso }], { version: 1, writing: 'tao' }); b.writeUInt32BE(0, b.length - 4); return b; }, error: ImageConversionError },
  { name: 'NRG chunk of 4 GiB', bytes: () => { const b = nrg(); b.writeUInt32BE(0xffffffff, b.lastIndexOf('DAOX', undefined, 'latin1') + 4); return b; }, error: ImageConversionError },
  { name: 'NRG DAO chunk claiming tracks 1 to 255', bytes: () => { const b = nrg(); const at = b.lastIndexOf('DAOX', undefined, 'latin1'); b[at + 8 + 21] = 255; return b; }, error: ImageConversionError, message: /tracks 1 to 255/ },
  { name: 'NRG with its chunks cut off (footer only)', bytes: () => Buffer.concat([iso, nrg().subarray(-12)]), error: ImageConversionError },
  { name: 'NRG footer alone', bytes: () => nrg().subarray(-12), error: ImageConversionError },
];

describe('importFromPath refuses bad NRG images with a typed error and changes nothing', () => {
  it.each(nrgCases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`nrg-${c.name.replace(/\W+/g, '-')}.nrg`, c.bytes())), c.error, c.message);
  });
});

const ccd = (extra = ''): Buffer => Buffer.from(`[CloneCD]\r\nVersion=3\r\n[Disc]\r\nTocEntries=4\r\nSessions=1\r\n[TRACK 1]\r\nMODE=1\r\nINDEX 1=0\r\n${extra}`);
const ccdCases: (Case & { readonly img?: 'outside' | Buffer })[] = [
  { name: 'CCD whose .img is a symlink to /etc/passwd', bytes: () => ccd(), img: 'outside', error: ContainerPathTraversalError },
  { name: 'CCD whose .img is 2351 bytes', bytes: () => ccd(), img: Buffer.alloc(2351), error: ImageConversionError },
  { name: 'CCD whose .img is noise', bytes: () => ccd(), img: Buffer.alloc(2352 * 4, 0x61), error: ImageConversionError, message: /no sync pattern/ },
  { name: 'CCD with Sessions=1e9', bytes: () => Buffer.from(ccd().toString().replace('Sessions=1', 'Sessions=1e9')), img: Buffer.alloc(0), error: ImageConversionError },
  { name: 'CCD with the same section twice', bytes: () => ccd('[TRACK 1]\r\nMODE=1\r\n'), img: Buffer.alloc(0), error: ImageConversionError, message: /appears twice/ },
];

describe('importFromPath refuses bad CloneCD images with a typed error and changes nothing', () => {
  it.each(ccdCases)('$name', async (c) => {
    const stem = `ccd-${c.name.replace(/\W+/g, '-')}`;
    if (c.img === 'outside') {
      const { symlinkSync } = await import('node:fs');
      symlinkSync('/etc/passwd', path.join(root, `${stem}.img`));
    } else if (c.img) {
      put(`${stem}.img`, c.img);
    }
    await expectRefused(() => library.importFromPath(put(`${stem}.ccd`, c.bytes())), c.error, c.message);
  });
});

const mdsCases: Case[] = [
  { name: 'MDS naming ../../etc/passwd', bytes: () => makeMds({ sectors: 10, fileName: '../../etc/passwd' }), error: ContainerPathTraversalError },
  { name: 'MDS naming \\\\server\\share\\x.mdf (UTF-16)', bytes: () => makeMds({ sectors: 10, fileName: '\\\\server\\share\\x.mdf', wide: true }), error: ContainerPathTraversalError },
  { name: 'MDS naming a NUL-split name', bytes: () => makeMds({ sectors: 10, fileName: 'a.mdf\u0000../../x' }), error: ImageConversionError },
  { name: 'MDS with 65535 sessions', bytes: () => { const b = makeMds({ sectors: 10 }); b.writeUInt16LE(0xffff, 20); return b; }, error: ImageConversionError, message: /65535 sessions/ },
  { name: 'MDS header only', bytes: () => makeMds({ sectors: 10 }).subarray(0, 40), error: ImageConversionError },
];

describe('importFromPath refuses bad MDS descriptors with a typed error and changes nothing', () => {
  it.each(mdsCases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`mds-${c.name.replace(/\W+/g, '-')}.mds`, c.bytes())), c.error, c.message);
  });
});

const chdHeader = (edit: (b: Buffer) => void): Buffer => {
  const b = Buffer.alloc(4096);
  b.write('MComprHD', 0, 'latin1');
  b.writeUInt32BE(124, 8);
  b.writeUInt32BE(5, 12);
  b.writeBigUInt64BE(614_400n, 32);
  b.writeBigUInt64BE(124n, 40);
  b.writeUInt32BE(8192, 56);
  b.writeUInt32BE(2048, 60);
  edit(b);
  return b;
};
const chdCases: Case[] = [
  { name: 'CHD header only (no hunks)', bytes: () => chdHeader(() => undefined), error: ImageConversionError },
  { name: 'CHD claiming 2^50 bytes (a bomb)', bytes: () => chdHeader((b) => b.writeBigUInt64BE(1n << 50n, 32)), error: ConversionTooLargeError },
  { name: 'CHD claiming 2^62 bytes (past any safe size)', bytes: () => chdHeader((b) => b.writeBigUInt64BE(1n << 62n, 32)), error: ImageConversionError },
  { name: 'CHD version 3', bytes: () => chdHeader((b) => { b.writeUInt32BE(3, 12); b.writeUInt32BE(120, 8); }), error: ImageConversionError, message: /CHD version 3/ },
];

describe('importFromPath refuses bad CHD images with a typed error and changes nothing', () => {
  it.each(chdCases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`chd-${c.name.replace(/\W+/g, '-')}.chd`, c.bytes())), c.error, c.message);
  });
});

/** The DMG of the good ISO (chunks of 16 sectors) with its only block table edited by `edit`. */
const dmgWithTable = (edit: (table: Buffer) => void): Buffer => {
  const b = makeDmg([{ data: iso, chunkSectors: 16 }]);
  const plist = Number(b.readBigUInt64BE(b.length - 512 + 216));
  const xml = b.toString('latin1', plist, b.length - 512);
  const data = /<data>([^<]*)<\/data>/.exec(xml)?.[1] ?? '';
  const table = Buffer.from(data.replace(/\s+/g, ''), 'base64');
  edit(table);
  const rebuilt = xml.replace(data, table.toString('base64'));
  const koly = Buffer.from(b.subarray(b.length - 512));
  koly.writeBigUInt64BE(BigInt(rebuilt.length), 224);
  return Buffer.concat([b.subarray(0, plist), Buffer.from(rebuilt, 'latin1'), koly]);
};
const dmgCases: Case[] = [
  { name: 'DMG trailer alone', bytes: () => makeDmg([{ data: iso }]).subarray(-512), error: ImageConversionError, message: /its (data fork|property list) .* runs past the end/ },
  { name: 'DMG data fork of 2^50 bytes', bytes: () => { const b = makeDmg([{ data: iso }]); b.writeBigUInt64BE(1n << 50n, b.length - 512 + 32); return b; }, error: ImageConversionError, message: /runs past the end/ },
  { name: 'DMG offset past any safe integer', bytes: () => { const b = makeDmg([{ data: iso }]); b.writeBigUInt64BE(0xffffffffffffffffn, b.length - 512 + 24); return b; }, error: ImageConversionError, message: /past any file/ },
  { name: 'DMG property list of 4 GiB', bytes: () => { const b = makeDmg([{ data: iso }]); b.writeBigUInt64BE(0xffffffffn, b.length - 512 + 224); return b; }, error: ImageConversionError },
  { name: 'DMG claiming a million chunks', bytes: () => dmgWithTable((t) => t.writeUInt32BE(1_000_000, 200)), error: ImageConversionError, message: /claims 1000000 chunks, its table holds/ },
  { name: 'DMG claiming 2^40 sectors', bytes: () => dmgWithTable((t) => t.writeBigUInt64BE(1n << 40n, 16)), error: ImageConversionError, message: /chunks cover \d+ sectors, the partition has 1099511627776/ },
  { name: 'DMG partition starting at sector 7', bytes: () => dmgWithTable((t) => t.writeBigUInt64BE(7n, 8)), error: ImageConversionError, message: /starts at sector 7, not 0/ },
  { name: 'DMG chunk past the data fork', bytes: () => dmgWithTable((t) => t.writeBigUInt64BE(1n << 40n, 204 + 4 * 40 + 24)), error: ImageConversionError, message: /runs past the data fork/ },
  { name: 'DMG chunks out of order', bytes: () => dmgWithTable((t) => t.writeBigUInt64BE(999n, 204 + 40 + 8)), error: ImageConversionError, message: /chunks out of order or with gaps/ },
  { name: 'DMG LZFSE chunk', bytes: () => dmgWithTable((t) => t.writeUInt32BE(0x80000007, 204)), error: ImageConversionError, message: /has lzfse chunks: only zlib, bzip2, raw and zero chunks are converted/ },
  { name: 'DMG zlib bomb: 64 MiB in a chunk claiming 8 sectors, over the 2 MiB limit', bytes: () => makeDmg([{ data: Buffer.alloc(64 * 1024 * 1024, 1), claimedSectors: 8 }]), error: ConversionTooLargeError, message: /stopped/ },
  { name: 'DMG with a wrong partition CRC-32', bytes: () => makeDmg([{ data: iso }], { partition: 'wrong', master: 'none' }), error: ImageConversionError, message: /its block table records/ },
  { name: 'DMG of an HFS+ volume alone', bytes: () => { const h = Buffer.alloc(64 * 1024); h.write('H+', 1024, 'latin1'); return makeDmg([{ data: h }]); }, error: UnburnableVolumeError },
];

describe('importFromPath refuses bad DMG images with a typed error and changes nothing', () => {
  it.each(dmgCases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`dmg-${c.name.replace(/\W+/g, '-')}.dmg`, c.bytes())), c.error, c.message);
  });
});

const cdi = (): Buffer => makeCdi([{ data: iso }], '3.5');
const cdiPacks = (): Buffer => encodeCdText({ disc: { TITLE: 'Disc' }, tracks: [{ TITLE: 'Data' }] }, true);
/** A CDI with CD-TEXT (libmirage's v3.5 layout) and where its track 1 CD-TEXT block count and disc block pack length lie. */
const textCdi = (): { b: Buffer; blocks: number; packLength: number } => {
  const b = makeCdiWithCdText([{ data: iso }], cdiPacks(), [[['Data']]]);
  return { b, blocks: cdiDescriptor(b) + 1 + 15 + 16 + 1 + 'track1.wav'.length + 31 + 2 + 8, packLength: b.length - 16 - cdiPacks().length - 4 };
};
const cdiDescriptor = (b: Buffer): number => b.length - b.readUInt32LE(b.length - 4);
const cdiCases: Case[] = [
  { name: 'CDI footer alone', bytes: () => cdi().subarray(-8), error: ImageConversionError, message: /its footer points at byte/ },
  { name: 'CDI v2 footer pointing at 4 GiB', bytes: () => { const b = makeCdi([{ data: iso }], '2'); b.writeUInt32LE(0xffffffff, b.length - 4); return b; }, error: ImageConversionError, message: /4294967295/ },
  { name: 'CDI with 65535 sessions', bytes: () => { const b = cdi(); b.writeUInt16LE(0xffff, cdiDescriptor(b)); return b; }, error: ImageConversionError, message: /65535 sessions/ },
  { name: 'CDI with 60000 tracks', bytes: () => { const b = cdi(); b.writeUInt16LE(60000, cdiDescriptor(b) + 2); return b; }, error: ImageConversionError, message: /60000 tracks/ },
  { name: 'CDI without a track start mark', bytes: () => { const b = cdi(); b.fill(0x41, cdiDescriptor(b) + 8, cdiDescriptor(b) + 28); return b; }, error: ImageConversionError, message: /no track start mark/ },
  { name: 'CDI track of 2^31 sectors', bytes: () => { const b = cdi(); const at = cdiDescriptor(b) + 4 + 68; b.writeUInt32LE(0x7fffffff, at); b.writeUInt32LE(0xffffffff, at + 30); return b; }, error: ImageConversionError, message: /runs into the descriptor/ },
  { name: 'CDI with a track claiming 200 CD-TEXT blocks', bytes: () => { const { b, blocks } = textCdi(); b.writeUInt32LE(200, blocks); return b; }, error: ImageConversionError, message: /track 1 claims 200 CD-TEXT blocks, more than 8/ },
  { name: 'CDI with a CD-TEXT string running past its descriptor', bytes: () => { const { b, blocks } = textCdi(); b.writeUInt32LE(8, blocks); return b; }, error: ImageConversionError, message: /CDI image: / },
  { name: 'CDI with a disc block claiming 4 GiB of CD-TEXT packs', bytes: () => { const { b, packLength } = textCdi(); b.writeUInt32LE(0xffffffff, packLength); return b; }, error: ImageConversionError, message: /holds 4294967295 bytes of CD-TEXT packs/ },
  { name: 'CDI with CD-TEXT packs cut short in its disc block', bytes: () => { const { b, packLength } = textCdi(); b.writeUInt32LE(cdiPacks().length - 5, packLength); return b; }, error: ImageConversionError, message: /ends 13 bytes before the descriptor does/ },
  { name: 'CDI with CD-TEXT in a v3 footer (a layout libmirage does not read)', bytes: () => { const { b } = textCdi(); b.writeUInt32LE(0x80000005, b.length - 8); b.writeUInt32LE(cdiDescriptor(b), b.length - 4); return b; }, error: ImageConversionError, message: /CD-TEXT in a v3 layout, whose disc block libmirage does not read/ },
  { name: 'CDI with its data cut off (descriptor and footer only)', bytes: () => cdi().subarray(cdiDescriptor(cdi())), error: ImageConversionError, message: /runs into the descriptor at byte 0/ },
];

describe('importFromPath refuses bad CDI images with a typed error and changes nothing', () => {
  it.each(cdiCases)('$name', async (c) => {
    await expectRefused(() => library.importFromPath(put(`cdi-${c.name.replace(/\W+/g, '-')}.cdi`, c.bytes())), c.error, c.message);
  });
});
