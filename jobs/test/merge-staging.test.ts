/**
 * The agent's staging area for merged discs (issue 15): images built ahead
 * of the drives from the head of the copy queue, taken by the drive that
 * fetches their slot, each slot's image built once, images nobody will take
 * swept away, and what a crashed agent left removed on start. Real Redis,
 * real BullMQ queues, real xorriso builds on simulated drives.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimulatedDriveOptions } from 'node-cdrecord-wrapper';
import { CopyQueuePeek } from '../src/copy-queue-peek.js';
import { MergeStaging } from '../src/merge-staging.js';
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

/** Drives sharing one staging area that builds `window` ahead from their queue. */
async function startStagedTower(drives: number, window: number, drive: Partial<SimulatedDriveOptions> = {}): Promise<{ tower: Tower; staging: MergeStaging; errors: Error[] }> {
  const errors: Error[] = [];
  const s = new MergeStaging({
    dir: path.join(env.dir, `staging-${++n}`), window, sweepMs: 300,
    upcoming: (cls, count) => peek!.upcoming(cls, count),
    onError: (e) => errors.push(e),
  });
  await s.start();
  staging = s;
  const t = await startTower(env.server.url, drives, { drive, worker: { mergeStaging: s } });
  tower = t;
  peek = new CopyQueuePeek(t.connections!);
  return { tower: t, staging: s, errors };
}

describe('merged discs built ahead in the agent\'s staging area', () => {
  it('drives take images built ahead; each slot\'s image is built once; every serial on one counted disc', async () => {
    const { tower: t, staging: s, errors } = await startStagedTower(2, 2, { timeScale: 0.01 });
    const run = await t.planner.createRun(runInput(env.image, { copies: 10, merge: { serials: { first: 1, pad: 3 } } }));
    await waitFor(async () => (await t.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');

    const attempts = await t.planner.store.listAttempts(run.id);
    expect(attempts).toHaveLength(10);
    expect(attempts.filter((a) => a.counted === true).map((a) => a.merge?.label).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `serial ${String(i + 1).padStart(3, '0')}`),
    );
    for (const a of attempts) expect(a.merge?.row).toBe(a.copy);
    expect(attempts.every((a) => a.verifyResult === 'passed' && a.discSha256 === a.imageSha256)).toBe(true);
    const c = s.counts;
    // Drives found images built ahead of them, and no slot's image was built twice.
    expect(c.takenReady + c.takenBuilding).toBeGreaterThanOrEqual(1);
    expect(c.takenReady + c.takenBuilding + c.builtByDrive).toBe(10);
    expect(c.builtAhead + c.builtByDrive).toBeGreaterThanOrEqual(10);
    expect(c.builtAhead + c.builtByDrive).toBeLessThanOrEqual(10 + c.swept);
    expect(errors).toEqual([]);
    // Every image was taken and removed by its drive once its disc was done.
    await waitFor(() => readdirSync(s.dir).length === 0, 5000, 'the staging folder empty');
  });

  it('removes the images built ahead of a run that is cancelled', async () => {
    // One slow drive: the images of the slots after its own wait, built, in the staging folder.
    const { tower: t, staging: s } = await startStagedTower(1, 3, { timeScale: 0.05 });
    const run = await t.planner.createRun(runInput(env.image, { copies: 6, merge: { serials: { first: 100 } } }));
    await waitFor(() => s.ready().length >= 2, 20_000, 'images built ahead');
    expect(s.ready().every((k) => k.startsWith(`${run.id}/`))).toBe(true);
    expect(await t.planner.cancelRun(run.id)).toBe(true);
    await waitFor(() => s.ready().length === 0 && readdirSync(s.dir).length === 0, 10_000, 'the staging folder empty');
    expect(s.counts.swept).toBeGreaterThanOrEqual(2);
  });

  it('removes on start what a crashed agent left, and nothing else', async () => {
    const dir = path.join(env.dir, 'staging-crashed');
    mkdirSync(path.join(dir, '.merge-abc123'), { recursive: true });
    writeFileSync(path.join(dir, '.merge-abc123', 'file-0'), 'x');
    writeFileSync(path.join(dir, 'run-1-copy3-0a1b2c3d.iso'), 'half an image');
    writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    const s = new MergeStaging({ dir, window: 2 });
    await s.start();
    await s.close();
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});
