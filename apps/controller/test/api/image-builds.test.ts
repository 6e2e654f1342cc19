/**
 * The controller's image builds (api/image-builds.ts) with the real builder
 * and tools: one at a time (a second start while one runs is 409
 * BUILD_BUSY, decided before anything is measured), progress kept, the end
 * reported once, and `close()` stopping a running build with nothing kept.
 */
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { ImageBuilds } from '../../src/api/image-builds.js';
import { FolderImageBuilder, ImageLibrary } from '../../src/library/index.js';
import type { ImageBuildViewBody } from '../../src/shared/image-build-schemas.js';

let tmp: { dir: string; cleanup: () => void };
let library: ImageLibrary;
let folder = '';
beforeAll(async () => {
  tmp = makeTempDir('tower-builds-');
  const root = path.join(tmp.dir, 'import');
  folder = path.join(root, 'content');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'a.txt'), 'a\n');
  writeFileSync(path.join(folder, 'data.bin'), '');
  truncateSync(path.join(folder, 'data.bin'), 64 * 1024 * 1024);
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root] });
});
afterAll(() => tmp?.cleanup());

describe('image builds', () => {
  it('runs one build at a time, keeps its progress and reports its end once', { timeout: 60_000 }, async () => {
    const ended: ImageBuildViewBody[] = [];
    let end: () => void = () => undefined;
    const over = new Promise<void>((resolve) => { end = resolve; });
    const builds = new ImageBuilds(new FolderImageBuilder(library), Date.now, async (b) => {
      ended.push(b);
      end();
    });
    const first = await builds.start({ folder, name: 'One', rockRidge: true, by: 'tester' });
    expect(first).toMatchObject({ status: 'building', name: 'One', rockRidge: true, joliet: false, media: 'bd-dl', by: 'tester' });
    await expect(builds.start({ folder, name: 'Two', by: 'tester' })).rejects.toMatchObject({ statusCode: 409, code: 'BUILD_BUSY' });
    await over;
    expect(ended).toHaveLength(1);
    const done = builds.get(first.id);
    expect(done).toMatchObject({ status: 'done', percent: 100, error: null });
    expect(library.get(done?.imageId ?? '')?.provenance.kind).toBe('built');
    expect(builds.list().map((b) => b.id)).toEqual([first.id]);
  });

  it('stops a running build on close(), keeping nothing', { timeout: 60_000 }, async () => {
    const builds = new ImageBuilds(new FolderImageBuilder(library), Date.now);
    const before = library.list().length;
    const build = await builds.start({ folder, name: 'Stopped', by: 'tester' });
    await builds.close();
    expect(builds.get(build.id)).toMatchObject({ status: 'failed', imageId: null, error: { code: 'IMAGE_BUILD_FAILED' } });
    expect(library.list().length).toBe(before);
    expect(readdirSync(library.dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });
});
