/**
 * Images built from a folder with the real tools (xorriso, genisoimage),
 * read back with xorriso: names (unicode, long, Joliet and Rock Ridge),
 * sizes and dates intact, a boot image, a file over 4 GiB stored as several
 * extents (a sparse source file), the UDF bridge and its refusal of such a
 * file, capacity refused before anything is written, and a folder changed
 * during the build refused with nothing left in the library.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import {
  BuildFolderError, BuildOptionsError, BuildTooLargeForMediaError, FolderChangedError, FolderImageBuilder, ImageLibrary,
} from '../../src/library/index.js';

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
let builder: FolderImageBuilder;

const UNICODE = 'Ünïcödé – 日本語 файл.txt';
const LONG = `${'a-long-name-'.repeat(10)}end.txt`;
const DATE = new Date('2001-02-03T04:05:06Z');

beforeAll(async () => {
  tmp = makeTempDir('tower-build-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(root);
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root] });
  builder = new FolderImageBuilder(library);
});
afterAll(() => tmp?.cleanup());

function folder(name: string, files: Record<string, string | number>): string {
  const dir = path.join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === 'number') {
      writeFileSync(file, '');
      truncateSync(file, content);
    } else {
      writeFileSync(file, content);
    }
    utimesSync(file, DATE, DATE);
  }
  return dir;
}

function xorriso(args: string[]): string {
  return execFileSync('xorriso', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Paths in an image, as Rock Ridge (default) or Joliet shows them. */
function pathsIn(iso: string, joliet = false): string[] {
  const out = xorriso([...(joliet ? ['-read_fs', 'norock'] : []), '-indev', iso, '-find', '/', '-type', 'f']);
  return out.split('\n').filter((l) => l.startsWith("'")).map((l) => l.slice(1, -1));
}

/** Extents of each file: path → [sectors of each extent]. */
function extents(iso: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const line of xorriso(['-indev', iso, '-find', '/', '-exec', 'report_lba']).split('\n')) {
    const m = /^File data lba:\s*\d+\s*,\s*\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*'(.*)'$/.exec(line);
    if (m) found.set(m[2] ?? '', [...(found.get(m[2] ?? '') ?? []), Number(m[1])]);
  }
  return found;
}

function libraryLeftovers(): string[] {
  return readdirSync(library.dir).filter((f) => f.startsWith('.tmp-'));
}

describe('building an image from a folder', () => {
  it('keeps unicode and long names (Rock Ridge whole, Joliet up to 103), sizes and dates', { timeout: 60_000 }, async () => {
    const dir = folder('odd-names', { [UNICODE]: 'héllo wörld\n', [`sub/${LONG}`]: 'x'.repeat(5000), 'sub/empty.bin': '' });
    const seen: number[] = [];
    const prepared = await builder.prepare({ folder: dir, name: 'Odd names', joliet: true, rockRidge: true, media: 'cd' });
    expect(prepared.sectors).toBeGreaterThan(0);
    const record = await builder.build(prepared, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(record.provenance.kind).toBe('built');
    expect(record.filesystems).toMatchObject({ iso9660: true, joliet: true, rockRidge: true, udf: false, elTorito: false });
    expect(record.volumeLabel).toBe('ODD_NAMES');
    expect(record.sectors).toBe(prepared.sectors);
    const iso = library.imagePath(record.id);
    expect(pathsIn(iso).sort()).toEqual([`/${UNICODE}`, `/sub/${LONG}`, '/sub/empty.bin'].sort());
    const joliet = pathsIn(iso, true);
    expect(joliet).toContain(`/${UNICODE}`);
    // Joliet cuts the name short (about 103 characters), keeping its extension; Rock Ridge (above) keeps it whole.
    const cut = joliet.find((p) => p.startsWith(`/sub/${LONG.slice(0, 90)}`)) ?? '';
    expect(cut.endsWith('.txt') && cut.length < `/sub/${LONG}`.length && cut.length >= '/sub/'.length + 100).toBe(true);
    const out = path.join(tmp.dir, 'extract-odd');
    xorriso(['-osirrox', 'on', '-indev', iso, '-extract', '/', out]);
    for (const rel of [UNICODE, `sub/${LONG}`, 'sub/empty.bin']) {
      const a = statSync(path.join(dir, rel));
      const b = statSync(path.join(out, rel));
      expect(b.size).toBe(a.size);
      expect(Math.floor(b.mtimeMs / 1000)).toBe(DATE.getTime() / 1000);
    }
  });

  it('makes a bootable image with --boot (El Torito, no emulation)', { timeout: 60_000 }, async () => {
    const dir = folder('bootable', { 'isolinux/boot.img': 'B'.repeat(2048), 'readme.txt': 'boot me\n' });
    const record = await builder.build(await builder.prepare({ folder: dir, name: 'Boot', rockRidge: true, boot: 'isolinux/boot.img' }));
    expect(record.filesystems?.elTorito).toBe(true);
    const report = xorriso(['-indev', library.imagePath(record.id), '-report_el_torito', 'plain']);
    expect(report).toMatch(/El Torito img path :\s+1\s+\/isolinux\/boot\.img/);
    expect(report).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
    await expect(builder.prepare({ folder: dir, name: 'Boot', boot: '../x.img' })).rejects.toBeInstanceOf(BuildOptionsError);
    await expect(builder.prepare({ folder: dir, name: 'Boot', boot: 'missing.img' })).rejects.toThrow(/not a file in the folder/);
  });

  // A sparse 4 GiB + 1 MiB source costs no disk; the image itself is written whole (about 4.3 GB, as xorriso writes no holes).
  it('stores a file over 4 GiB whole, in several extents (ISO level 3), and refuses it with --udf', { timeout: 600_000 }, async () => {
    const big = 4 * 1024 ** 3 + 1024 ** 2;
    const dir = folder('huge', { 'huge.bin': big, 'small.txt': 'small\n' });
    await expect(builder.prepare({ folder: dir, name: 'Huge', udf: true, rockRidge: true, media: 'dvd' })).rejects.toThrow(/4 GiB or more/);
    await expect(builder.prepare({ folder: dir, name: 'Huge', rockRidge: true, media: 'cd' })).rejects.toBeInstanceOf(BuildTooLargeForMediaError);
    const record = await builder.build(await builder.prepare({ folder: dir, name: 'Huge', rockRidge: true, media: 'dvd' }));
    const iso = library.imagePath(record.id);
    const parts = extents(iso).get('/huge.bin') ?? [];
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.reduce((a, b) => a + b, 0) * 2048).toBe(big);
    expect(xorriso(['-indev', iso, '-lsl', '/huge.bin'])).toMatch(new RegExp(`\\s${big}\\s`));
    expect(record.mediaClass).toBe('dvd');
    await library.delete(record.id);
  });

  it('writes a UDF bridge with --udf (genisoimage)', { timeout: 60_000 }, async () => {
    const dir = folder('udf', { [UNICODE]: 'udf\n', 'b/c.txt': 'c\n' });
    const record = await builder.build(await builder.prepare({ folder: dir, name: 'UDF one', udf: true, joliet: true, rockRidge: true }));
    expect(record.filesystems).toMatchObject({ iso9660: true, udf: true, joliet: true, rockRidge: true });
    expect(pathsIn(library.imagePath(record.id)).sort()).toEqual([`/${UNICODE}`, '/b/c.txt'].sort());
  });

  it('refuses an image larger than the chosen media before writing anything', { timeout: 60_000 }, async () => {
    const dir = folder('too-big', { 'a.bin': 850 * 1000 ** 2 });
    const before = library.list().length;
    const err = await builder.prepare({ folder: dir, name: 'Too big', media: 'cd' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildTooLargeForMediaError);
    expect((err as Error).message).toMatch(/cd holds 405000/);
    expect(library.list().length).toBe(before);
    expect(libraryLeftovers()).toEqual([]);
  });

  it('refuses a Joliet-only image whose names Joliet would cut short', async () => {
    const dir = folder('joliet-only', { [LONG]: 'x' });
    await expect(builder.prepare({ folder: dir, name: 'J', joliet: true })).rejects.toThrow(/longer than 103/);
  });

  for (const udf of [false, true]) {
    it(`refuses a folder that changes during the build, keeping nothing (${udf ? 'genisoimage' : 'xorriso'})`, { timeout: 120_000 }, async () => {
      // Enough data for progress lines; the first one (xorriso: the tree read, genisoimage: 5000 sectors written) grows a file.
      const dir = folder(`changing-${udf}`, { 'data.bin': 64 * 1024 ** 2, 'notes.txt': 'first\n' });
      const before = library.list().length;
      let touched = 0;
      const prepared = await builder.prepare({ folder: dir, name: 'Changing', udf, rockRidge: true });
      const err = await builder.build(prepared, {
        onProgress: () => {
          if (touched++ === 0) appendFileSync(path.join(dir, 'notes.txt'), 'second\n');
        },
      }).catch((e: unknown) => e);
      expect(touched).toBeGreaterThan(0);
      expect(err).toBeInstanceOf(FolderChangedError);
      expect((err as Error).message).toMatch(/notes\.txt changed size from 6 to 13 bytes/);
      expect(library.list().length).toBe(before);
      expect(libraryLeftovers()).toEqual([]);
    });
  }

  it('refuses folders outside the roots, traversal, links escaping the roots, special files, missing folders and files', async () => {
    const outside = path.join(tmp.dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    await expect(builder.prepare({ folder: outside, name: 'x' })).rejects.toThrow(/outside the import roots/);
    await expect(builder.prepare({ folder: '../outside', name: 'x' })).rejects.toThrow(/contains '\.\.'/);
    await expect(builder.prepare({ folder: 'nope', name: 'x' })).rejects.toThrow(/no such file/);
    const linked = folder('linked', { 'ok.txt': 'ok' });
    symlinkSync(path.join(outside, 'secret.txt'), path.join(linked, 'escape'));
    await expect(builder.prepare({ folder: linked, name: 'x' })).rejects.toThrow(/link escape leads outside the import roots/);
    symlinkSync(outside, path.join(root, 'to-outside'));
    await expect(builder.prepare({ folder: 'to-outside', name: 'x' })).rejects.toThrow(/through a link/);
    const fifo = folder('fifo', { 'ok.txt': 'ok' });
    execFileSync('mkfifo', [path.join(fifo, 'pipe')]);
    await expect(builder.prepare({ folder: fifo, name: 'x' })).rejects.toThrow(/special file/);
    await expect(builder.prepare({ folder: path.join(root, 'odd-names', UNICODE), name: 'x' })).rejects.toThrow(/not a folder/);
    mkdirSync(path.join(root, 'empty'));
    await expect(builder.prepare({ folder: 'empty', name: 'x' })).rejects.toBeInstanceOf(BuildFolderError);
    await expect(builder.prepare({ folder: 'odd-names', name: ' ' })).rejects.toThrow(/name is empty/);
  });
});
