/**
 * Pure UDF images (no ISO 9660 bridge), made by mkudffs at every revision
 * from 1.02 to 2.60, read by the image reader: accepted as 2048-byte data
 * images with their label, revision and size, held against what udfinfo
 * says; broken or truncated ones refused with a typed error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageReadError } from '../../src/image/image-read-error.js';
import { probeImage } from '../../src/image/image-probe.js';
import type { IsoImageInfo } from '../../src/image/image-reader.js';
import { readImage, sniffImageFormat } from '../../src/image/image-reader.js';
import { udfCrc } from '../../src/image/udf-volume.js';
import { makeTempDir } from '../support/test-images.js';
import { makeUdf, udfinfo } from '../support/udf-images.js';

const work = makeTempDir('tower-udf-');
afterAll(() => work.cleanup());

async function refusal(file: string): Promise<ImageReadError> {
  const err: unknown = await readImage(file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ImageReadError);
  return err as ImageReadError;
}

/** A copy of `file` with `edit` applied. */
function edited(file: string, name: string, edit: (b: Buffer) => void): string {
  const bytes = readFileSync(file);
  edit(bytes);
  const out = path.join(work.dir, name);
  writeFileSync(out, bytes);
  return out;
}

/** Re-seal the tag of the descriptor at `sector` after an edit (CRC over its body, then the checksum). */
function reseal(b: Buffer, sector: number): void {
  const at = sector * 2048;
  const crcLength = b.readUInt16LE(at + 10);
  b.writeUInt16LE(udfCrc(b.subarray(at + 16, at + 16 + crcLength)), at + 8);
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum = (sum + (b[at + i] ?? 0)) & 0xff;
  b[at + 4] = sum;
}

/** Sector of the logical volume descriptor in the main sequence mkudffs writes (tag 6). */
function lvdSector(b: Buffer): number {
  const main = b.readUInt32LE(256 * 2048 + 20);
  for (let s = main; s < main + 16; s++) if (b.readUInt16LE(s * 2048) === 6) return s;
  throw new Error('no logical volume descriptor');
}

describe('pure UDF images', () => {
  it.each([
    ['1.02', 'hd'], ['1.50', 'hd'], ['1.50', 'cdr'], ['2.00', 'hd'], ['2.01', 'hd'], ['2.01', 'dvdr'], ['2.50', 'bdr'], ['2.60', 'bdr'],
  ])('UDF %s (mkudffs --media-type=%s) is accepted with its label, revision and size', async (revision, media) => {
    const file = makeUdf(work.dir, { name: `udf-${revision}-${media}.img`, revision, label: `Disc ${revision}`, mediaType: media });
    const size = readFileSync(file).length;
    expect(await sniffImageFormat(file)).toBe('iso');
    const info = (await readImage(file)) as IsoImageInfo;
    expect(info).toMatchObject({ format: 'iso', sizeBytes: size, sectors: size / 2048 });
    expect(info.iso).toMatchObject({ iso9660: false, udf: true, joliet: false, rockRidge: false, volumeLabel: `Disc ${revision}` });
    expect(info.iso.udfVolume).toMatchObject({ revision, blockSize: 2048, anchorSector: 256, nsr: Number(revision) >= 2 ? 'NSR03' : 'NSR02' });
    expect(info.iso.udfVolume?.volumeSectors).toBeLessThanOrEqual(size / 2048);
    const facts = udfinfo(file);
    expect(facts.label).toBe(`Disc ${revision}`);
    expect(Number(facts.blocks)).toBe(size / 2048);
    const probed = await probeImage(file);
    expect(probed).toMatchObject({ format: 'iso', volumeLabel: `Disc ${revision}`, sizeBytes: size });
  });

  it('reads a UTF-16 label (non-Latin-1 characters)', async () => {
    const file = makeUdf(work.dir, { name: 'udf-utf16.img', revision: '2.01', label: 'Диск 東京' });
    expect(((await readImage(file)) as IsoImageInfo).iso.volumeLabel).toBe('Диск 東京');
  });

  it('finds a UDF bridge image\'s own UDF volume too (genisoimage -udf)', async () => {
    const { spawnSync } = await import('node:child_process');
    const content = path.join(work.dir, 'bridge-content');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(content, { recursive: true });
    writeFileSync(path.join(content, 'a.txt'), 'bridge\n');
    const iso = path.join(work.dir, 'bridge.iso');
    expect(spawnSync('genisoimage', ['-quiet', '-udf', '-V', 'BRIDGE', '-o', iso, content]).status).toBe(0);
    const info = (await readImage(iso)) as IsoImageInfo;
    expect(info.iso).toMatchObject({ iso9660: true, udf: true, volumeLabel: 'BRIDGE' });
    expect(info.iso.udfVolume?.revision).toBe('1.02');
  });
});

describe('broken pure UDF images are refused with a typed error', () => {
  const good = (): string => makeUdf(work.dir, { name: 'good.img', revision: '2.01', label: 'GOOD' });

  it('a bare BEA01 at sector 16 and nothing after it', async () => {
    const file = path.join(work.dir, 'bea-only.img');
    writeFileSync(file, Buffer.concat([Buffer.alloc(16 * 2048), Buffer.from('\0BEA01'), Buffer.alloc(2042)]));
    const err = await refusal(file);
    expect(err.problem.kind).toBe('udf-descriptor');
    expect(err.message).toBe('the UDF volume recognition sequence has no TEA01 descriptor');
  });

  it('no NSR descriptor between BEA01 and TEA01', async () => {
    const err = await refusal(edited(good(), 'no-nsr.img', (b) => b.write('XXX99', 17 * 2048 + 1, 'latin1')));
    expect(err.message).toMatch(/^no UDF volume recognition sequence|has no NSR02 or NSR03/);
    expect(err.problem.kind).toBe('udf-descriptor');
  });

  it('no anchor at 256 nor at the end', async () => {
    const file = good();
    const size = readFileSync(file).length / 2048;
    const err = await refusal(edited(file, 'no-anchor.img', (b) => {
      b.fill(0, 256 * 2048, 257 * 2048);
      b.fill(0, (size - 1) * 2048, size * 2048);
      b.fill(0, (size - 257) * 2048, (size - 256) * 2048);
    }));
    expect(err.problem.kind).toBe('udf-descriptor');
    expect(err.message).toMatch(/no UDF anchor volume descriptor pointer at sector 256/);
  });

  it('an anchor at 256 with a bad checksum is passed over for the one at the end', async () => {
    const info = (await readImage(edited(good(), 'bad-anchor.img', (b) => (b[256 * 2048 + 4] = ((b[256 * 2048 + 4] ?? 0) + 1) & 0xff)))) as IsoImageInfo;
    expect(info.iso.udfVolume?.anchorSector).toBeGreaterThan(256);
  });

  it('a logical block size of 512', async () => {
    const err = await refusal(edited(good(), 'bs512.img', (b) => {
      const s = lvdSector(b);
      b.writeUInt32LE(512, s * 2048 + 212);
      reseal(b, s);
      const reserve = b.readUInt32LE(256 * 2048 + 28);
      for (let r = reserve; r < reserve + 16; r++) if (b.readUInt16LE(r * 2048) === 6) { b.writeUInt32LE(512, r * 2048 + 212); reseal(b, r); }
    }));
    expect(err.message).toBe('UDF logical block size is 512; a disc image needs 2048');
  });

  it('a revision above 2.60', async () => {
    const err = await refusal(edited(good(), 'rev301.img', (b) => {
      for (const base of [b.readUInt32LE(256 * 2048 + 20), b.readUInt32LE(256 * 2048 + 28)]) {
        for (let r = base; r < base + 16; r++) if (b.readUInt16LE(r * 2048) === 6) { b.writeUInt16LE(0x0301, r * 2048 + 240); reseal(b, r); }
      }
    }));
    expect(err.message).toBe('UDF revision 3.01 is not supported (1.02 to 2.60)');
  });

  it('a descriptor edited without its CRC: the main sequence is refused, the reserve one used', async () => {
    const info = (await readImage(edited(good(), 'bad-crc.img', (b) => { const s = lvdSector(b); b.writeUInt8(b.readUInt8(s * 2048 + 100) ^ 0xff, s * 2048 + 100); }))) as IsoImageInfo;
    expect(info.iso.volumeLabel).toBe('GOOD');
  });

  it('both sequences broken', async () => {
    const err = await refusal(edited(good(), 'both-bad.img', (b) => {
      for (const base of [b.readUInt32LE(256 * 2048 + 20), b.readUInt32LE(256 * 2048 + 28)]) b.writeUInt8(b.readUInt8(base * 2048 + 100) ^ 0xff, base * 2048 + 100);
    }));
    expect(err.problem.kind).toBe('udf-descriptor');
    expect(err.message).toMatch(/^UDF volume is unusable: descriptor at sector \d+ has a bad tag/);
  });

  it('a partition past the end of the file (truncated)', async () => {
    const err = await refusal(edited(good(), 'long-partition.img', (b) => {
      for (const base of [b.readUInt32LE(256 * 2048 + 20), b.readUInt32LE(256 * 2048 + 28)]) {
        for (let r = base; r < base + 16; r++) if (b.readUInt16LE(r * 2048) === 5) { b.writeUInt32LE(1_000_000, r * 2048 + 192); reseal(b, r); }
      }
    }));
    expect(err.problem).toMatchObject({ kind: 'image-truncated', what: 'UDF volume', actualBytes: 8 * 1024 * 1024 });
    expect(err.message).toMatch(/^image is truncated: its UDF volume needs \d+ bytes, the file has 8388608$/);
  });
});
