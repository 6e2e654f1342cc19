import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { RunPlanner } from '../src/run-planner.js';
import { RunValidationError, validateRun } from '../src/run-request.js';
import { runFromHash, runToHash } from '../src/run-records.js';
import { copyJobOf } from '../src/job-types.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

let env: RedisEnv;
let tower: Tower | null = null;

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

describe('validateRun', () => {
  it('accepts a plan for the smallest media class and refuses bad requests', () => {
    const image = { path: '/img.iso', sha256: 'a'.repeat(64), sizeBytes: 5_000_000_000 };
    expect(validateRun({ image, copies: 2 }).run.mediaClass).toBe('dvd-dl');
    expect(validateRun({ image: { ...image, sizeBytes: 1 << 20 }, copies: 10_000 }).run.mediaClass).toBe('cd');
    const reject = (input: Parameters<typeof validateRun>[0], field: string): void => {
      expect(() => validateRun(input)).toThrow(RunValidationError);
      try {
        validateRun(input);
      } catch (e) {
        expect((e as RunValidationError).field).toBe(field);
      }
    };
    reject({ image, copies: 0 }, 'copies');
    reject({ image, copies: 10_001 }, 'copies');
    reject({ image, copies: 1.5 }, 'copies');
    reject({ image: { ...image, sizeBytes: 60e9 }, copies: 1 }, 'image');
    reject({ image: { ...image, sha256: 'xyz' }, copies: 1 }, 'image.sha256');
    reject({ image: { ...image, format: 'cue', sectors: 1_000_000 }, copies: 1 }, 'image');
  });

  it('puts the copies on the media class asked for, when the image fits it', () => {
    const image = { path: '/img.iso', sha256: 'a'.repeat(64), sizeBytes: 4_000_000 };
    expect(validateRun({ image, copies: 1, mediaClass: 'dvd' }).run.mediaClass).toBe('dvd');
    expect(() => validateRun({ image: { ...image, sizeBytes: 5_000_000_000 }, copies: 1, mediaClass: 'dvd' })).toThrow(/does not go on dvd media; it fits dvd-dl/);
    expect(() => validateRun({ image: { ...image, format: 'cue', sectors: 2000 }, copies: 1, mediaClass: 'dvd' })).toThrow(/does not go on dvd/);
  });
});

describe('the run image', () => {
  it('goes whole, as the same value, from the run into every copy job', () => {
    const image = { path: '/img.cue', sha256: 'b'.repeat(64), sizeBytes: 2352 * 300, sectors: 300, format: 'cue' as const, identity: '1:2:3:4:5', trackModes: ['AUDIO'] };
    const plan = validateRun({ image, copies: 2 });
    expect(plan.job.image).toBe(plan.run.image);
    expect(plan.run.image).toEqual(image);
    expect(runFromHash(runToHash(plan.run, 0))?.image).toEqual(image);
  });

  it('reads a job an earlier version queued with its image in flat fields, whole', () => {
    const legacy = {
      runId: 'r1', copy: 2, verify: { mode: 'all' }, imagePath: '/img.cue', imageSha256: 'c'.repeat(64), imageBytes: 705600,
      imageSectors: 300, imageFormat: 'cue', imageIdentity: '1:2:3:4:5', imageTrackModes: ['AUDIO'],
    };
    const job = copyJobOf(legacy);
    expect(job).toEqual({
      runId: 'r1', copy: 2, verify: { mode: 'all' },
      image: { path: '/img.cue', sha256: 'c'.repeat(64), sizeBytes: 705600, sectors: 300, format: 'cue', identity: '1:2:3:4:5', trackModes: ['AUDIO'] },
    });
    const current = { runId: 'r1', copy: 1, verify: { mode: 'off' }, image: job.image };
    expect(copyJobOf(current)).toBe(current);
  });
});

describe('the image file identity', () => {
  it('goes from the request to the run record and every copy job', () => {
    const identity = '65024:2146375:1048576:1795304010612367261:1795304010652367259';
    const plan = validateRun({ image: { path: '/img.iso', sha256: 'a'.repeat(64), sizeBytes: 1 << 20, identity }, copies: 1 });
    expect(plan.run.image.identity).toBe(identity);
    expect(plan.job.image.identity).toBe(identity);
    expect(runFromHash(runToHash(plan.run, 0))?.image.identity).toBe(identity);
    const without = validateRun({ image: { path: '/img.iso', sha256: 'a'.repeat(64), sizeBytes: 1 << 20 }, copies: 1 });
    expect(without.job.image.identity).toBeUndefined();
    expect(runFromHash(runToHash(without.run, 0))?.image.identity).toBeUndefined();
  });
});

describe('RunPlanner', () => {
  it('queues every copy of a large run once, across its batches, and announces the work', async () => {
    tower = await startTower(env.server.url, 0);
    const sub = env.client.duplicate();
    const works: string[] = [];
    await sub.subscribe(SCHEMA.runControl());
    sub.on('message', (_c: string, text: string) => works.push((JSON.parse(text) as { action: string }).action));
    try {
      const created = await tower.planner.createRun(runInput(env.image, { copies: 250 }));
      const queue = new Queue(SCHEMA.copyQueue('cd'), { connection: { url: env.server.url } });
      const jobs = await queue.getJobs(['prioritized', 'waiting']);
      await queue.close();
      const copies = jobs.filter((j) => (j.data as { runId: string }).runId === created.id).map((j) => (j.data as { copy: number }).copy).sort((a, b) => a - b);
      expect(copies).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      await waitFor(() => works.filter((w) => w === 'work').length >= 1, 2_000, 'a work announcement');
    } finally {
      await sub.quit();
    }
  });

  it('adds a replacement job when a copy exhausts its attempts, and the run still ends with exactly N', async () => {
    tower = await startTower(env.server.url, 1, { worker: { quarantineAfter: 10 } });
    tower.drives[0]?.setFaults({ writeError: { atPercent: 50 } });
    const replaced: string[] = [];
    tower.planner.on('copy:replaced', (r) => replaced.push(r.jobId));
    const created = await tower.planner.createRun(runInput(env.image, { copies: 2, maxAttemptsPerCopy: 1 }));
    await waitFor(async () => (await tower?.planner.store.getRun(created.id))?.status === 'completed', 20_000, 'run completed');
    await tower.planner.idle();
    const attempts = await tower.planner.store.listAttempts(created.id);
    expect(attempts.filter((a) => a.outcome === 'failed')).toHaveLength(1);
    const failedCopy = attempts.find((a) => a.outcome === 'failed')?.copy ?? 0;
    expect(replaced).toEqual([`${created.id}/${failedCopy}/r1`]);
    expect(attempts.filter((a) => a.counted).map((a) => a.copy).sort()).toEqual([1, 2]);
    expect((await tower.planner.store.getRun(created.id))?.counters).toMatchObject({ passed: 2, failed: 1, replacements: 1 });
  });

  it('stops the run as failed when its failure budget is spent', async () => {
    tower = await startTower(env.server.url, 1, { worker: { quarantineAfter: 100, sameDriveRetryDelayMs: 0 } });
    tower.drives[0]?.setFaults({ writeError: { atPercent: 10, sticky: true } });
    const created = await tower.planner.createRun(runInput(env.image, { copies: 3, maxAttemptsPerCopy: 1, failureBudget: 2 }));
    const run = await waitFor(async () => {
      const r = await tower?.planner.store.getRun(created.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'run failed');
    expect(run.statusReason).toContain('failure budget spent');
    await tower.planner.idle();
    await new Promise((r) => setTimeout(r, 200));
    const after = await tower.planner.store.getRun(created.id);
    expect(after?.counters.passed).toBe(0);
    // No burn starts once the run has failed.
    expect(after?.counters.attempts).toBe(run.counters.attempts);
    expect(after?.counters.open).toBe(0);
  });

  it('pauses and resumes a run', async () => {
    const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
    await planner.start();
    const created = await planner.createRun(runInput(env.image, { copies: 2 }));
    expect(await planner.pauseRun(created.id)).toBe(true);
    await planner.close();
    tower = await startTower(env.server.url, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await tower.planner.store.listAttempts(created.id)).toEqual([]);
    expect(await tower.planner.resumeRun(created.id)).toBe(true);
    await waitFor(async () => (await tower?.planner.store.getRun(created.id))?.status === 'completed', 20_000, 'run completed');
    expect((await tower.planner.store.getRun(created.id))?.counters.passed).toBe(2);
  });
});
