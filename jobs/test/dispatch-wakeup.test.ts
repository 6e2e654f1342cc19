/**
 * An idle drive reacts to events, not to its next poll: a blank disc inserted
 * (media-change) and new work queued (planner's `work` message) both start a
 * burn well within the poll interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { DriveWorker } from '../src/drive-worker.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';

describe('drive worker wake-up', () => {
  let env: RedisEnv;
  let tower: Tower;
  const POLL = 10_000;

  beforeAll(async () => {
    env = await startRedisEnv();
    tower = await startTower(env.server.url, 0);
  });
  afterAll(async () => {
    await tower.stop();
    await env.stop();
  });

  it('starts a queued copy as soon as a blank is inserted, and new work as soon as it is queued', async () => {
    const drive = new SimulatedDrive({ index: 0, timeScale: 0.0005, progressIntervalMs: 5 });
    tower.drives.push(drive);
    const worker = new DriveWorker({
      drive,
      agentId: 'agent-wake',
      redisUrl: env.server.url,
      pollIntervalMs: POLL,
      lockDurationMs: 5_000,
      watchMedia: (onChange) => {
        drive.on('media-change', onChange);
        return () => drive.off('media-change', onChange);
      },
    });
    const begins: number[] = [];
    worker.on('attempt-begin', () => begins.push(Date.now()));
    tower.workers.push(worker);
    await worker.start();

    // Work first, no disc: the worker sleeps its long poll.
    await tower.planner.createRun(runInput(env.image, { copies: 2 }));
    await new Promise((r) => setTimeout(r, 300));
    const inserted = Date.now();
    drive.insertDisc('CD-R');
    await waitFor(() => begins.length >= 1, 5_000, 'first attempt');
    expect(begins[0]! - inserted).toBeLessThan(1_000);

    // After the first copy, the next disc goes in the same way.
    // The worker ejects the finished disc itself.
    await waitFor(async () => (await drive.media()).status === 'none', 5_000, 'disc ejected');
    const second = Date.now();
    drive.insertDisc('CD-R');
    await waitFor(() => begins.length >= 2, 5_000, 'second attempt');
    expect(begins[1]! - second).toBeLessThan(1_000);

    // A blank waiting with no work: a new run reaches it at once.
    await waitFor(async () => (await drive.media()).status === 'none', 5_000, 'second disc ejected');
    drive.insertDisc('CD-R');
    await new Promise((r) => setTimeout(r, 300));
    const queued = Date.now();
    await tower.planner.createRun(runInput(env.image, { copies: 1 }));
    await waitFor(() => begins.length >= 3, 5_000, 'third attempt');
    expect(begins[2]! - queued).toBeLessThan(1_000);
  });
});
