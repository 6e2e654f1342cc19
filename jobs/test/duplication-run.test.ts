import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getQuarantine } from '../src/drive-quarantine.js';
import { readDriveStatus } from '../src/drive-state.js';
import type { DriveStatus } from '../src/drive-state.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import type { AttemptRecord, RunRecord } from '../src/run-records.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

let env: RedisEnv;
let tower: Tower | null = null;
const keys = new RedisSchema();

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(tower?.errors ?? []).toEqual([]);
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

async function waitForStatus(t: Tower, runId: string, status: RunRecord['status'], timeoutMs = 20_000): Promise<RunRecord> {
  const run = await waitFor(async () => {
    const r = await t.planner.store.getRun(runId);
    return r?.status === status ? r : null;
  }, timeoutMs, `run ${status}`);
  await t.planner.idle();
  return run;
}

/** The attempts of a run once every attempt has ended (burns in flight are let finish). */
async function settledAttempts(t: Tower, runId: string): Promise<AttemptRecord[]> {
  return waitFor(async () => {
    const all = await t.planner.store.listAttempts(runId);
    return all.every((a) => a.outcome !== undefined) ? all : null;
  }, 10_000, 'attempts to settle');
}

function counted(attempts: readonly AttemptRecord[]): AttemptRecord[] {
  return attempts.filter((a) => a.outcome === 'passed' && a.counted === true);
}

describe('duplication runs on simulated drives', () => {
  it('(a) 6 copies, full verify, 3 drives: exactly 6 counted passes, each slot once, run completed', async () => {
    tower = await startTower(env.server.url, 3);
    const states: DriveStatus[] = [];
    for (const w of tower.workers) w.on('state', (s) => states.push(s));
    const created = await tower.planner.createRun(runInput(env.image, { copies: 6, verify: { mode: 'all' } }));
    // createRun reads the run back after its copies are queued and the drives told: a drive may have begun one by then.
    expect(['queued', 'running']).toContain(created.status);
    expect(created.mediaClass).toBe('cd');
    const run = await waitForStatus(tower, created.id, 'completed');
    const attempts = await settledAttempts(tower, run.id);
    const good = counted(attempts);
    expect(good).toHaveLength(6);
    expect(good.map((a) => a.copy).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(good.every((a) => a.verifyResult === 'passed' && a.discSha256 === env.image.sha256)).toBe(true);
    expect(attempts.filter((a) => a.outcome === 'failed')).toHaveLength(0);
    expect(await tower.planner.store.passedSlots(run.id)).toEqual([1, 2, 3, 4, 5, 6]);
    const final = await tower.planner.store.getRun(run.id);
    expect(final?.counters.passed).toBe(6);
    expect(final?.counters.open).toBe(0);
    expect(await env.client.smembers(keys.agentOpenAttempts('agent-test'))).toEqual([]);
    // The drives went through blank → burning → verifying → done, and published it to Redis.
    const seen = new Set(states.map((s) => s.state));
    for (const s of ['blank', 'burning', 'verifying', 'done'] as const) expect(seen.has(s)).toBe(true);
    expect((await readDriveStatus(env.client, keys, 'sim:0'))?.driveId).toBe('sim:0');
    // Every burn went into a bin: as many discs left the drives as attempts were made.
    const bins = tower.drives.map((d) => d.autoLoader?.bins).reduce((n, b) => n + (b?.unsorted ?? 0), 0);
    expect(bins).toBe(attempts.length);
  });

  it('(b) a drive with a sticky write error is quarantined after K=2 failures in a row; the run still ends with exactly N', async () => {
    tower = await startTower(env.server.url, 3, { worker: { quarantineAfter: 2 } });
    tower.drives[0]?.setFaults({ writeError: { atPercent: 30, sticky: true } });
    const created = await tower.planner.createRun(runInput(env.image, { copies: 6, maxAttemptsPerCopy: 3, failureBudget: 10 }));
    const run = await waitForStatus(tower, created.id, 'completed');
    const attempts = await settledAttempts(tower, run.id);
    const onBad = attempts.filter((a) => a.driveId === 'sim:0');
    expect(onBad).toHaveLength(2);
    expect(onBad.every((a) => a.outcome === 'failed' && a.error?.code === 'WRITE_ERROR' && a.error.driveFault)).toBe(true);
    const q = await getQuarantine(env.client, keys, 'sim:0');
    expect(q?.failures).toBe(2);
    expect(q?.reason).toContain('WRITE_ERROR');
    expect(tower.workers[0]?.status?.state).toBe('quarantined');
    const good = counted(attempts);
    expect(good).toHaveLength(6);
    expect(new Set(good.map((a) => a.copy)).size).toBe(6);
    expect(good.every((a) => a.driveId !== 'sim:0')).toBe(true);
    expect((await tower.planner.store.getRun(run.id))?.counters).toMatchObject({ passed: 6, failed: 2 });
  });

  it('(c) a verify mismatch is a coaster (VERIFY_MISMATCH), the copy is retried and the run ends with exactly N', async () => {
    tower = await startTower(env.server.url, 2);
    tower.drives[1]?.setFaults({ verifyMismatch: { sector: 7 } });
    const created = await tower.planner.createRun(runInput(env.image, { copies: 4, verify: { mode: 'all' } }));
    const run = await waitForStatus(tower, created.id, 'completed');
    const attempts = await settledAttempts(tower, run.id);
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    const coaster = failed[0];
    expect(coaster?.driveId).toBe('sim:1');
    expect(coaster?.error?.code).toBe('VERIFY_MISMATCH');
    expect(coaster?.verifyResult).toBe('failed');
    const good = counted(attempts);
    expect(good).toHaveLength(4);
    expect(good.map((a) => a.copy).sort()).toEqual([1, 2, 3, 4]);
    const retried = good.find((a) => a.copy === coaster?.copy);
    expect(retried?.startedAt).toBeGreaterThanOrEqual(coaster?.endedAt ?? Infinity);
    expect((await tower.planner.store.getRun(run.id))?.counters).toMatchObject({ passed: 4, failed: 1, surplus: 0 });
  });

  it('(e) cancelling mid-run records cancelled attempts and starts no further burns', async () => {
    // Slower burns (~0.3 s each) so the cancel lands while discs are in flight.
    tower = await startTower(env.server.url, 2, { drive: { timeScale: 0.02, progressIntervalMs: 20 } });
    const created = await tower.planner.createRun(runInput(env.image, { copies: 8 }));
    let burning = 0;
    for (const w of tower.workers) w.on('attempt-begin', () => burning++);
    await waitFor(() => burning >= 2, 10_000, 'two burns in flight');
    await new Promise((r) => setTimeout(r, 50));
    expect(await tower.planner.cancelRun(created.id)).toBe(true);
    const cancelledAt = Date.now();
    const attempts = await settledAttempts(tower, created.id);
    const cancelled = attempts.filter((a) => a.outcome === 'cancelled');
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.every((a) => a.error?.code === 'CANCELLED')).toBe(true);
    expect(attempts.filter((a) => a.startedAt > cancelledAt)).toEqual([]);
    // Nothing more starts, and the run's queued jobs are gone.
    await new Promise((r) => setTimeout(r, 400));
    expect((await tower.planner.store.listAttempts(created.id)).length).toBe(attempts.length);
    const run = await tower.planner.store.getRun(created.id);
    expect(run?.status).toBe('cancelled');
    expect(run?.counters.open).toBe(0);
    expect(run?.counters.passed).toBeLessThan(8);
    const queue = new Queue(SCHEMA.copyQueue('cd'), { connection: { url: env.server.url } });
    try {
      const left = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      expect(left.filter((j) => (j.data as { runId?: string }).runId === created.id)).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
