import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsoDescriptorError, IsoTruncatedError, UnrecognisedImageError } from '../../src/library/errors.js';
import { validateImageFile } from '../../src/library/image-validator.js';
import { genisoimage, makeIso, makeTempDir, noise } from './support.js';

describe('ISO 9660 validation and file system detection', () => {
  let work: ReturnType<typeof makeTempDir>;
  let plainIso: string;
  beforeAll(() => {
    work = makeTempDir('lib-iso-');
    plainIso = makeIso(work.dir, { name: 'jr.iso', payloadBytes: 64 * 1024, label: 'JOLIET_RR' });
  });
  afterAll(() => work.cleanup());

  it('finds Joliet and Rock Ridge on a -J -R image, and sizes it', async () => {
    const v = await validateImageFile(plainIso);
    if (v.format !== 'iso') throw new Error('expected iso');
    expect(v.iso).toMatchObject({ volumeLabel: 'JOLIET_RR', joliet: true, jolietLevel: 3, rockRidge: true, udf: false });
    expect(v.iso.elTorito).toBeUndefined();
    const size = readFileSync(plainIso).length;
    expect(v.sizeBytes).toBe(size);
    expect(v.sectors).toBe(size / 2048);
    expect(v.iso.volumeSectors).toBe(size / 2048);
    expect(v.mediaSizes.map((m) => m.size)).toEqual(['cd-650', 'cd-700', 'cd-800', 'dvd', 'dvd-dl', 'bd', 'bd-dl']);
  });

  it('finds neither Joliet nor Rock Ridge on a plain image', async () => {
    const iso = genisoimage(work.dir, 'plain.iso', { 'A.TXT': 'a\n' }, ['-V', 'PLAIN']);
    const v = await validateImageFile(iso);
    expect(v.format === 'iso' && v.iso).toMatchObject({ joliet: false, rockRidge: false, udf: false, volumeLabel: 'PLAIN' });
  });

  it('finds UDF on a genisoimage -udf image', async () => {
    const iso = genisoimage(work.dir, 'udf.iso', { 'a.txt': 'udf\n' }, ['-udf', '-V', 'UDFTEST']);
    const v = await validateImageFile(iso);
    expect(v.format === 'iso' && v.iso).toMatchObject({ udf: true, udfRevision: 'NSR02', volumeLabel: 'UDFTEST' });
  });

  it('finds an El Torito boot record (no emulation)', async () => {
    const iso = genisoimage(work.dir, 'boot.iso', { 'boot.img': Buffer.alloc(2048, 0x90) }, ['-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', '-V', 'BOOTME']);
    const v = await validateImageFile(iso);
    if (v.format !== 'iso') throw new Error('expected iso');
    expect(v.iso.elTorito).toMatchObject({ bootable: true, emulation: 'no-emulation', platformId: 0 });
    expect(v.iso.elTorito?.catalogSector).toBeGreaterThan(16);
  });

  it('accepts a hybrid image longer than its ISO volume, sized by the file', async () => {
    const hybrid = path.join(work.dir, 'hybrid.img');
    copyFileSync(plainIso, hybrid);
    const isoBytes = readFileSync(plainIso).length;
    writeFileSync(hybrid, noise(1024 * 1024), { flag: 'a' });
    const v = await validateImageFile(hybrid);
    if (v.format !== 'iso') throw new Error('expected iso');
    expect(v.iso.volumeSectors).toBe(isoBytes / 2048);
    expect(v.sizeBytes).toBe(isoBytes + 1024 * 1024);
    expect(v.sectors).toBe((isoBytes + 1024 * 1024) / 2048);
  });

  it('refuses a truncated image', async () => {
    const cut = path.join(work.dir, 'cut.iso');
    copyFileSync(plainIso, cut);
    const full = readFileSync(plainIso).length;
    truncateSync(cut, full - 10 * 2048);
    await expect(validateImageFile(cut)).rejects.toThrow(IsoTruncatedError);
    await expect(validateImageFile(cut)).rejects.toThrow(`needs ${full} bytes, the file has ${full - 10 * 2048}`);
  });

  it.each([
    ['version', 16 * 2048 + 6, 2, /version 2/],
    ['block size', 16 * 2048 + 128, 0x02, /logical block size/],
  ])('refuses a primary volume descriptor with a bad %s', async (what, offset, value, message) => {
    const bad = path.join(work.dir, `bad-${what}.iso`);
    const bytes = Buffer.from(readFileSync(plainIso));
    bytes[offset] = value;
    writeFileSync(bad, bytes);
    await expect(validateImageFile(bad)).rejects.toThrow(IsoDescriptorError);
    await expect(validateImageFile(bad)).rejects.toThrow(message);
  });

  it('refuses a zero volume space size', async () => {
    const bad = path.join(work.dir, 'zero.iso');
    const bytes = Buffer.from(readFileSync(plainIso));
    bytes.fill(0, 16 * 2048 + 80, 16 * 2048 + 88);
    writeFileSync(bad, bytes);
    await expect(validateImageFile(bad)).rejects.toThrow(/volume space size is 0/);
  });

  it.each([
    ['random bytes', noise(100 * 1024), /neither an ISO 9660 image/],
    ['an empty file', Buffer.alloc(0), /empty/],
    ['a raw BIN', Buffer.concat([Buffer.from([0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0]), Buffer.alloc(2340)]), /BIN file/],
    ['a text file', Buffer.from('hello, this is not a cue sheet\n'), /too short/],
  ])('refuses %s as unrecognised, with the reason', async (_what, content, message) => {
    const file = path.join(work.dir, `unrecognised-${_what.replace(/\W/g, '')}`);
    writeFileSync(file, content);
    await expect(validateImageFile(file)).rejects.toThrow(UnrecognisedImageError);
    await expect(validateImageFile(file)).rejects.toThrow(message);
  });
});
