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

describe('drive workers hand copies over', () => {
  let env: RedisEnv;
  beforeAll(async () => {
    env = await startRedisEnv();
  });
  afterAll(async () => env?.stop());

  it('gives a copy restricted to a waiting drive to it at once, not back to the queue', async () => {
    const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
    const pool = new AgentConnections({ redisUrl: env.server.url, lockDurationMs: 5_000 });
    const drives = [0, 1].map((index) => new SimulatedDrive({ index, timeScale: 0.0005, progressIntervalMs: 5 }));
    for (const d of drives) d.insertDisc('CD-R');
    const workers: DriveWorker[] = [];
    const errors: Error[] = [];
    try {
      await planner.start();
      await pool.start();
      const run = await planner.createRun(runInput(env.image, { copies: 1, allowedDrives: ['sim:1'] }));
      // The test holds the copy while sim:1 looks, so sim:1 finds the queue empty and waits, for a long poll.
      const token = randomUUID();
      const held = await waitFor(() => pool.fetchCopy('cd', token, 0), 5_000, 'the copy');
      const begins: string[] = [];
      const make = (drive: SimulatedDrive, pollIntervalMs: number): DriveWorker => {
        const w = new DriveWorker({ drive, agentId: 'agent-hand-off', connections: pool, pollIntervalMs, lockDurationMs: 5_000 });
        w.on('attempt-begin', (a) => begins.push(a.driveId));
        w.on('error', (e) => errors.push(e));
        workers.push(w);
        return w;
      };
      await make(drives[1]!, 60_000).start();
      await waitFor(() => pool.waiting.waiting('cd').includes('sim:1'), 5_000, 'sim:1 waiting');

      // Back to the queue; sim:0, which may not burn it, draws it next.
      await held.moveToDelayed(Date.now(), token);
      pool.reopen('cd');
      const drawn = Date.now();
      await make(drives[0]!, 50).start();
      await waitFor(() => begins.length > 0, 5_000, 'a burn on sim:1 (it sleeps 60 s: only a hand-off starts it)');
      expect(begins).toEqual(['sim:1']);
      expect(Date.now() - drawn).toBeLessThan(5_000);
      await waitFor(async () => (await planner.store.getRun(run.id))?.status === 'completed', 10_000, 'the run to complete');
      expect(errors).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await pool.close();
      await planner.close();
      for (const d of drives) d.dispose();
    }
  });

  it('calls the drive of another agent to a copy only it may burn, when the copy is back in the queue', async () => {
    const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
    const poolA = new AgentConnections({ redisUrl: env.server.url, lockDurationMs: 5_000, name: 'a' });
    const poolB = new AgentConnections({ redisUrl: env.server.url, lockDurationMs: 5_000, name: 'b' });
    const drives = [3, 4, 9].map((index) => new SimulatedDrive({ index, timeScale: 0.0005, progressIntervalMs: 5 }));
    for (const d of drives) d.insertDisc('CD-R');
    const workers: DriveWorker[] = [];
    const errors: Error[] = [];
    const begins: string[] = [];
    const make = (drive: SimulatedDrive, pool: AgentConnections, agentId: string, pollIntervalMs: number): DriveWorker => {
      const w = new DriveWorker({ drive, agentId, connections: pool, pollIntervalMs, lockDurationMs: 5_000 });
      w.on('attempt-begin', (a) => begins.push(a.driveId));
      w.on('error', (e) => errors.push(e));
      workers.push(w);
      return w;
    };
    try {
      await planner.start();
      await Promise.all([poolA.start(), poolB.start()]);
      const run = await planner.createRun(runInput(env.image, { copies: 1, allowedDrives: ['sim:9'] }));
      const token = randomUUID();
      const held = await waitFor(() => poolA.fetchCopy('cd', token, 0), 5_000, 'the copy');
      // Agent B's drive finds the queue empty and sleeps its long poll.
      await make(drives[2]!, poolB, 'agent-b', 60_000).start();
      await waitFor(() => poolB.waiting.waiting('cd').includes('sim:9'), 5_000, 'sim:9 waiting');
      await held.moveToDelayed(Date.now(), token);
      poolA.reopen('cd');
      // Agent A's idle drives, which may not burn it, draw it and give it back.
      await make(drives[0]!, poolA, 'agent-a', 300).start();
      await make(drives[1]!, poolA, 'agent-a', 300).start();
      await waitFor(() => begins.length > 0, 8_000, 'a burn on sim:9 (it sleeps 60 s: only the call starts it)');
      expect(begins).toEqual(['sim:9']);
      await waitFor(async () => (await planner.store.getRun(run.id))?.status === 'completed', 10_000, 'the run to complete');
      expect(errors).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([poolA.close(), poolB.close()]);
      await planner.close();
      for (const d of drives) d.dispose();
    }
  });
});
