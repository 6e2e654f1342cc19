/**
 * A merged run's master staged by the agent (issue 14 with issue 15): a
 * master the library stores compressed, or a plain one when the agent stages
 * plain images, is staged once into the agent's image staging cache, and the
 * discs' images are built (ahead, too) from the staged copy. Real Redis,
 * BullMQ, zstd and xorriso on simulated drives.
 */
import { copyFileSync, existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CopyQueuePeek } from '../src/copy-queue-peek.js';
import { ImageStagingCache } from '../src/index.js';
import { MergeStaging } from '../src/merge-staging.js';
import { storedIso } from './support/stored-images.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

let env: RedisEnv;
let tower: Tower | null = null;
let staging: MergeStaging | null = null;
let peek: CopyQueuePeek | null = null;
let n = 0;

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(tower?.errors ?? []).toEqual([]);
  await staging?.close();
  await peek?.close();
  await tower?.stop({ cancelInFlight: true });
  tower = null;
  staging = null;
  peek = null;
});

/** Two drives sharing an image staging cache and a merge staging that builds ahead from the staged masters. */
async function startTowerStagingMasters(plainImages: 'direct' | 'stage'): Promise<{ tower: Tower; cache: ImageStagingCache; merge: MergeStaging; errors: Error[] }> {
  n++;
  const errors: Error[] = [];
  const cache = new ImageStagingCache({ dir: path.join(env.dir, `images-${n}`), maxBytes: 50 * 1024 * 1024, plainImages });
  const merge = new MergeStaging({
    dir: path.join(env.dir, `merged-${n}`), window: 2, sweepMs: 300,
    upcoming: (cls, count) => peek!.upcoming(cls, count),
    onError: (e) => errors.push(e),
    masters: cache,
  });
  await merge.start();
  staging = merge;
  tower = await startTower(env.server.url, 2, { drive: { timeScale: 0.01 }, worker: { mergeStaging: merge, imageStaging: cache } });
  peek = new CopyQueuePeek(tower.connections!);
  return { tower, cache, merge, errors };
}

async function expectEverySerialOnce(t: Tower, runId: string, copies: number): Promise<void> {
  await waitFor(async () => (await t.planner.store.getRun(runId))?.status === 'completed', 60_000, 'the run completed');
  const counted = (await t.planner.store.listAttempts(runId)).filter((a) => a.counted === true);
  expect(counted.map((a) => a.merge?.label).sort()).toEqual(Array.from({ length: copies }, (_, i) => `serial ${String(i + 1).padStart(3, '0')}`));
  expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === a.imageSha256)).toBe(true);
  expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(copies);
}

describe('a merged run whose master the agent stages', () => {
  it('stages a compressed master once and builds the discs\' images from it, ahead of the drives too', async () => {
    const { tower: t, cache, merge, errors } = await startTowerStagingMasters('direct');
    const master = storedIso(env.dir, 'merged-master.iso', 256 * 1024);
    expect(existsSync(master.path)).toBe(false);
    const run = await t.planner.createRun({ ...runInput(env.image, { copies: 6, merge: { serials: { first: 1, pad: 3 } } }), image: master });
    await expectEverySerialOnce(t, run.id, 6);
    expect(cache.stagings).toBe(1);
    // Before, a compressed master was never built ahead: each drive decompressed and built its own disc just in time.
    expect(merge.counts.builtAhead).toBeGreaterThanOrEqual(1);
    expect(merge.counts.takenReady + merge.counts.takenBuilding).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await waitFor(() => readdirSync(merge.dir).length === 0, 5000, 'the merged images removed');
  });

  it('copies a plain master once when plain images are staged, and goes on from the copy once the library file is gone', async () => {
    const { tower: t, cache, merge, errors } = await startTowerStagingMasters('stage');
    const libraryFile = path.join(env.dir, `library-master-${n}.iso`);
    copyFileSync(env.image.path, libraryFile);
    const run = await t.planner.createRun(runInput({ ...env.image, path: libraryFile }, { copies: 6, merge: { serials: { first: 1, pad: 3 } } }));
    await waitFor(() => cache.stagings === 1 && cache.held().length === 1, 20_000, 'the master staged');
    // The slow library volume goes away: every disc still to build comes from the staged copy.
    renameSync(libraryFile, `${libraryFile}.gone`);
    await expectEverySerialOnce(t, run.id, 6);
    expect(cache.stagings).toBe(1);
    expect(merge.counts.builtAhead).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
  });
});
