/**
 * Apple UDIF (DMG) images into the library: zlib, bzip2 and raw chunks
 * (with zero runs), one partition or several, an ISO/HFS hybrid,
 * recognised by their trailer whatever their name, converted by dmg2img
 * and proven by the DMG's own CRC-32s (data fork, each partition, master),
 * which the library checks (dmg2img does not). A checksum that does not
 * hold, an HFS+-only or APFS image, a bomb over the limit, broken block
 * tables are refused with a typed error and nothing left.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from 'node-cdrecord-wrapper';
import type { LibraryError } from '../../src/library/errors.js';
import { ConversionTooLargeError, ImageConversionError, UnburnableVolumeError } from '../../src/library/errors.js';
import { ImageLibrary } from '../../src/library/image-library.js';
import { dmgLayout, makeDmg } from '../../../../drivers/test/support/dmg-images.js';
import { genisoimage, makeIso, makeTempDir, sha256 } from './support.js';

type ErrorClass = abstract new (...args: never[]) => LibraryError;

describe('DMG images in the library', () => {
  let work: ReturnType<typeof makeTempDir>;
  let roots: string;
  let library: ImageLibrary;
  let iso: Buffer;
  const put = (name: string, bytes: Buffer): string => {
    const p = path.join(roots, name);
    writeFileSync(p, bytes);
    return p;
  };
  const listing = (): string[] => readdirSync(library.dir, { recursive: true, encoding: 'utf8' }).sort();

  beforeAll(async () => {
    work = makeTempDir('lib-dmg-');
    roots = path.join(work.dir, 'incoming');
    mkdirSync(roots);
    iso = readFileSync(makeIso(work.dir, { name: 'mac.iso', payloadBytes: 300 * 1024, label: 'MAC_DISC' }));
    library = await ImageLibrary.open({ dir: path.join(work.dir, 'library'), importRoots: [roots], maxUploadBytes: 8 * 1024 * 1024 });
  });
  afterAll(() => work.cleanup());

  it.each(['zlib', 'bzip2', 'raw'] as const)('a %s DMG of an ISO becomes the ISO, proven by its CRC-32s', async (codec) => {
    const dmg = makeDmg([{ data: iso, codec, chunkSectors: 64 }]);
    const file = put(`disc-${codec}.img`, dmg);
    const record = await library.importFromPath(file, { keepOriginal: codec === 'zlib' });
    expect(record).toMatchObject({
      format: 'iso', volumeLabel: 'MAC_DISC', sizeBytes: iso.length, sha256: sha256(iso),
      provenance: { conversion: { from: 'dmg', sourceSha256: sha256(dmg), sourceBytes: dmg.length, checksum: 'CRC-32', command: ['dmg2img', '-s', '-i', path.basename(file), '-o', 'dmg2img.fifo'] } },
    });
    expect(record.provenance.conversion?.proof).toMatch(new RegExp(`^UDIF v4, 1 partition\\(s\\) of (${codec}, zero|zero, ${codec}) chunks, ${iso.length / 512} sectors of 512 bytes, converted by dmg2img \\(which checks no checksum\\); the DMG's own checksums checked by the library: data fork CRC-32 [0-9a-f]{8}, the CRC-32 of each of 1 partition\\(s\\) over its converted sectors, master checksum [0-9a-f]{8}`));
    expect(readFileSync(library.imagePath(record.id)).equals(iso)).toBe(true);
    if (codec === 'zlib') expect(record.files.map((f) => [f.path, f.role])).toEqual([[`${record.id}.iso`, 'iso'], [`${record.id}.dmg`, 'source']]);
  });

  it('an uploaded DMG of three partitions (zlib, bzip2, raw) becomes the whole ISO', async () => {
    const cut = [0, 100 * 512, 500 * 512, iso.length];
    const dmg = makeDmg([{ data: iso.subarray(cut[0], cut[1]) }, { data: iso.subarray(cut[1], cut[2]), codec: 'bzip2' }, { data: iso.subarray(cut[2], cut[3]), codec: 'raw' }]);
    const record = await library.importUpload(Readable.from([dmg]), { fileName: 'three.dmg' });
    expect(record).toMatchObject({ format: 'iso', sha256: sha256(iso), provenance: { conversion: { from: 'dmg' } } });
    expect(record.provenance.conversion?.proof).toMatch(/3 partition\(s\) of bzip2, raw, (zero, )?zlib chunks/);
  });

  it('a DMG of an ISO 9660/HFS hybrid (genisoimage -hfs: Apple partition map, HFS and ISO 9660) becomes an ISO', async () => {
    const hybrid = readFileSync(genisoimage(work.dir, 'hybrid.iso', { 'read me.txt': 'hello mac\n'.repeat(2000) }, ['-hfs', '-V', 'HYBRID']));
    const record = await library.importFromPath(put('hybrid.dmg', makeDmg([{ data: hybrid }])));
    expect(record).toMatchObject({ format: 'iso', volumeLabel: 'HYBRID', sha256: sha256(hybrid) });
  });

  it('tower drive burn\'s probe names a DMG (a raw one starts like an ISO)', async () => {
    await expect(probeImage(put('probe.dmg', makeDmg([{ data: iso, codec: 'raw', chunkSectors: 4096 }])))).rejects.toThrow(/an Apple disk image \(DMG\): import it into the library/);
  });

  const hfsPlus = (): Buffer => {
    const b = Buffer.alloc(256 * 1024);
    b.write('H+', 1024, 'latin1');
    b.writeUInt16BE(4, 1026);
    b.fill(0x5a, 4096, 8192);
    return b;
  };
  const flip = (dmg: Buffer, at: number): Buffer => { dmg[at] = (dmg[at] ?? 0) ^ 0xff; return dmg; };
  const cases: [string, () => Buffer, ErrorClass, RegExp][] = [
    ['an HFS+ volume alone', () => makeDmg([{ data: hfsPlus() }]), UnburnableVolumeError, /holds an HFS\+ volume and no ISO 9660 or UDF volume: the tower burns and verifies ISO 9660\/UDF data discs/],
    ['an APFS container alone', () => { const b = hfsPlus(); b.fill(0, 1024, 1028); b.write('NXSB', 32, 'latin1'); return makeDmg([{ data: b }]); }, UnburnableVolumeError, /holds an APFS container/],
    ['an HFS hybrid with its ISO 9660 descriptors wiped', () => { const h = Buffer.from(readFileSync(path.join(work.dir, 'hybrid.iso'))); h.fill(0, 16 * 2048, 20 * 2048); return makeDmg([{ data: h }]); }, UnburnableVolumeError, /holds (an Apple partition map \(HFS\+ partitions\)|an HFS volume) and no ISO 9660 or UDF volume/],
    ['a flipped byte in a zlib chunk', () => flip(makeDmg([{ data: iso, chunkSectors: 64 }]), 100), ImageConversionError, /DMG image: (dmg2img could not convert it|its data fork has CRC-32)/],
    ['a flipped byte in a raw chunk (only the CRC-32s catch it)', () => flip(makeDmg([{ data: iso, codec: 'raw' }]), 40_000), ImageConversionError, /its data fork has CRC-32 [0-9a-f]{8}, its trailer records/],
    ['a wrong partition CRC-32', () => makeDmg([{ data: iso }], { partition: 'wrong', master: 'none' }), ImageConversionError, /partition 0 \(.*\) converts to data of CRC-32 [0-9a-f]{8}, its block table records/],
    ['a wrong master checksum', () => makeDmg([{ data: iso }], { master: 'wrong' }), ImageConversionError, /its master checksum is [0-9a-f]{8}, its partitions' checksums make/],
    ['a wrong data fork CRC-32', () => makeDmg([{ data: iso }], { dataFork: 'wrong' }), ImageConversionError, /its data fork has CRC-32/],
    ['no partition checksum at all', () => makeDmg([{ data: iso }], { partition: 'none', dataFork: 'none', master: 'none' }), ImageConversionError, /carries no CRC-32 of its data, so nothing proves its conversion/],
    ['a trailer claiming 2^40 sectors', () => { const b = makeDmg([{ data: iso }]); b.writeBigUInt64BE(1n << 40n, b.length - 512 + 492); return b; }, ImageConversionError, /its partitions hold 1328 sectors, its trailer says 1099511627776/],
    ['block tables claiming 2^40 sectors of zeros (over the limit before conversion)', () => makeDmg([{ data: Buffer.alloc(512, 1), claimedSectors: 2 ** 40 }]), ConversionTooLargeError, /holds 562949953421312 bytes, more than the library's limit of \d+: refused before conversion/],
    ['a zlib chunk of 16 MiB claiming 8 sectors (a bomb: dmg2img stopped at the limit)', () => makeDmg([{ data: Buffer.alloc(16 * 1024 * 1024, 1), claimedSectors: 8 }]), ConversionTooLargeError, /dmg2img's output of .* passed the library's limit of \d+ bytes \(its block tables say 4096\): stopped/],
    ['a trailer whose data fork runs past the end', () => { const b = makeDmg([{ data: iso }]); b.writeBigUInt64BE(1n << 40n, b.length - 512 + 32); return b; }, ImageConversionError, /its data fork \(bytes 0 to 1099511627776\) runs past the end/],
    ['a property list past the end', () => { const b = makeDmg([{ data: iso }]); b.writeBigUInt64BE(0xffffffffn, b.length - 512 + 216); return b; }, ImageConversionError, /its property list .* runs past the end/],
    ['no blkx in the property list', () => { const b = makeDmg([{ data: iso }]); const { plist, plistLength } = dmgLayout(b); const at = b.indexOf('<key>blkx</key>', plist, 'latin1'); b.write('<key>xxxx</key>', at, 'latin1'); expect(at).toBeLessThan(plist + plistLength); return b; }, ImageConversionError, /no blkx entry/],
  ];

  it.each(cases)('%s: refused with a typed error, nothing left', async (_what, bytes, error, message) => {
    const before = listing();
    const err: unknown = await library.importFromPath(put(`bad-${before.length}-${Date.now()}.dmg`, bytes())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
    expect(listing()).toEqual(before);
  });
});
