/**
 * The blank stock's used and wasted counts, kept by the attempt-end scripts
 * (END_ATTEMPT, END_INTERRUPTED): one blank per attempt that wrote a disc,
 * of the disc's type, a coaster wasted too, a copy refused for its media
 * not at all, and never twice, however often an end is tried again (a
 * retried job, an agent and the controller both closing after a crash).
 */
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
    mediaClass: 'dvd', copies, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 10,
  };
}

async function begin(runId: string, copy: number, extra: Partial<AttemptStart> = {}): Promise<string> {
  const r = await store.beginAttempt({
    id: randomUUID(), runId, copy, jobId: `${runId}/${copy}`, driveId: 'sim:0', agentId: 'host-a', mediaType: 'DVD-R',
    imageSha256: env.image.sha256, verifyPolicy: 'all', startedAt: Date.now(), dummyFirst: false, ...extra,
  });
  if (!r.ok) throw new Error(`begin refused: ${r.reason}`);
  return r.attempt.id;
}

const stock = async (): Promise<Record<string, string>> => env.client.hgetall(store.keys.blankStock());
const err = (code: string) => ({ code, message: code, retryable: true, driveFault: code === 'WRITE_ERROR', needsOperator: false });

describe('blank stock counted by the attempt ends', () => {
  it('uses one blank per disc written, wastes the coasters, skips a media refusal, and counts each attempt once', async () => {
    const run = newRun(3);
    await store.createRun(run);
    const passed = await begin(run.id, 1);
    const coaster = await begin(run.id, 2);
    const refused = await begin(run.id, 2);
    const cancelled = await begin(run.id, 3, { mediaType: 'DVD+R' });
    await store.endAttempt(passed, { outcome: 'passed', endedAt: Date.now() });
    await store.endAttempt(coaster, { outcome: 'failed', endedAt: Date.now(), error: err('WRITE_ERROR') });
    await store.endAttempt(refused, { outcome: 'failed', endedAt: Date.now(), error: err('WRONG_MEDIA') });
    await store.endAttempt(cancelled, { outcome: 'cancelled', endedAt: Date.now(), error: err('CANCELLED') });
    expect(await stock()).toEqual({ 'used:DVD-R': '2', 'wasted:DVD-R': '1', 'used:DVD+R': '1', 'wasted:DVD+R': '1' });

    // An end tried again (a stalled job run twice, a retry after a lost answer) counts nothing more.
    await expect(store.endAttempt(passed, { outcome: 'passed', endedAt: Date.now() })).rejects.toBeInstanceOf(AttemptClosedError);
    await expect(store.endAttempt(coaster, { outcome: 'failed', endedAt: Date.now(), error: err('WRITE_ERROR') })).rejects.toBeInstanceOf(AttemptClosedError);
    expect(await stock()).toEqual({ 'used:DVD-R': '2', 'wasted:DVD-R': '1', 'used:DVD+R': '1', 'wasted:DVD+R': '1' });
  });

  it('counts a burn interrupted by a crash once, whether the agent or the controller closes it, or both try', async () => {
    const run = newRun(2);
    await store.createRun(run);
    await begin(run.id, 1);
    await begin(run.id, 2);
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toHaveLength(2);
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toHaveLength(0);
    expect(await stock()).toEqual({ 'used:DVD-R': '2', 'wasted:DVD-R': '2' });
  });
});
