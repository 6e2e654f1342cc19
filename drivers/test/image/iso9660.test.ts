/**
 * The image reader on ISO 9660 images made with genisoimage: the volume
 * descriptor set (primary, Joliet), Rock Ridge, El Torito, UDF (recognition
 * sequence and anchor), and the refusals of a truncated or insane volume.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageReadError } from '../../src/image/image-read-error.js';
import type { IsoImageInfo } from '../../src/image/image-reader.js';
import { readImage, sniffImageFormat } from '../../src/image/image-reader.js';
import { declaredIsoBytes } from '../../src/image/iso9660.js';
import { makeIso, makeTempDir } from '../support/test-images.js';

let work: ReturnType<typeof makeTempDir>;
let jolietRr: string;
beforeAll(() => {
  work = makeTempDir('reader-iso-');
  jolietRr = makeIso(work.dir, { name: 'jr.iso', payloadBytes: 64 * 1024, label: 'JOLIET_RR' });
});
afterAll(() => work.cleanup());

/** genisoimage over a folder of `files`, with `args`. */
function genisoimage(name: string, files: Record<string, Buffer | string>, args: string[]): string {
  const content = path.join(work.dir, `${name}.content`);
  mkdirSync(content, { recursive: true });
  for (const [file, data] of Object.entries(files)) writeFileSync(path.join(content, file), data);
  const out = path.join(work.dir, name);
  const run = spawnSync('genisoimage', ['-quiet', ...args, '-o', out, content], { encoding: 'utf8' });
  rmSync(content, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`genisoimage failed: ${run.stderr || run.error?.message}`);
  return out;
}

async function readIso(file: string): Promise<IsoImageInfo> {
  const info = await readImage(file);
  if (info.format !== 'iso') throw new Error('expected an ISO');
  return info;
}

async function refusal(file: string): Promise<ImageReadError> {
  const err: unknown = await readImage(file).catch((e: unknown) => e);
  if (!(err instanceof ImageReadError)) throw new Error(`expected an ImageReadError, got ${String(err)}`);
  return err;
}

/** A copy of `from` with `edit` applied to its bytes. */
function edited(from: string, name: string, edit: (bytes: Buffer) => void): string {
  const bytes = Buffer.from(readFileSync(from));
  edit(bytes);
  const file = path.join(work.dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('image reader: ISO 9660', () => {
  it('reads Joliet (UCS-2 escape, level 3) and Rock Ridge (SUSP/RRIP in the root record) of a -J -R image, and sizes it', async () => {
    const info = await readIso(jolietRr);
    expect(await sniffImageFormat(jolietRr)).toBe('iso');
    expect(info.iso).toMatchObject({ volumeLabel: 'JOLIET_RR', joliet: true, jolietLevel: 3, rockRidge: true, udf: false });
    const size = readFileSync(jolietRr).length;
    expect(info).toMatchObject({ sizeBytes: size, sectors: size / 2048, shape: { format: 'iso', sizeBytes: size } });
    expect(info.iso.volumeSectors).toBe(size / 2048);
    expect(info.tracks).toEqual([expect.objectContaining({ number: 1, mode: 'MODE1/2048', frames: size / 2048 })]);
    expect(declaredIsoBytes(readFileSync(jolietRr).subarray(0, 17 * 2048))).toBe(size);
  });

  it('finds neither Joliet nor Rock Ridge on a plain image', async () => {
    const info = await readIso(genisoimage('plain.iso', { 'A.TXT': 'a\n' }, ['-V', 'PLAIN']));
    expect(info.iso).toMatchObject({ joliet: false, rockRidge: false, udf: false, volumeLabel: 'PLAIN' });
  });

  it('finds UDF: NSR02 in the recognition sequence and an anchor at sector 256', async () => {
    const udf = genisoimage('udf.iso', { 'a.txt': 'udf\n' }, ['-udf', '-V', 'UDFTEST']);
    expect((await readIso(udf)).iso).toMatchObject({ udf: true, udfRevision: 'NSR02', volumeLabel: 'UDFTEST' });
    // The same recognition sequence without a valid anchor is no UDF volume.
    const noAnchor = edited(udf, 'udf-no-anchor.iso', (b) => b.fill(0, 256 * 2048, 256 * 2048 + 16));
    expect((await readIso(noAnchor)).iso).toMatchObject({ udf: false });
    expect((await readIso(noAnchor)).iso.udfRevision).toBeUndefined();
    const badChecksum = edited(udf, 'udf-bad-tag.iso', (b) => (b[256 * 2048 + 4] = ((b[256 * 2048 + 4] ?? 0) + 1) & 0xff));
    expect((await readIso(badChecksum)).iso.udf).toBe(false);
  });

  it('reads an El Torito boot record and its catalog (no emulation)', async () => {
    const boot = genisoimage('boot.iso', { 'boot.img': Buffer.alloc(2048, 0x90) }, ['-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', '-V', 'BOOTME']);
    const { iso } = await readIso(boot);
    expect(iso.elTorito).toMatchObject({ bootable: true, emulation: 'no-emulation', platformId: 0 });
    expect(iso.elTorito?.catalogSector).toBeGreaterThan(16);
  });

  it('sizes a hybrid image longer than its volume by the file', async () => {
    const hybrid = path.join(work.dir, 'hybrid.img');
    copyFileSync(jolietRr, hybrid);
    const isoBytes = readFileSync(jolietRr).length;
    writeFileSync(hybrid, Buffer.alloc(1024 * 1024, 7), { flag: 'a' });
    const info = await readIso(hybrid);
    expect(info.iso.volumeSectors).toBe(isoBytes / 2048);
    expect(info.sizeBytes).toBe(isoBytes + 1024 * 1024);
  });

  it('refuses a truncated image (volume space size larger than the file) with both sizes', async () => {
    const cut = path.join(work.dir, 'cut.iso');
    copyFileSync(jolietRr, cut);
    const full = readFileSync(jolietRr).length;
    truncateSync(cut, full - 10 * 2048);
    const err = await refusal(cut);
    expect(err.problem).toEqual({ kind: 'iso-truncated', expectedBytes: full, actualBytes: full - 10 * 2048 });
    expect(err.message).toBe(`image is truncated: its ISO 9660 volume needs ${full} bytes, the file has ${full - 10 * 2048}`);
    expect(err.code).toBe('IMAGE_ERROR');
    expect(err.toJSON()).toMatchObject({ code: 'IMAGE_ERROR', problem: { kind: 'iso-truncated' } });
  });

  it.each([
    ['version', (b: Buffer) => (b[16 * 2048 + 6] = 2), /version 2, expected 1/],
    ['block size', (b: Buffer) => (b[16 * 2048 + 128] = 2), /logical block size/],
    ['zero volume size', (b: Buffer) => b.fill(0, 16 * 2048 + 80, 16 * 2048 + 88), /volume space size is 0/],
    ['byte orders differing', (b: Buffer) => b.writeUInt32BE(99, 16 * 2048 + 84), /differs between byte orders/],
  ])('refuses a primary volume descriptor with a bad %s', async (what, edit, message) => {
    const err = await refusal(edited(jolietRr, `bad-${what.replace(/\W/g, '')}.iso`, edit));
    expect(err.problem.kind).toBe('iso-descriptor');
    expect(err.message).toMatch(message);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), /the file is empty/],
    ['noise', Buffer.alloc(100 * 1024, 0x41), /neither an ISO 9660 image \(no CD001 volume descriptor at sector 16\) nor a CUE sheet/],
    ['a raw BIN', Buffer.concat([Buffer.from([0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0]), Buffer.alloc(2340)]), /a BIN file/],
  ])('refuses %s as unrecognised, saying why', async (what, bytes, message) => {
    const file = path.join(work.dir, `unrecognised-${what.replace(/\W/g, '')}`);
    writeFileSync(file, bytes);
    const err = await refusal(file);
    expect(err.problem.kind).toBe('unrecognised');
    expect(err.message).toMatch(message);
  });

  it('refuses an image of the wrong format when one is expected', async () => {
    const err: unknown = await readImage(jolietRr, { expectFormat: 'cue' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('expected a CUE sheet, found an ISO 9660 image');
  });
});
