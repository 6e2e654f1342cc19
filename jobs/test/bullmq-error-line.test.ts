/**
 * BullMQ's lock and state errors as one log line: the errors are made by a
 * real BullMQ on a real redis-server (a lock deleted under a job in
 * flight, another worker's token, a job removed, a lock that cannot be
 * renewed), so the texts matched are the ones BullMQ writes.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmqErrorLine, logBullmqError } from '../src/bullmq-error-line.js';
import { toLogger } from '../src/logger.js';
import type { Logger, LogMethod } from '../src/logger.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
let connection: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  env = await startRedisEnv();
  connection = new Redis(env.server.url, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  connection.disconnect();
  await env.stop();
});

/** A queue with one job and a manual worker holding it under `token`. */
async function jobInFlight(name: string): Promise<{ queue: Queue; worker: Worker; job: Job; token: string }> {
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, null, { connection, autorun: false, lockDuration: 60_000 });
  closers.push(() => worker.close(), () => queue.close());
  await queue.add('copy', { n: 1 }, { jobId: `${name}-job` });
  const token = randomUUID();
  const job = (await worker.getNextJob(token)) as Job;
  expect(job.id).toBe(`${name}-job`);
  return { queue, worker, job, token };
}

/** The error a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  const result = await p.then(() => null, (e: unknown) => e as Error);
  if (result === null) throw new Error('expected BullMQ to refuse');
  return result;
}

describe('bullmqErrorLine on BullMQ\'s own errors', () => {
  it('a lock deleted under a job in flight (expired, taken over): one warning naming the job, queue and command', async () => {
    const { job, token } = await jobInFlight('lost-lock');
    await connection.del(`bull:lost-lock:${job.id}:lock`);
    const err = await rejection(job.moveToCompleted('done', token, false));
    expect(err.message).toBe('Missing lock for job lost-lock-job. moveToFinished');
    const line = bullmqErrorLine(err, 'lost-lock');
    expect(line.level).toBe('warn');
    expect(line.fields).toEqual({ jobId: 'lost-lock-job', queue: 'lost-lock', command: 'moveToFinished' });
    expect(line.msg).toMatch(/^job lost-lock-job lost its lock before moveToFinished \(it stalled and went to another worker/);
    expect(line.msg).not.toContain('Missing lock');
  });

  it('another worker\'s token: a lock mismatch, a warning', async () => {
    const { job } = await jobInFlight('mismatch');
    const err = await rejection(job.moveToCompleted('done', randomUUID(), false));
    expect(err.message).toMatch(/^Lock mismatch for job mismatch-job\. Cmd moveToFinished from active$/);
    const line = bullmqErrorLine(err, 'mismatch');
    expect(line).toMatchObject({ level: 'warn', fields: { jobId: 'mismatch-job', queue: 'mismatch', command: 'moveToFinished' } });
    expect(line.msg).toContain('locked by another worker');
  });

  it('a job removed while a drive still held it: gone, a warning', async () => {
    const { job, token } = await jobInFlight('removed');
    // What a run's removal does to its jobs, lock and all.
    await connection.del(`bull:removed:${job.id}`, `bull:removed:${job.id}:lock`);
    const err = await rejection(job.moveToDelayed(Date.now() + 1000, token));
    expect(err.message).toBe('Missing key for job removed-job. moveToDelayed');
    expect(bullmqErrorLine(err)).toEqual({
      level: 'warn', fields: { jobId: 'removed-job', command: 'moveToDelayed' }, msg: 'job removed-job is gone (removed, e.g. with its run) before moveToDelayed',
    });
  });

  it('a job no longer active under its lock: not in the active state, a warning', async () => {
    const { job, token } = await jobInFlight('moved');
    // Out of the active list with its lock still there.
    await connection.lrem('bull:moved:active', 0, job.id as string);
    const err = await rejection(job.moveToCompleted('done', token, false));
    expect(err.message).toBe('Job moved-job is not in the active state. moveToFinished');
    expect(bullmqErrorLine(err, 'moved')).toEqual({
      level: 'warn',
      fields: { jobId: 'moved-job', queue: 'moved', command: 'moveToFinished' },
      msg: 'job moved-job is no longer active (moveToFinished): the stalled-job checker or another worker moved it',
    });
  });

  it('a lock the worker cannot renew: the worker\'s error event, a warning', async () => {
    const name = 'renew';
    const queue = new Queue(name, { connection });
    let release = (): void => undefined;
    const processing = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = (): void => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const worker = new Worker(name, async () => {
      started();
      await processing;
    }, { connection, lockDuration: 600 });
    closers.push(() => worker.close(true), () => queue.close());
    const errors: Error[] = [];
    const seen = new Promise<Error>((resolve) => worker.on('error', (e) => {
      errors.push(e);
      resolve(e);
    }));
    await queue.add('copy', {}, { jobId: 'renew-job' });
    await running;
    await connection.del(`bull:${name}:renew-job:lock`);
    const err = await seen;
    release();
    expect(err.message).toBe('could not renew lock for job renew-job');
    const line = bullmqErrorLine(err, worker.name);
    expect(line).toMatchObject({ level: 'warn', fields: { jobId: 'renew-job', queue: 'renew' } });
    expect(line.msg).toBe('job renew-job: its lock could not be renewed; it may stall and go to another worker');
  });

  it('anything else stays an error with BullMQ\'s own text', () => {
    const line = bullmqErrorLine(new Error('Connection is closed.'), 'tower-copies-cd');
    expect(line).toEqual({ level: 'error', fields: { queue: 'tower-copies-cd' }, msg: 'Connection is closed.' });
  });

  it('logBullmqError writes exactly one line at its level', () => {
    const lines: string[] = [];
    const levels: string[] = [];
    const base = toLogger((l) => lines.push(l));
    const at = (level: string): LogMethod => ((fields: object, msg: string) => {
      levels.push(level);
      base.info(fields, msg);
    }) as LogMethod;
    const spy: Logger = { ...base, warn: at('warn'), error: at('error') };
    logBullmqError(spy, new Error('Missing lock for job 7. moveToFinished'), 'q');
    logBullmqError(spy, new Error('ERR something broke'), 'q');
    expect(levels).toEqual(['warn', 'error']);
    expect(lines).toEqual([
      'job 7 lost its lock before moveToFinished (it stalled and went to another worker, or its lock expired): this worker\'s result is not recorded',
      'ERR something broke',
    ]);
  });
});
