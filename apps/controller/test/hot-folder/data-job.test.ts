/**
 * A `Data=` job's build (hot-folder/data-job.ts) with the real xorriso: its
 * progress starts at 0 % with the tool's size estimate and the image lands
 * in the library; the status the hot folder writes meanwhile says
 * `building` with that progress, counts at 0 and not final.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { buildDataImage } from '../../src/hot-folder/data-job.js';
import { buildingStatus, statusPath, writeJobStatus } from '../../src/hot-folder/job-status.js';
import { ImageLibrary } from '../../src/library/index.js';

let tmp: { dir: string; cleanup: () => void };
let root = '';
let library: ImageLibrary;
beforeAll(async () => {
  tmp = makeTempDir('tower-data-job-');
  root = path.join(tmp.dir, 'import');
  mkdirSync(path.join(root, 'files'), { recursive: true });
  writeFileSync(path.join(root, 'files', 'a.bin'), Buffer.alloc(2 * 1024 * 1024, 7));
  library = await ImageLibrary.open({ dir: path.join(tmp.dir, 'library'), importRoots: [root] });
});
afterAll(() => tmp?.cleanup());

describe('a Data= job\'s build', () => {
  it('reports progress from 0 % with the size estimate, and adds the image to the library', async () => {
    const progress: [number, number][] = [];
    const image = await buildDataImage(library, { sources: [{ source: 'files', discPath: '' }], volumeName: 'Data Job', by: 'hot-folder' }, (p, bytes) => progress.push([p, bytes]));
    expect(progress[0]?.[0]).toBe(0);
    const estimate = progress[0]?.[1] ?? 0;
    expect(estimate).toBeGreaterThan(2 * 1024 * 1024);
    expect(progress.every(([p, b], i) => b === estimate && p >= (progress[i - 1]?.[0] ?? 0) && p <= 100)).toBe(true);
    expect(image.sizeBytes).toBe(estimate);
    expect(library.get(image.id)).toMatchObject({ name: 'Data Job', volumeLabel: 'DATA_JOB', provenance: { kind: 'built', by: 'hot-folder' } });
  });

  it('writes a building status: state, progress, no counts, not final', async () => {
    const dir = path.join(tmp.dir, 'hot');
    mkdirSync(dir);
    await writeJobStatus(dir, buildingStatus('job.jrq', 'run-1', 3, ['a note'], { percent: 40, estimatedBytes: 4096 }, Date.UTC(2026, 11, 4)));
    expect(JSON.parse(readFileSync(statusPath(dir, 'job.jrq'), 'utf8'))).toEqual({
      job: 'job.jrq', runId: 'run-1', state: 'building', final: false, build: { percent: 40, estimatedBytes: 4096 }, copies: 3, passed: 0, failed: 0,
      inProgress: 0, remaining: 3, surplus: 0, cancelled: 0, interrupted: 0, statusReason: null, errors: [], notes: ['a note'], updatedAt: '2026-12-04T00:00:00.000Z',
    });
  });
});
