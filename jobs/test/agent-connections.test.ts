/**
 * The connections an agent's drive workers share: a handful of Redis clients
 * whatever the number of drives, one BullMQ worker per class from which each
 * drive fetches with its own token, run control fanned out to every worker,
 * and workers that close without closing what they share.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentConnections } from '../src/agent-connections.js';
import { DriveWorker } from '../src/drive-worker.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { RunPlanner } from '../src/run-planner.js';
import type { RunControlMessage } from '../src/run-events.js';
import { runInput, startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

let env: RedisEnv;

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});

/** Clients connected to Redis, all or those whose name starts with `prefix`. */
async function clientCount(prefix = ''): Promise<number> {
  const lines = (await env.client.client('LIST') as string).trim().split('\n');
  return lines.filter((l) => / name=(\S*)/.exec(l)?.[1]?.startsWith(prefix) ?? prefix === '').length;
}

describe('AgentConnections', () => {
  it('gives each drive its own job from one shared BullMQ worker; tokens keep them apart', async () => {
    const pool = new AgentConnections({ redisUrl: env.server.url, lockDurationMs: 5_000 });
    await pool.start();
    const queue = new Queue(SCHEMA.copyQueue('cd'), { connection: { url: env.server.url } });
    try {
      await queue.addBulk([1, 2, 3].map((i) => ({ name: 'copy', data: { i }, opts: { jobId: `job-${i}` } })));
      const worker = pool.copyWorker('cd');
      expect(pool.copyWorker('cd')).toBe(worker);
      const tokens = [randomUUID(), randomUUID(), randomUUID()];
      const jobs = (await Promise.all(tokens.map((t) => worker.getNextJob(t, { block: false })))) as Job[];
      expect(new Set(jobs.map((j) => j.id)).size).toBe(3);
      expect(await worker.getNextJob(randomUUID(), { block: false })).toBeUndefined();
      // A lock is extended only with its own token; a job is finished only by its holder.
      expect(await jobs[0]!.extendLock(tokens[1]!, 5_000)).toBe(0);
      expect(await jobs[0]!.extendLock(tokens[0]!, 5_000)).toBe(1);
      await expect(jobs[1]!.moveToCompleted('x', tokens[2]!, false)).rejects.toThrow();
      await Promise.all([
        jobs[0]!.moveToCompleted('a', tokens[0]!, false),
        jobs[1]!.moveToFailed(new Error('b'), tokens[1]!, false),
        jobs[2]!.moveToDelayed(Date.now() + 60_000, tokens[2]!),
      ]);
      expect(await Promise.all(jobs.map((j) => queue.getJobState(j.id!)))).toEqual(['completed', 'failed', 'delayed']);
    } finally {
      await queue.close();
      await pool.close();
    }
  });

  it('asks Redis once for an empty queue on behalf of every idle drive, until work may have appeared', async () => {
    const pool = new AgentConnections({ redisUrl: env.server.url });
    await pool.start();
    await pool.onRunControl(() => undefined);
    const queue = new Queue(SCHEMA.copyQueue('cd'), { connection: { url: env.server.url } });
    const fetches = async (): Promise<number> => {
      const info = await env.client.info('commandstats');
      // Scripts run as EVALSHA, or EVAL the first time.
      return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    try {
      pool.copyWorker('cd');
      const base = await fetches();
      expect(await pool.fetchCopy('cd', randomUUID(), 0)).toBeUndefined();
      const afterFirst = await fetches();
      expect(afterFirst).toBeGreaterThan(base);
      // Idle drives whose looks come together while the queue is empty: one of them asks.
      const together = await Promise.all(Array.from({ length: 20 }, () => pool.fetchCopy('cd', randomUUID(), 0)));
      expect(together.every((j) => j === undefined)).toBe(true);
      expect(await fetches()).toBe(afterFirst + 1);
      expect(await pool.fetchCopy('cd', randomUUID(), 10_000)).toBeUndefined();
      expect(await fetches()).toBe(afterFirst + 2);
      // A job added without news of it: the other drives do not look for 10 s.
      await queue.add('copy', { i: 1 }, { jobId: 'quiet' });
      const afterAdd = await fetches();
      for (let i = 0; i < 20; i++) expect(await pool.fetchCopy('cd', randomUUID(), 10_000)).toBeUndefined();
      expect(await fetches()).toBe(afterAdd);
      // The planner's "work" reopens at once.
      await env.client.publish(SCHEMA.runControl(), JSON.stringify({ action: 'work', runId: 'r' }));
      const job = await waitFor(() => pool.fetchCopy('cd', randomUUID(), 10_000), 2_000, 'the job after work');
      expect(job.id).toBe('quiet');
      // A delayed job shortens the wait to its due time.
      await queue.add('copy', { i: 2 }, { jobId: 'later', delay: 300 });
      pool.reopen('cd');
      const t0 = Date.now();
      expect(await pool.fetchCopy('cd', randomUUID(), 10_000)).toBeUndefined();
      const later = await waitFor(() => pool.fetchCopy('cd', randomUUID(), 10_000), 3_000, 'the delayed job');
      expect(later.id).toBe('later');
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      await queue.close();
      await pool.close();
    }
  });

  it('serves the drives\' quarantine looks from one reading while it is fresh', async () => {
    const pool = new AgentConnections({ redisUrl: env.server.url });
    await pool.start();
    const reads = async (): Promise<number> => Number(/cmdstat_hgetall:calls=(\d+)/.exec(await env.client.info('commandstats'))?.[1] ?? 0);
    try {
      await env.client.hset('tower:quarantine', 'sim:1', JSON.stringify({ reason: 'noisy', failures: 0, at: 1 }));
      const base = await reads();
      const seen: Array<string | null> = [];
      for (const id of ['sim:0', 'sim:1', 'sim:2']) seen.push((await pool.quarantineOf(id, 10_000))?.reason ?? null);
      expect(seen).toEqual([null, 'noisy', null]);
      expect(await pool.quarantineOf('sim:1', 10_000)).toMatchObject({ reason: 'noisy' });
      expect(await reads()).toBe(base + 1);
      // Released elsewhere: seen once the reading is older than asked for; at once after this agent's own change.
      await env.client.hdel('tower:quarantine', 'sim:1');
      expect(await pool.quarantineOf('sim:1', 10_000)).not.toBeNull();
      expect(await pool.quarantineOf('sim:1', 0)).toBeNull();
      await env.client.hset('tower:quarantine', 'sim:2', 'by hand');
      pool.invalidateQuarantine();
      expect(await pool.quarantineOf('sim:2', 10_000)).toMatchObject({ reason: 'by hand', failures: 0 });
      // Every drive looking at once (a burst of burns ending together), the reading stale: one read serves them all.
      await new Promise((r) => setTimeout(r, 60));
      const before = await reads();
      const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.quarantineOf(`sim:${i}`, 50)));
      expect(burst.filter((q) => q !== null).map((q) => q?.reason)).toEqual(['by hand']);
      expect(await reads()).toBe(before + 1);
      // A change made here while a reading is under way: the next look sends its own, it does not wait for that one.
      const beforeChange = await reads();
      const under = pool.quarantineOf('sim:3', 0);
      pool.invalidateQuarantine();
      await Promise.all([under, pool.quarantineOf('sim:3', 10_000)]);
      expect(await reads()).toBe(beforeChange + 2);
    } finally {
      await pool.close();
    }
  });

  it('fans run control out to every listener, parsed once', async () => {
    const pool = new AgentConnections({ redisUrl: env.server.url });
    await pool.start();
    const got: Array<[number, RunControlMessage]> = [];
    const offs = await Promise.all([0, 1, 2].map((i) => pool.onRunControl((m) => got.push([i, m]))));
    await env.client.publish(SCHEMA.runControl(), JSON.stringify({ action: 'work', runId: 'r1' }));
    await env.client.publish(SCHEMA.runControl(), 'not json');
    await waitFor(() => got.length >= 3, 2_000, 'three deliveries');
    offs[1]!();
    await env.client.publish(SCHEMA.runControl(), JSON.stringify({ action: 'cancel', runId: 'r1', reason: 'x' }));
    await waitFor(() => got.length >= 5, 2_000, 'two more deliveries');
    expect(got.map(([i, m]) => `${i} ${m.action}`).sort()).toEqual(['0 cancel', '0 work', '1 work', '2 cancel', '2 work']);
    await pool.close();
  });

  it('runs 8 drives on 4 Redis clients, finishes a run with exactly N, and outlives the workers it serves', async () => {
    const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
    await planner.start();
    const errors: Error[] = [];
    const before = await clientCount();
    const pool = new AgentConnections({ redisUrl: env.server.url, name: 'pool-test', lockDurationMs: 5_000, onError: (e) => errors.push(e) });
    await pool.start();
    const drives = Array.from({ length: 8 }, (_, index) => new SimulatedDrive({
      index, timeScale: 0.0005, progressIntervalMs: 5, autoLoader: { media: 'CD-R' },
    }));
    const workers = drives.map((drive) => new DriveWorker({
      drive, agentId: 'agent-pool', connections: pool, pollIntervalMs: 15, putBackDelayMs: 30, sameDriveRetryDelayMs: 100,
    }));
    for (const w of workers) w.on('error', (e) => errors.push(e));
    try {
      await Promise.all(workers.map((w) => w.start()));
      const run = await planner.createRun(runInput(env.image, { copies: 16 }));
      await waitFor(async () => (await planner.store.getRun(run.id))?.status === 'completed', 30_000, 'run completed');
      expect(await planner.store.passedSlots(run.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      // Command, subscriber, drive states, and the BullMQ worker's own connection for the cd queue (plus the planner's queue of cd).
      expect(await clientCount('tower-agent:pool-test:')).toBe(3);
      expect(await clientCount(`bull:${Buffer.from(SCHEMA.copyQueue('cd')).toString('base64')}`)).toBe(1);
      expect((await clientCount()) - before).toBeLessThanOrEqual(5);

      // Closing some workers leaves the shared connections to the others.
      await Promise.all(workers.slice(0, 4).map((w) => w.close()));
      expect(pool.redis.status).toBe('ready');
      const second = await planner.createRun(runInput(env.image, { copies: 4 }));
      await waitFor(async () => (await planner.store.getRun(second.id))?.status === 'completed', 30_000, 'second run completed');
      const attempts = await planner.store.listAttempts(second.id);
      expect(new Set(attempts.map((a) => a.driveId)).size).toBeGreaterThan(0);
      expect(attempts.every((a) => ['sim:4', 'sim:5', 'sim:6', 'sim:7'].includes(a.driveId))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await pool.close();
      await planner.close();
      for (const d of drives) d.dispose();
    }
    await waitFor(async () => (await clientCount('tower-agent:pool-test:')) === 0, 5_000, 'connections closed');
  });
});
