/**
 * A merged disc's image (issue 15): the master plus the disc's own files,
 * built with the real xorriso. The master's volume label, file dates, Rock
 * Ridge, Joliet and El Torito boot record come through; the disc's file is
 * there with its text; a path that would leave the disc's root is refused.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMergedIso, ImageError, isSafeDiscPath, readImage } from '../../src/index.js';
import { makeTempDir } from '../support/test-images.js';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

function tool(program: string, args: string[]): string {
  const r = spawnSync(program, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A bootable master: Joliet, Rock Ridge, an El Torito no-emulation boot image, a file dated 2020. */
function makeMaster(dir: string): string {
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'docs'), { recursive: true });
  mkdirSync(path.join(src, 'boot'), { recursive: true });
  writeFileSync(path.join(src, 'docs', 'Read me first.txt'), 'hello\n');
  utimesSync(path.join(src, 'docs', 'Read me first.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  writeFileSync(path.join(src, 'boot', 'boot.img'), Buffer.alloc(2048, 0xeb));
  const iso = path.join(dir, 'master.iso');
  tool('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'PRODUCT_X', '-J', '-R', '-b', 'boot/boot.img', '-no-emul-boot', '-o', iso, src]);
  return iso;
}

/** A file's content as read from an image by xorriso. */
function extract(iso: string, discPath: string, dir: string): string {
  const out = path.join(dir, `extract-${createHash('sha1').update(iso + discPath).digest('hex')}`);
  tool('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', discPath, out]);
  return readFileSync(out, 'utf8');
}

describe('buildMergedIso', () => {
  it('adds the disc\'s file and keeps the master\'s label, dates, Joliet, Rock Ridge and boot record', async () => {
    const tmp = makeTempDir('merged-iso-');
    cleanup = tmp.cleanup;
    const master = makeMaster(tmp.dir);
    const built = await buildMergedIso({
      master,
      out: path.join(tmp.dir, 'staging', 'disc-1.iso'),
      files: [{ discPath: '/SERIAL.TXT', text: '01001\n' }, { discPath: '/recipient/NAME.TXT', text: 'Ada Lovelace\n' }],
    });
    expect(built.sha256).toBe(createHash('sha256').update(readFileSync(built.path)).digest('hex'));
    expect(built.sizeBytes).toBe(readFileSync(built.path).length);
    expect(built.sectors).toBe(built.sizeBytes / 2048);

    expect(extract(built.path, '/SERIAL.TXT', tmp.dir)).toBe('01001\n');
    expect(extract(built.path, '/recipient/NAME.TXT', tmp.dir)).toBe('Ada Lovelace\n');
    expect(extract(built.path, '/docs/Read me first.txt', tmp.dir)).toBe('hello\n');

    const info = await readImage(built.path);
    if (info.format !== 'iso') throw new Error('not an ISO');
    expect(info.iso.volumeLabel).toBe('PRODUCT_X');
    expect(info.iso.rockRidge).toBe(true);
    expect(info.iso.joliet).toBe(true);
    expect(info.iso.elTorito).toBeDefined();
    const listing = tool('xorriso', ['-indev', built.path, '-lsl', '/docs']);
    expect(listing).toMatch(/Jan\s+2\s+2020 'Read me first\.txt'/);
    const isoinfo = tool('isoinfo', ['-d', '-i', built.path]);
    expect(isoinfo).toMatch(/Rock Ridge signatures version 1 found/);
    expect(isoinfo).toMatch(/Joliet with UCS level 3 found/);
    expect(isoinfo).toMatch(/El Torito VD version 1 found/);

    // Two discs of one master differ only by their own files.
    const other = await buildMergedIso({ master, out: path.join(tmp.dir, 'staging', 'disc-2.iso'), files: [{ discPath: '/SERIAL.TXT', text: '01002\n' }] });
    expect(other.sha256).not.toBe(built.sha256);
    expect(extract(other.path, '/SERIAL.TXT', tmp.dir)).toBe('01002\n');
  });

  it('adds files copied from local files beside text, refusing links, folders, relative and doubled paths', async () => {
    const tmp = makeTempDir('merged-iso-');
    cleanup = tmp.cleanup;
    const master = makeMaster(tmp.dir);
    const pdf = path.join(tmp.dir, 'letter.pdf');
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 256));
    writeFileSync(pdf, bytes);
    const built = await buildMergedIso({
      master,
      out: path.join(tmp.dir, 'staging', 'disc-1.iso'),
      files: [{ discPath: '/RECIPIENT/NAME.TXT', text: 'Ada\n' }],
      sources: [{ discPath: '/RECIPIENT/letter.pdf', source: pdf }],
    });
    const back = path.join(tmp.dir, 'letter-back.pdf');
    tool('xorriso', ['-osirrox', 'on', '-indev', built.path, '-extract', '/RECIPIENT/letter.pdf', back]);
    expect(readFileSync(back).equals(bytes)).toBe(true);
    expect(extract(built.path, '/RECIPIENT/NAME.TXT', tmp.dir)).toBe('Ada\n');

    const link = path.join(tmp.dir, 'link.pdf');
    symlinkSync(pdf, link);
    const bad = path.join(tmp.dir, 'staging', 'bad.iso');
    const refused = (sources: { discPath: string; source: string }[], files: { discPath: string; text: string }[] = []): Promise<unknown> =>
      buildMergedIso({ master, out: bad, files, sources });
    await expect(refused([{ discPath: '/a.pdf', source: link }])).rejects.toThrow(/not a regular file/);
    await expect(refused([{ discPath: '/a.pdf', source: tmp.dir }])).rejects.toThrow(/not a regular file/);
    await expect(refused([{ discPath: '/a.pdf', source: 'letter.pdf' }])).rejects.toThrow(/not an absolute local path/);
    await expect(refused([{ discPath: '/a.pdf', source: path.join(tmp.dir, 'missing.pdf') }])).rejects.toThrow(/cannot be read/);
    await expect(refused([{ discPath: '/a.pdf', source: pdf }], [{ discPath: '/a.pdf', text: 'x' }])).rejects.toThrow(/given twice/);
    await expect(refused([{ discPath: '/../a.pdf', source: pdf }])).rejects.toBeInstanceOf(ImageError);
    expect(spawnSync('ls', ['-A', path.join(tmp.dir, 'staging')], { encoding: 'utf8' }).stdout.trim().split('\n')).toEqual(['disc-1.iso']);
  });

  it('refuses a path off the disc\'s root and leaves nothing behind', async () => {
    const tmp = makeTempDir('merged-iso-');
    cleanup = tmp.cleanup;
    const master = makeMaster(tmp.dir);
    for (const bad of ['SERIAL.TXT', '/../etc/passwd', '/a//b', '/a/./b', '/tab\there']) expect(isSafeDiscPath(bad)).toBe(false);
    const out = path.join(tmp.dir, 'staging', 'bad.iso');
    await expect(buildMergedIso({ master, out, files: [{ discPath: '/../x', text: 'x' }] })).rejects.toBeInstanceOf(ImageError);
    await expect(buildMergedIso({ master: path.join(tmp.dir, 'missing.iso'), out, files: [] })).rejects.toThrow();
    expect(spawnSync('ls', ['-A', path.join(tmp.dir, 'staging')], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });
});
