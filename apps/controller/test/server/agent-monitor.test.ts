/**
 * The controller's agent monitor and the lease on an agent id: an agent
 * whose beat has not changed for the timeout (on the monitor's monotonic
 * clock, never compared with the agent's) is declared dead (open attempts interrupted,
 * drives offline) only once its lease has expired. While the lease lives
 * (the agent is alive but late, or a new process with its id has just taken
 * it over), its attempts and drives are left alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DriveStatePublisher, RedisSchema, readAllDriveStatuses, RunStore, startEmbeddedRedis } from '@tower/jobs';
import type { EmbeddedRedis } from '@tower/jobs';
import { writeAgentHeartbeat } from '@tower/jobs';
import { AgentMonitor } from '../../src/server/agent-monitor.js';

let dir: string;
let server: EmbeddedRedis;
let redis: Redis;
let store: RunStore;
const keys = new RedisSchema();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tower-monitor-'));
  server = await startEmbeddedRedis({ dataDir: path.join(dir, 'redis') });
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  store = new RunStore(redis);
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await redis.flushall();
});

/** Agent `tower-a`, silent for a minute, with one burn in flight on `sim:0`. */
async function silentAgentBurning(): Promise<string> {
  const runId = randomUUID();
  await store.createRun({
    id: runId,
    image: { path: '/nowhere.iso', sha256: 'a'.repeat(64), sizeBytes: 2048, sectors: 1, format: 'iso' },
    mediaClass: 'cd', copies: 1, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 3,
  });
  const begun = await store.beginAttempt({
    id: randomUUID(), runId, copy: 1, jobId: `${runId}/1`, driveId: 'sim:0', agentId: 'tower-a', mediaType: 'CD-R',
    imageSha256: 'a'.repeat(64), verifyPolicy: 'all', startedAt: Date.now() - 60_000, dummyFirst: false,
  });
  if (!begun.ok) throw new Error(`begin refused: ${begun.reason}`);
  await writeAgentHeartbeat(redis, { agentId: 'tower-a', host: 'host-1', driveIds: ['sim:0'], at: Date.now() - 60_000 });
  const publisher = new DriveStatePublisher({ driveId: 'sim:0', agentId: 'tower-a', redis, keys });
  publisher.update({ state: 'burning' });
  await publisher.flush();
  publisher.close();
  return begun.attempt.id;
}

/** The monitor's monotonic clock, moved by the tests. */
const clock = { t: 0 };
const monitor = (): AgentMonitor => new AgentMonitor({ redis, redisUrl: server.url, store, timeoutMs: 1000, now: () => clock.t });

/** A monitor that has seen the agent's last beat, then waited past the timeout without a new one. */
async function monitorAfterSilence(): Promise<AgentMonitor> {
  const m = monitor();
  expect(await m.check()).toEqual([]);
  clock.t += 1001;
  return m;
}
const driveState = async (): Promise<string | undefined> => (await readAllDriveStatuses(redis, keys)).find((d) => d.driveId === 'sim:0')?.state;

describe('AgentMonitor and the agent lease', () => {
  it('leaves a silent agent alone while its lease lives, and declares it dead once the lease has expired', async () => {
    const attemptId = await silentAgentBurning();
    const lease = 'tower:agent:tower-a:lease';
    await redis.set(lease, JSON.stringify({ token: 't-1', host: 'host-1', pid: 4242, since: Date.now() }), 'PX', 60_000);

    const m = await monitorAfterSilence();
    expect(await m.check()).toEqual([]);
    expect((await store.getAttempt(attemptId))?.outcome).toBeUndefined();
    expect(await store.openAttempts('tower-a')).toEqual([attemptId]);
    expect(await driveState()).toBe('burning');

    await redis.del(lease);
    expect(await m.check()).toEqual(['tower-a']);
    const a = await store.getAttempt(attemptId);
    expect(a?.outcome).toBe('interrupted');
    expect(a?.error?.message).toMatch(/agent tower-a stopped answering/);
    expect(await driveState()).toBe('offline');
    // The agent was alive after all: its next beat learns it was declared dead.
    expect(await writeAgentHeartbeat(redis, { agentId: 'tower-a', host: 'host-1', driveIds: ['sim:0'], at: Date.now() })).toEqual({ declaredDead: true });
    expect(await writeAgentHeartbeat(redis, { agentId: 'tower-a', host: 'host-1', driveIds: ['sim:0'], at: Date.now() })).toEqual({ declaredDead: false });
  });

  it('judges an agent by its beats on the monitor\'s clock: an agent clock an hour off, or a record Redis expired, kills nobody', async () => {
    const attemptId = await silentAgentBurning();
    const m = monitor();
    const hour = 3_600_000;
    // The agent's clock an hour behind, then an hour ahead: it beats, so it lives.
    for (const at of [Date.now() - hour, Date.now() + hour, Date.now() - hour]) {
      await writeAgentHeartbeat(redis, { agentId: 'tower-a', host: 'host-1', driveIds: ['sim:0'], at });
      expect(await m.check()).toEqual([]);
      clock.t += 900;
    }
    // Its record expired early (Redis's clock stepped): no news, but not death before the timeout either.
    await redis.del('tower:agent:tower-a');
    expect(await m.check()).toEqual([]);
    await writeAgentHeartbeat(redis, { agentId: 'tower-a', host: 'host-1', driveIds: ['sim:0'], at: Date.now() });
    clock.t += 900;
    expect(await m.check()).toEqual([]);
    expect((await store.getAttempt(attemptId))?.outcome).toBeUndefined();
    expect(await driveState()).toBe('burning');
    // Silent past the timeout on the monitor's clock (no lease): dead.
    clock.t += 1001;
    expect(await m.check()).toEqual(['tower-a']);
    expect((await store.getAttempt(attemptId))?.error?.message).toMatch(/no heartbeat for 1 s/);
  });

  it('closes nothing of an agent whose id was taken over meanwhile (the lease held by the new process)', async () => {
    const attemptId = await silentAgentBurning();
    await redis.set('tower:agent:tower-a:lease', JSON.stringify({ token: 't-2', host: 'host-2', pid: 7, since: Date.now() }), 'PX', 60_000);
    const m = monitor();
    m.start();
    await new Promise((r) => setTimeout(r, 800));
    await m.stop();
    expect((await store.getAttempt(attemptId))?.outcome).toBeUndefined();
  });
});
