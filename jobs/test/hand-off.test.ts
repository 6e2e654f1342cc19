/**
 * A copy drawn by a drive that may not burn it goes straight to an idle drive
 * of the same agent that may, instead of back to the queue where every idle
 * drive draws lots for it again.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConnections } from '../src/agent-connections.js';
import { DriveWorker } from '../src/drive-worker.js';
import { RunPlanner } from '../src/run-planner.js';
import { WaitingDrives } from '../src/waiting-drives.js';
import { runInput, startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

const job = (id: string): Job => ({ id }) as unknown as Job;

describe('WaitingDrives', () => {
  it('hands a job to the longest-waiting allowed drive of its class, once', () => {
    const w = new WaitingDrives();
    const got: string[] = [];
    w.wait('cd', 'sim:0', (j, t) => (got.push(`sim:0 ${j.id} ${t}`), true));
    w.wait('cd', 'sim:1', (j, t) => (got.push(`sim:1 ${j.id} ${t}`), true));
    w.wait('dvd', 'sim:2', () => (got.push('sim:2'), true));
    expect(w.handOff('cd', job('a'), 'tok-a', (id) => id !== 'sim:0')).toBe('sim:1');
    expect(w.handOff('cd', job('b'), 'tok-b', () => true)).toBe('sim:0');
    // Both took a job, so neither waits any more; the DVD drive does not take a CD copy.
    expect(w.handOff('cd', job('c'), 'tok-c', () => true)).toBeNull();
    expect(got).toEqual(['sim:1 a tok-a', 'sim:0 b tok-b']);
    expect(w.waiting('dvd')).toEqual(['sim:2']);
  });

  it('skips a drive that refuses, and forgets withdrawn and re-registered drives', () => {
    const w = new WaitingDrives();
    w.wait('cd', 'busy', () => false);
    const withdraw = w.wait('cd', 'gone', () => true);
    w.wait('cd', 'moved', () => true);
    w.wait('dvd', 'moved', () => true); // now waits for DVD only
    w.wait('cd', 'ready', () => true);
    withdraw();
    expect(w.waiting('cd')).toEqual(['busy', 'ready']);
    expect(w.handOff('cd', job('a'), 't', () => true)).toBe('ready');
    // A drive that refused is no longer counted as waiting: it registers again when it looks again.
    expect(w.waiting('cd')).toEqual([]);
    expect(w.waiting('dvd')).toEqual(['moved']);
  });

  it('leaves a later registration alone when an old withdraw function runs', () => {
    const w = new WaitingDrives();
    const old = w.wait('cd', 'sim:0', () => true);
    w.wait('cd', 'sim:0', () => true);
    old();
    expect(w.waiting('cd')).toEqual(['sim:0']);
  });
});

/**
 * Agents (one AgentConnections each) with blank simulated CD-R drives and a
 * planner; a run restricted to `allowed`, whose one copy the test holds
 * (fetched with its own token) until `release()` puts it back in the queue.
 */
async function handOffScene(env: RedisEnv, agents: readonly string[], allowed: string) {
  const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
  const pools = new Map(agents.map((name) => [name, new AgentConnections({ redisUrl: env.server.url, lockDurationMs: 5_000, name })]));
  const drives: SimulatedDrive[] = [];
  const workers: DriveWorker[] = [];
  const errors: Error[] = [];
  const begins: string[] = [];
  await planner.start();
  await Promise.all([...pools.values()].map((p) => p.start()));
  const run = await planner.createRun(runInput(env.image, { copies: 1, allowedDrives: [allowed] }));
  const anyPool = [...pools.values()][0]!;
  const token = randomUUID();
  const held = await waitFor(() => anyPool.fetchCopy('cd', token, 0), 5_000, 'the copy');
  return {
    pools, begins, errors,
    /** Start a worker for drive `sim:<index>` (a blank in it) on an agent. */
    async drive(index: number, agent: string, pollIntervalMs: number): Promise<void> {
      const drive = new SimulatedDrive({ index, timeScale: 0.0005, progressIntervalMs: 5 });
      drive.insertDisc('CD-R');
      drives.push(drive);
      const w = new DriveWorker({ drive, agentId: agent, connections: pools.get(agent)!, pollIntervalMs, lockDurationMs: 5_000 });
      w.on('attempt-begin', (a) => begins.push(a.driveId));
      w.on('error', (e) => errors.push(e));
      workers.push(w);
      await w.start();
    },
    /** The copy back in the queue, due now. */
    async release(): Promise<void> {
      await held.moveToDelayed(Date.now(), token);
      for (const p of pools.values()) p.reopen('cd');
    },
    completed: async () => (await planner.store.getRun(run.id))?.status === 'completed',
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...pools.values()].map((p) => p.close()));
      await planner.close();
      for (const d of drives) d.dispose();
    },
  };
}

describe('drive workers hand copies over', () => {
  let env: RedisEnv;
  beforeAll(async () => {
    env = await startRedisEnv();
  });
  afterAll(async () => env?.stop());

  it('gives a copy restricted to a waiting drive to it at once, not back to the queue', async () => {
    const scene = await handOffScene(env, ['a'], 'sim:1');
    try {
      // sim:1 looked while the test held the copy: it found the queue empty and sleeps a long poll.
      await scene.drive(1, 'a', 60_000);
      await waitFor(() => scene.pools.get('a')?.waiting.waiting('cd').includes('sim:1'), 5_000, 'sim:1 waiting');
      // Back to the queue; sim:0, which may not burn it, draws it next.
      await scene.release();
      await scene.drive(0, 'a', 50);
      await waitFor(() => scene.begins.length > 0, 5_000, 'a burn on sim:1 (it sleeps 60 s: only a hand-off starts it)');
      expect(scene.begins).toEqual(['sim:1']);
      await waitFor(scene.completed, 10_000, 'the run to complete');
      expect(scene.errors).toEqual([]);
    } finally {
      await scene.close();
    }
  });

  it('calls the drive of another agent to a copy only it may burn, when the copy is back in the queue', async () => {
    const scene = await handOffScene(env, ['a', 'b'], 'sim:9');
    try {
      // Agent B's drive finds the queue empty and sleeps its long poll.
      await scene.drive(9, 'b', 60_000);
      await waitFor(() => scene.pools.get('b')?.waiting.waiting('cd').includes('sim:9'), 5_000, 'sim:9 waiting');
      await scene.release();
      // Agent A's idle drives, which may not burn it, draw it and give it back.
      await scene.drive(3, 'a', 300);
      await scene.drive(4, 'a', 300);
      await waitFor(() => scene.begins.length > 0, 8_000, 'a burn on sim:9 (it sleeps 60 s: only the call starts it)');
      expect(scene.begins).toEqual(['sim:9']);
      await waitFor(scene.completed, 10_000, 'the run to complete');
      expect(scene.errors).toEqual([]);
    } finally {
      await scene.close();
    }
  });
});
