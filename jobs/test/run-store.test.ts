import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptStart, NewRun } from '../src/run-records.js';
import { AttemptClosedError, RunStore } from '../src/run-store.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
let store: RunStore;
beforeAll(async () => {
  env = await startRedisEnv();
  store = new RunStore(env.client);
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});

function newRun(copies: number): NewRun {
  return {
    id: randomUUID(),
    image: { path: env.image.path, sha256: env.image.sha256, sizeBytes: env.image.bytes, sectors: Math.ceil(env.image.bytes / 2048), format: 'iso' },
    mediaClass: 'cd', copies, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 3,
  };
}

function start(runId: string, copy: number, extra: Partial<AttemptStart> = {}): AttemptStart {
  return {
    id: randomUUID(), runId, copy, jobId: `${runId}/${copy}`, driveId: 'sim:0', agentId: 'host-a', mediaType: 'CD-R',
    imageSha256: env.image.sha256, verifyPolicy: 'all', startedAt: Date.now(), dummyFirst: false, ...extra,
  };
}

async function begin(runId: string, copy: number, extra: Partial<AttemptStart> = {}): Promise<string> {
  const r = await store.beginAttempt(start(runId, copy, extra));
  if (!r.ok) throw new Error(`begin refused: ${r.reason}`);
  return r.attempt.id;
}

describe('RunStore', () => {
  it('records the attempt before the burn: open, indexed by run, drive and time, run running', async () => {
    const run = newRun(2);
    expect(await store.createRun(run)).toBe(true);
    expect(await store.createRun(run)).toBe(false);
    const id = await begin(run.id, 1);
    const a = await store.getAttempt(id);
    expect(a).toMatchObject({ id, runId: run.id, copy: 1, driveId: 'sim:0', agentId: 'host-a', driveOrdinal: 1 });
    expect(a?.endedAt).toBeUndefined();
    expect(a?.outcome).toBeUndefined();
    expect(await store.openAttempts('host-a')).toEqual([id]);
    expect((await store.listAttempts(run.id)).map((x) => x.id)).toEqual([id]);
    expect((await store.listAttemptsByDrive('sim:0')).map((x) => x.id)).toEqual([id]);
    expect((await store.listAttemptsBetween(0, Date.now() + 1000)).map((x) => x.id)).toEqual([id]);
    expect((await store.listAttemptsBetween(0, 1)).length).toBe(0);
    const r = await store.getRun(run.id);
    expect(r?.status).toBe('running');
    expect(r?.counters).toMatchObject({ attempts: 1, open: 1, passed: 0 });
  });

  it('(d) counts a slot once when two attempts of the same slot both pass; the second is surplus', async () => {
    const run = newRun(2);
    await store.createRun(run);
    // A stalled job ran twice: both runs began an attempt for slot 1 before either ended.
    const first = await begin(run.id, 1, { driveId: 'sim:0' });
    const second = await begin(run.id, 1, { driveId: 'sim:1' });
    const e1 = await store.endAttempt(first, { outcome: 'passed', endedAt: Date.now() });
    const e2 = await store.endAttempt(second, { outcome: 'passed', endedAt: Date.now() });
    expect(e1).toEqual({ counted: true, surplus: false, runCompleted: false, passed: 1, driveCounts: null });
    expect(e2).toEqual({ counted: false, surplus: true, runCompleted: false, passed: 1, driveCounts: null });
    expect(await store.passedSlots(run.id)).toEqual([1]);
    const r = await store.getRun(run.id);
    expect(r?.counters).toMatchObject({ passed: 1, surplus: 1, open: 0 });
    expect(r?.status).toBe('running');
    expect(await store.getAttempt(second)).toMatchObject({ outcome: 'passed', counted: false, surplus: true });
    // Append-only: a closed attempt cannot be closed again, and nothing is counted twice.
    await expect(store.endAttempt(first, { outcome: 'passed', endedAt: Date.now() })).rejects.toBeInstanceOf(AttemptClosedError);
    await expect(store.endAttempt(first, { outcome: 'failed', endedAt: Date.now() })).rejects.toBeInstanceOf(AttemptClosedError);
    expect((await store.getAttempt(first))?.outcome).toBe('passed');
    expect((await store.getRun(run.id))?.counters).toMatchObject({ passed: 1, surplus: 1, failed: 0 });
    // A passed slot takes no new attempt.
    expect(await store.beginAttempt(start(run.id, 1))).toEqual({ ok: false, reason: 'slot-passed' });
  });

  it('never counts past N under concurrent ends and completes the run exactly once', async () => {
    const run = newRun(3);
    await store.createRun(run);
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push(await begin(run.id, (i % 4) + 1, { driveId: `sim:${i % 5}` }));
    const ends = await Promise.all(ids.map((id) => store.endAttempt(id, { outcome: 'passed', endedAt: Date.now() })));
    expect(ends.filter((e) => e.counted)).toHaveLength(3);
    expect(ends.filter((e) => e.surplus)).toHaveLength(21);
    expect(ends.filter((e) => e.runCompleted)).toHaveLength(1);
    const slots = await store.passedSlots(run.id);
    expect(slots).toHaveLength(3);
    expect(new Set(slots).size).toBe(3);
    const r = await store.getRun(run.id);
    expect(r?.status).toBe('completed');
    expect(r?.counters).toMatchObject({ passed: 3, surplus: 21, open: 0, attempts: 24 });
    expect(await store.beginAttempt(start(run.id, 4))).toEqual({ ok: false, reason: 'run-completed' });
  });

  it('records a failure with its full tool output and the drive it failed on', async () => {
    const run = newRun(1);
    await store.createRun(run);
    const id = await begin(run.id, 1, { driveId: 'sim:3' });
    const output = 'x'.repeat(200_000);
    await store.endAttempt(id, {
      outcome: 'failed', endedAt: Date.now(), verifyResult: 'not-reached',
      error: { code: 'WRITE_ERROR', message: 'write error', retryable: true, driveFault: true, needsOperator: true, tool: { tool: 'cdrskin', exitCode: 1, signal: null, output } },
    });
    const a = await store.getAttempt(id);
    expect(a?.outcome).toBe('failed');
    expect(a?.error?.code).toBe('WRITE_ERROR');
    expect(a?.error?.tool?.output).toHaveLength(200_000);
    expect(await store.lastFailedDrive(run.id, 1)).toBe('sim:3');
    expect((await store.getRun(run.id))?.counters).toMatchObject({ failed: 1, passed: 0, open: 0 });
  });

  it('closes a dead agent\'s open attempts as interrupted, and only those', async () => {
    const run = newRun(3);
    await store.createRun(run);
    const a1 = await begin(run.id, 1, { agentId: 'host-a' });
    const a2 = await begin(run.id, 2, { agentId: 'host-a' });
    const b1 = await begin(run.id, 3, { agentId: 'host-b' });
    await store.endAttempt(a2, { outcome: 'passed', endedAt: Date.now() });
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toEqual([a1]);
    expect(await store.getAttempt(a1)).toMatchObject({ outcome: 'interrupted' });
    expect((await store.getAttempt(a1))?.error?.code).toBe('INTERRUPTED');
    expect((await store.getAttempt(b1))?.outcome).toBeUndefined();
    expect(await store.openAttempts('host-a')).toEqual([]);
    expect((await store.getRun(run.id))?.counters).toMatchObject({ interrupted: 1, passed: 1, open: 1 });
  });

  it('closes an agent\'s open attempts only for the holder of its lease, or once the lease has expired', async () => {
    const run = newRun(3);
    await store.createRun(run);
    const a1 = await begin(run.id, 1, { agentId: 'host-a' });
    const lease = 'tower:agent:host-a:lease';
    await env.client.set(lease, 'instance-1', 'PX', 60_000);
    // The controller (lease alive) and another instance (not the holder) close nothing.
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toEqual([]);
    expect(await store.closeInterruptedAttempts('host-a', { owner: 'instance-2' })).toEqual([]);
    expect((await store.getAttempt(a1))?.outcome).toBeUndefined();
    expect(await store.openAttempts('host-a')).toEqual([a1]);
    // The holder does.
    expect(await store.closeInterruptedAttempts('host-a', { owner: 'instance-1' })).toEqual([a1]);
    // With the lease gone, the controller may; a new holder's fresh attempt is safe from it again.
    const a2 = await begin(run.id, 2, { agentId: 'host-a' });
    await env.client.del(lease);
    expect(await store.closeInterruptedAttempts('host-a', { owner: 'instance-1' })).toEqual([]);
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toEqual([a2]);
    const a3 = await begin(run.id, 3, { agentId: 'host-a' });
    await env.client.set(lease, 'instance-3', 'PX', 60_000);
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toEqual([]);
    expect((await store.getAttempt(a3))?.outcome).toBeUndefined();
    expect((await store.getRun(run.id))?.counters).toMatchObject({ interrupted: 2, open: 1 });
  });

  it('refuses to begin attempts for paused and cancelled runs', async () => {
    const run = newRun(2);
    await store.createRun(run);
    expect(await store.setRunStatus(run.id, 'paused', { from: ['queued', 'running'] })).toBe(true);
    expect(await store.beginAttempt(start(run.id, 1))).toEqual({ ok: false, reason: 'run-paused' });
    expect(await store.setRunStatus(run.id, 'cancelled', { reason: 'test' })).toBe(true);
    expect(await store.setRunStatus(run.id, 'running', { from: ['paused'] })).toBe(false);
    expect(await store.beginAttempt(start(run.id, 1))).toEqual({ ok: false, reason: 'run-cancelled' });
    expect((await store.getRun(run.id))?.statusReason).toBe('test');
  });
});

describe('RunStore drive counts', () => {
  const end = (id: string, outcome: 'passed' | 'failed' | 'cancelled' | 'interrupted'): Promise<unknown> => store.endAttempt(id, { outcome, endedAt: Date.now() });

  it('counts a drive from its history the first time, then keeps the count with every attempt end', async () => {
    const run = newRun(10);
    await store.createRun(run);
    // History written before the drive had counts (an older version, or never read yet): an end cannot say them.
    expect((await store.endAttempt(await begin(run.id, 1, { driveId: 'sim:0' }), { outcome: 'passed', endedAt: Date.now() })).driveCounts).toBeNull();
    await end(await begin(run.id, 2, { driveId: 'sim:0' }), 'failed');
    await end(await begin(run.id, 3, { driveId: 'sim:0' }), 'interrupted');
    await end(await begin(run.id, 4, { driveId: 'sim:0' }), 'cancelled');
    await end(await begin(run.id, 5, { driveId: 'sim:1' }), 'passed');
    expect(await env.client.exists('tower:drive-counts')).toBe(0);
    const first = await store.driveCounts(['sim:0', 'sim:1', 'sim:9']);
    expect(Object.fromEntries(first)).toEqual({ 'sim:0': { passed: 1, failed: 2 }, 'sim:1': { passed: 1, failed: 0 }, 'sim:9': { passed: 0, failed: 0 } });

    // From now on the attempt ends keep them, say them, and the history is not read again.
    expect((await store.endAttempt(await begin(run.id, 6, { driveId: 'sim:0' }), { outcome: 'passed', endedAt: Date.now() })).driveCounts)
      .toEqual({ passed: 2, failed: 2 });
    expect((await store.endAttempt(await begin(run.id, 7, { driveId: 'sim:0' }), { outcome: 'failed', endedAt: Date.now() })).driveCounts)
      .toEqual({ passed: 2, failed: 3 });
    const open = await begin(run.id, 8, { driveId: 'sim:1' });
    await env.client.del('tower:drive:sim:0:attempts');
    expect(Object.fromEntries(await store.driveCounts(['sim:0', 'sim:1']))).toEqual({ 'sim:0': { passed: 2, failed: 3 }, 'sim:1': { passed: 1, failed: 0 } });
    await end(open, 'interrupted');
    expect((await store.driveCounts(['sim:1'])).get('sim:1')).toEqual({ passed: 1, failed: 1 });
  });

  it('runs its scripts by SHA, and again in full after Redis lost them', async () => {
    const run = newRun(2);
    await store.createRun(run);
    await env.client.script('FLUSH');
    const id = await begin(run.id, 1);
    await end(id, 'passed');
    expect((await store.getRun(run.id))?.counters).toMatchObject({ passed: 1, attempts: 1 });
    expect((await store.driveCounts(['sim:0'])).get('sim:0')).toEqual({ passed: 1, failed: 0 });
  });
});
