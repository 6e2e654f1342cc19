/**
 * Several runs share the tower by priority: with one drive, the copies of the
 * more urgent run (lower number) are burned before those of a run queued
 * earlier with a lower priority.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisEnv, Tower } from './support/tower-harness.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';

describe('runs share the tower by priority', () => {
  let env: RedisEnv;
  let tower: Tower;

  beforeAll(async () => {
    env = await startRedisEnv();
    // No drive yet: both runs are queued before any burn starts.
    tower = await startTower(env.server.url, 0);
  });
  afterAll(async () => {
    await tower.stop();
    await env.stop();
  });

  it('burns the urgent run first, then the other, each to exactly its count', async () => {
    const routine = await tower.planner.createRun(runInput(env.image, { copies: 3, priority: 500 }));
    const urgent = await tower.planner.createRun(runInput(env.image, { copies: 3, priority: 1 }));
    const order: string[] = [];
    const one = await startTower(env.server.url, 1);
    try {
      one.workers[0]!.on('attempt-begin', (a) => order.push(a.runId));
      await waitFor(async () => (await tower.planner.store.getRun(routine.id))?.status === 'completed', 20_000, 'routine run');
      expect(order.slice(0, 3)).toEqual([urgent.id, urgent.id, urgent.id]);
      expect(order.slice(3)).toEqual([routine.id, routine.id, routine.id]);
      expect((await tower.planner.store.getRun(urgent.id))?.counters.passed).toBe(3);
      expect((await tower.planner.store.getRun(routine.id))?.counters.passed).toBe(3);
    } finally {
      await one.stop();
    }
  });
});
