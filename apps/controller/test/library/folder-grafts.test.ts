/**
 * Images built from several sources (a JRQ job's `Data=` lines): graft
 * points escaped, each source checked inside the import roots (a link out,
 * a path outside, the library's folder refused), two sources at one place
 * refused before anything is written, a source changed during the build
 * refused with nothing kept, and the image read back with xorriso.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { graftPoint, imageToolCommand } from '../../src/library/folder-image-tool.js';
import { BuildFolderError, BuildOptionsError, FolderChangedError, FolderImageBuilder, ImageLibrary } from '../../src/library/index.js';

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
let builder: FolderImageBuilder;

beforeAll(async () => {
  tmp = makeTempDir('tower-grafts-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(path.join(root, 'site', 'css'), { recursive: true });
  writeFileSync(path.join(root, 'site', 'index.html'), '<html></html>');
  writeFileSync(path.join(root, 'site', 'css', 'a.css'), 'a{}');
  writeFileSync(path.join(root, 'note=1.txt'), 'note');
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root] });
  builder = new FolderImageBuilder(library);
});
afterAll(() => tmp?.cleanup());

const opts = { joliet: true, rockRidge: true, udf: false, volumeId: 'V' };

describe('images built from several sources', () => {
  it('escapes graft points and passes them after -graft-points', () => {
    expect(graftPoint({ real: '/in/a=b\\c', discPath: 'X/Y=Z' })).toBe('/X/Y\\=Z=/in/a\\=b\\\\c');
    expect(graftPoint({ real: '/in/site', discPath: '' })).toBe('/=/in/site');
    expect(imageToolCommand([{ real: '/in/site', discPath: '' }], null, opts).args.slice(-2)).toEqual(['-graft-points', '/=/in/site']);
    const udf = imageToolCommand([{ real: '/in/site', discPath: '' }], '/o.iso', { ...opts, udf: true });
    expect(udf.program).toBe('genisoimage');
    expect(udf.args.slice(-2)).toEqual(['-graft-points', '/=/in/site']);
    expect(udf.args).not.toContain('--');
  });

  it('puts folders\' contents and files where the lines say, read back by xorriso', async () => {
    const prepared = await builder.prepare({
      folder: 'site', name: 'Grafted', joliet: true, rockRidge: true, media: 'cd',
      sources: [{ path: 'site', discPath: '' }, { path: 'note=1.txt', discPath: '' }, { path: 'site/css', discPath: 'Style/Sheets' }, { path: 'note=1.txt', discPath: 'Docs/NOTE.TXT' }],
    });
    const image = await builder.build(prepared);
    const listed = execFileSync('xorriso', ['-indev', path.join(library.dir, image.imageFile), '-find', '/', '-type', 'f'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(listed.trim().split('\n').map((l) => l.replace(/^'|'$/g, '')).sort()).toEqual(['/Docs/NOTE.TXT', '/Style/Sheets/a.css', '/css/a.css', '/index.html', '/note=1.txt']);
    expect(image.provenance).toMatchObject({ kind: 'built', folder: [path.join(root, 'site'), path.join(root, 'note=1.txt'), path.join(root, 'site', 'css'), path.join(root, 'note=1.txt')].join(', ') });
  });

  it('refuses two sources at one place, a source outside the roots or leading out, the library, a boot image', async () => {
    const before = readdirSync(library.dir).sort();
    const prep = (sources: { path: string; discPath: string }[], extra: object = {}) => builder.prepare({ folder: 'x', name: 'Bad', sources, ...extra });
    await expect(prep([{ path: 'site', discPath: '' }, { path: 'site/index.html', discPath: '' }])).rejects.toThrow(/two sources put something at \/index\.html/);
    await expect(prep([{ path: 'note=1.txt', discPath: 'css' }, { path: 'site', discPath: '' }])).rejects.toThrow(BuildOptionsError);
    await expect(prep([{ path: '/etc/hostname', discPath: '' }])).rejects.toThrow(BuildFolderError);
    await expect(prep([{ path: '../library', discPath: '' }])).rejects.toThrow(BuildFolderError);
    mkdirSync(path.join(root, 'linked'));
    symlinkSync('/etc', path.join(root, 'linked', 'etc'));
    await expect(prep([{ path: 'linked', discPath: 'L' }])).rejects.toThrow(/the link etc leads outside the import roots/);
    await expect(prep([{ path: 'site', discPath: '' }], { boot: 'index.html' })).rejects.toThrow(/--boot goes only with one folder/);
    expect(readdirSync(library.dir).sort()).toEqual(before);
  });

  it('refuses a source changed during the build, keeping nothing', async () => {
    const prepared = await builder.prepare({ folder: 'site', name: 'Changing', sources: [{ path: 'site', discPath: 'S' }, { path: 'note=1.txt', discPath: '' }] });
    writeFileSync(path.join(root, 'note=1.txt'), 'a longer note');
    const before = library.list().length;
    await expect(builder.build(prepared)).rejects.toThrow(FolderChangedError);
    expect(library.list()).toHaveLength(before);
  });
});
