/**
 * Pub/sub does not keep events for a planner that is down: on start, the
 * planner reconciles the runs with the queues.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyJobId } from '../src/queue-names.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { RunPlanner } from '../src/run-planner.js';
import type { RedisEnv } from './support/tower-harness.js';
import { runInput, startRedisEnv } from './support/tower-harness.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

describe('planner reconcile on start', () => {
  let env: RedisEnv;
  let queue: Queue;

  beforeAll(async () => {
    env = await startRedisEnv();
    queue = new Queue(SCHEMA.copyQueue('cd'), { connection: { url: env.server.url } });
  });
  afterAll(async () => {
    await queue.close();
    await env.stop();
  });

  it('gives a copy slot that lost its job a new one, once', async () => {
    const first = new RunPlanner({ redisUrl: env.server.url });
    await first.start();
    const run = await first.createRun(runInput(env.image, { copies: 3 }));
    await first.close();
    // The slot's job failed for good while no planner listened: simulate by removing it.
    await (await queue.getJob(copyJobId(run.id, 2)))?.remove();
    expect(await queue.getJob(copyJobId(run.id, 2))).toBeUndefined();

    const second = new RunPlanner({ redisUrl: env.server.url });
    await second.start();
    await second.reconcile();
    await second.close();
    const jobs = (await queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.runId === run.id);
    expect(jobs.map((j) => j.data.copy).sort()).toEqual([1, 2, 3]);
  });

  it('removes the queued jobs of a run that finished while no planner listened', async () => {
    const planner = new RunPlanner({ redisUrl: env.server.url });
    await planner.start();
    const run = await planner.createRun(runInput(env.image, { copies: 2 }));
    await planner.close();
    await env.client.hset(`tower:run:${run.id}`, 'status', 'completed');
    const next = new RunPlanner({ redisUrl: env.server.url });
    await next.start();
    await next.close();
    const left = (await queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.runId === run.id);
    expect(left).toHaveLength(0);
  });
});
