/**
 * `library.keepOriginals` in tower.json: off by default, taken from the
 * file, anything but a boolean refused naming its field; the library opened
 * with it keeps a converted image's original unless the import says not to.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/config.js';
import { ImageLibrary } from '../../src/library/index.js';
import { makeIso, makeTempDir } from '../../../../drivers/test/support/test-images.js';

const resolve = (file: unknown): ReturnType<typeof resolveConfig> =>
  resolveConfig(parseConfigText(JSON.stringify(file)), { env: {}, cwd: '/tmp', filePath: '/etc/tower/tower.json' });
const work = makeTempDir('tower-keep-originals-');
afterAll(() => work.cleanup());

describe('library.keepOriginals', () => {
  it('is off by default and read from the file', () => {
    expect(resolve({}).library.keepOriginals).toBe(false);
    expect(resolve({ library: { keepOriginals: true } }).library.keepOriginals).toBe(true);
  });

  it.each([[{ library: { keepOriginals: 'yes' } }], [{ library: { keepOriginals: 1 } }]])('refuses %j naming the field', (file) => {
    let caught: unknown;
    try {
      resolve(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toMatch(/library\.keepOriginals/);
  });

  it('the library opened with it keeps the original of a converted image, unless the import says not to', async () => {
    const roots = path.join(work.dir, 'in');
    mkdirSync(roots);
    const gz = spawnSync('gzip', ['-c'], { input: readFileSync(makeIso(work.dir, { name: 'k.iso', payloadBytes: 32 * 1024, label: 'KEEP' })) }).stdout;
    writeFileSync(path.join(roots, 'k.iso.gz'), gz);
    const config = resolve({ library: { keepOriginals: true } });
    const library = await ImageLibrary.open({ dir: path.join(work.dir, 'lib'), importRoots: [roots], keepOriginals: config.library.keepOriginals ?? false });
    const kept = await library.importFromPath(path.join(roots, 'k.iso.gz'));
    expect(kept.files.filter((f) => f.role === 'source').map((f) => f.path)).toEqual([`${kept.id}.iso.gz`]);
    const notKept = await library.importFromPath(path.join(roots, 'k.iso.gz'), { keepOriginal: false });
    expect(notKept.files.filter((f) => f.role === 'source')).toEqual([]);
  });
});
