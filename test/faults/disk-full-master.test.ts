/**
 * Fault: the disk fills up while mastering. The library lives on a tiny
 * tmpfs that holds the sample image and not a second copy of it; a master
 * read of a burned pseudo disc through the API (POST /api/masters) fails
 * with INSUFFICIENT_SPACE and leaves the library exactly as it was: no
 * partial image, no temp file, no new record. The run that burned the disc
 * holds the suite's invariants. (ENOSPC in the middle of the write is
 * proved at the drivers level: drivers/test/master/master-data.test.ts.)
 * Needs root (mount); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageView, MasterView } from '../../apps/controller/src/shared/api-types.js';
import { allowCdrskinStdioAsRoot } from '../../drivers/test/support/test-images.js';
import { Cleanups, expectExactlyN, startWholeTower, waitFor } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const isRoot = process.getuid?.() === 0;

/** Every file under `dir` with its size, hidden ones included. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)}:${statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe.skipIf(!isRoot)('fault: disk full while mastering', () => {
  it('POST /api/masters on a full library volume fails INSUFFICIENT_SPACE and leaves no partial image', { timeout: 90_000 }, async () => {
    allowCdrskinStdioAsRoot();
    let libraryDir = '';
    const t = await startWholeTower(cleanups, (dir) => ({
      id: 'fault-diskfull',
      drives: [{ device: `stdio:${path.join(dir, 'disc-0.img')}`, media: 'CD-R' }],
    }), (dir) => {
      libraryDir = path.join(dir, 'small-volume');
      mkdirSync(libraryDir);
      // 7 MiB: the 4.4 MiB sample image fits, a second copy does not.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=7m', 'tmpfs', libraryDir]);
      cleanups.add(() => execFileSync('umount', ['-l', libraryDir]));
      return { library: { dir: libraryDir } };
    });
    const { api } = t;
    const [image] = await api.images();
    expect(image).toBeDefined();
    const created = await api.createRun({ imageId: image?.id, copies: 1, verify: 'all' });
    const { history } = await expectExactlyN(api, created.id, 1);
    const disc = history.find((a) => a.counted)?.driveId ?? '';

    const before = { files: listing(libraryDir), images: (await api.images()).map((i) => i.id) };
    const master = await api.post<MasterView>('/api/masters', { driveId: disc, name: 'Does not fit' });
    const done = await waitFor(async () => {
      const m = await api.get<MasterView>(`/api/masters/${master.id}`);
      return m.status === 'failed' || m.status === 'done' ? m : null;
    }, 30_000, 'the master read to end');
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('INSUFFICIENT_SPACE');
    expect(done.imageId ?? null).toBeNull();
    expect((await api.images()).map((i: ImageView) => i.id)).toEqual(before.images);
    // Nothing half-written: the library volume holds exactly what it held.
    expect(listing(libraryDir)).toEqual(before.files);
  });
});
