/**
 * Copies offered to drives that cannot take them never count against those
 * drives (issue 13 point 3). An audio CUE run on a tower with a drive that
 * burns MODE1/2048 only (as a `stdio:` pseudo drive does) and one that burns
 * every mode:
 *
 * - the job says its track modes: the unsuitable drive never attempts a
 *   copy, it passes each one on, and the suitable drive burns exactly N;
 * - the job does not say them (the unsuitable drive finds out at the burn):
 *   its one refused attempt (WRONG_MEDIA, nothing written) is neither a
 *   drive fault (quarantine after 1 fault is armed) nor its failed disc, the
 *   copy is not failed (its BullMQ attempts untouched) and never goes back
 *   to that drive.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import type { SimulatedDriveOptions } from 'node-cdrecord-wrapper';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentConnections } from '../src/agent-connections.js';
import { getDriveFaults, getQuarantine } from '../src/drive-quarantine.js';
import { DriveWorker } from '../src/drive-worker.js';
import { RunPlanner } from '../src/run-planner.js';
import type { AttemptRecord, RunRecord } from '../src/run-records.js';
import type { CreateRunInput } from '../src/run-request.js';
import { startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

/** The drive that burns MODE1/2048 CUE tracks only, and the one that burns every mode. */
const DATA_ONLY = 'sim:0';
const ANY_MODE = 'sim:1';

let env: RedisEnv;
let audio: CreateRunInput['image'];
let scene: Awaited<ReturnType<typeof startScene>> | null = null;

beforeAll(async () => {
  env = await startRedisEnv();
  // One AUDIO track of 300 frames (4 s).
  const bin = Buffer.alloc(300 * 2352, 3);
  writeFileSync(path.join(env.dir, 'audio.bin'), bin);
  const sheet = path.join(env.dir, 'audio.cue');
  writeFileSync(sheet, 'FILE "audio.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
  audio = { path: sheet, sha256: createHash('sha256').update(bin).digest('hex'), sizeBytes: bin.length, sectors: 300, format: 'cue' };
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(scene?.errors ?? []).toEqual([]);
  await scene?.stop();
  scene = null;
});

/** One agent (shared connections) whose simulated CD drives start one by one; quarantine after one drive fault. */
async function startScene(url: string) {
  const errors: Error[] = [];
  const planner = new RunPlanner({ redisUrl: url, retryBackoffMs: 30 });
  planner.on('error', (e) => errors.push(e));
  await planner.start();
  const connections = new AgentConnections({ redisUrl: url, lockDurationMs: 5_000, onError: (e) => errors.push(e) });
  await connections.start();
  const drives: SimulatedDrive[] = [];
  const workers: DriveWorker[] = [];
  const begins: AttemptRecord[] = [];
  /** Per drive: why it passed copies on. */
  const passedOn = new Map<string, string[]>();
  return {
    planner, errors, begins, passedOn, workers,
    async add(index: number, options: Partial<SimulatedDriveOptions> = {}): Promise<void> {
      const drive = new SimulatedDrive({ index, timeScale: 0.0005, progressIntervalMs: 5, autoLoader: { media: 'CD-R' }, ...options });
      drives.push(drive);
      const worker = new DriveWorker({
        drive, agentId: 'agent-test', connections, pollIntervalMs: 15, sameDriveRetryDelayMs: 100, putBackDelayMs: 30,
        lockDurationMs: 5_000, quarantineAfter: 1,
      });
      workers.push(worker);
      worker.on('error', (e) => errors.push(e));
      worker.on('attempt-begin', (a) => begins.push(a));
      worker.on('passed-on', (c) => passedOn.set(drive.address, [...(passedOn.get(drive.address) ?? []), c.why]));
      await worker.start();
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((w) => w.close({ cancelInFlight: true })));
      await connections.close();
      await planner.close();
      for (const d of drives) d.dispose();
    },
  };
}

async function completed(planner: RunPlanner, runId: string): Promise<RunRecord> {
  const run = await waitFor(async () => {
    const r = await planner.store.getRun(runId);
    return r?.status === 'completed' ? r : null;
  }, 20_000, 'the run completed');
  await planner.idle();
  return run;
}

/**
 * Until the drive passed the run's copies on as unsuitable `times` times (a
 * look every 15 ms: a few hundred ms at most), or began more than `attempts`
 * attempts (the failure this catches: it shows at once).
 */
async function passedOnTimes(s: NonNullable<typeof scene>, driveId: string, times: number, attempts: number): Promise<void> {
  await waitFor(() => (s.passedOn.get(driveId) ?? []).filter((w) => w === 'unsuitable').length >= times
    || s.begins.filter((a) => a.driveId === driveId).length > attempts, 10_000, `${driveId} passing copies on`);
}

describe('a drive that cannot take a copy', () => {
  it('never attempts a copy whose CUE track modes it does not burn; the drive that can burns exactly N, nothing counted against the other', async () => {
    scene = await startScene(env.server.url);
    const { planner } = scene;
    await scene.add(0, { cueTrackModes: ['MODE1/2048'] });
    const run = await planner.createRun({ image: { ...audio, trackModes: ['AUDIO'] }, copies: 3, verify: { mode: 'off' } });
    // Alone, the data-only drive draws the copies again and again: it passes each on and attempts none.
    await passedOnTimes(scene, DATA_ONLY, 5, 0);
    expect(scene.begins).toEqual([]);
    await scene.add(1);
    const done = await completed(planner, run.id);
    const attempts = await planner.store.listAttempts(run.id);
    expect(attempts.map((a) => a.driveId)).toEqual([ANY_MODE, ANY_MODE, ANY_MODE]);
    expect(attempts.every((a) => a.outcome === 'passed' && a.counted === true)).toBe(true);
    expect(done.counters).toMatchObject({ passed: 3, failed: 0, attempts: 3 });
    expect((await planner.store.driveCounts([DATA_ONLY])).get(DATA_ONLY)).toEqual({ passed: 0, failed: 0 });
    expect(await getDriveFaults(env.client, planner.store.keys, DATA_ONLY, 1)).toBe(0);
    expect(await getQuarantine(env.client, planner.store.keys, DATA_ONLY)).toBeNull();
  });

  it('refusing a copy at the burn anyway (WRONG_MEDIA) is no drive fault nor its failed disc, and the copy never goes back to it', async () => {
    scene = await startScene(env.server.url);
    const { planner } = scene;
    const keys = planner.store.keys;
    // The drive has its pair in the drive counts hash already, so the refused attempt's end would raise it.
    expect((await planner.store.driveCounts([DATA_ONLY])).get(DATA_ONLY)).toEqual({ passed: 0, failed: 0 });
    await scene.add(0, { cueTrackModes: ['MODE1/2048'] });
    // The job does not say its track modes: the drive finds out when it burns.
    const run = await planner.createRun({ image: audio, copies: 2, verify: { mode: 'off' } });
    await waitFor(() => (scene?.begins.length ?? 0) >= 1, 10_000, 'the refused attempt');
    await passedOnTimes(scene, DATA_ONLY, 5, 1);
    // One attempt on that drive: the copy was not retried there, and not failed (BullMQ attempts untouched).
    expect(scene.begins).toHaveLength(1);
    const refused = await waitFor(async () => (await planner.store.listAttempts(run.id)).find((a) => a.outcome !== undefined), 5_000, 'its end');
    expect(refused).toMatchObject({ driveId: DATA_ONLY, outcome: 'failed', error: { code: 'WRONG_MEDIA', driveFault: false } });
    const queue = new Queue(keys.copyQueue('cd'), { connection: { url: env.server.url } });
    try {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'failed']);
      expect(jobs.map((j) => j.attemptsMade)).toEqual([0, 0]);
    } finally {
      await queue.close();
    }
    expect(await getDriveFaults(env.client, keys, DATA_ONLY, 1)).toBe(0);
    expect(await getQuarantine(env.client, keys, DATA_ONLY)).toBeNull();
    expect(scene.workers[0]?.status?.state).not.toBe('quarantined');

    await scene.add(1);
    const done = await completed(planner, run.id);
    const attempts = await planner.store.listAttempts(run.id);
    expect(attempts.filter((a) => a.driveId === DATA_ONLY)).toHaveLength(1);
    const good = attempts.filter((a) => a.outcome === 'passed' && a.counted === true);
    expect(good.map((a) => a.driveId)).toEqual([ANY_MODE, ANY_MODE]);
    expect(good.map((a) => a.copy).sort()).toEqual([1, 2]);
    expect(done.counters.passed).toBe(2);
    // Not the drive's failed disc: neither as counted when the attempt ended, nor when counted again from its history.
    expect((await planner.store.driveCounts([DATA_ONLY])).get(DATA_ONLY)).toEqual({ passed: 0, failed: 0 });
    await env.client.hdel(keys.driveCounts(), `passed:${DATA_ONLY}`, `failed:${DATA_ONLY}`);
    expect((await planner.store.driveCounts([DATA_ONLY])).get(DATA_ONLY)).toEqual({ passed: 0, failed: 0 });
  });
});
