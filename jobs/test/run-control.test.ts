import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { RUN_TRANSITIONS } from '../src/run-control.js';
import type { RunControlAction, RunControlState } from '../src/run-control.js';
import type { NewRun } from '../src/run-records.js';
import { RunPlanner } from '../src/run-planner.js';
import { RunImageGoneError, RunStore } from '../src/run-store.js';
import { runInput, startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

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

function newRun(extra: Partial<NewRun> = {}): NewRun {
  return {
    id: randomUUID(),
    image: { path: env.image.path, sha256: env.image.sha256, sizeBytes: env.image.bytes, sectors: Math.ceil(env.image.bytes / 2048), format: 'iso' },
    mediaClass: 'cd', copies: 2, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 3, ...extra,
  };
}

/** A run in `state` with `open` attempts open (written into its hash as the scripts would). */
async function runIn(state: RunControlState, open: number): Promise<string> {
  const run = newRun();
  await store.createRun(run);
  const key = store.keys.run(run.id);
  await env.client.hset(key, 'status', state === 'cancelling' ? 'paused' : state, 'open', String(open));
  if (state === 'cancelling') await env.client.hset(key, 'finishing', '1', 'cancelReason', 'cancelled by olga');
  return run.id;
}

async function stateOf(runId: string): Promise<RunControlState> {
  const run = await store.getRun(runId);
  if (run === null) throw new Error('no run');
  return run.finishing === true ? 'cancelling' : run.status;
}

const STATES: readonly RunControlState[] = ['queued', 'running', 'paused', 'cancelling', 'completed', 'failed', 'cancelled'];
const ACTIONS: readonly RunControlAction[] = ['pause', 'resume', 'cancel-now', 'cancel-finish', 'settle'];

describe('run control (one script per transition)', () => {
  for (const open of [0, 1]) {
    for (const action of ACTIONS) {
      it(`${action} from every state, ${open} attempt open: the table, and nothing else`, async () => {
        for (const from of STATES) {
          const id = await runIn(from, open);
          let want = RUN_TRANSITIONS[action][from];
          if (want === 'cancelling' && open === 0) want = 'cancelled';
          if (action === 'settle' && open > 0) want = undefined;
          const result = await store.controlRun(id, action, { reason: 'by olga' });
          if (want === undefined) {
            expect(result, `${action} from ${from}`).toEqual({ ok: false, found: from });
            expect(await stateOf(id), `${action} from ${from}`).toBe(from);
          } else {
            expect(result, `${action} from ${from}`).toEqual({ ok: true, from, to: want });
            expect(await stateOf(id), `${action} from ${from}`).toBe(want);
          }
        }
      });
    }
  }

  it('never resumes a cancelling run; it becomes cancelled, with the cancel\'s reason, once its last burn ends', async () => {
    const id = await runIn('running', 1);
    expect(await store.controlRun(id, 'cancel-finish', { reason: 'cancelled by olga' })).toEqual({ ok: true, from: 'running', to: 'cancelling' });
    expect((await store.getRun(id))?.statusReason).toBe('cancelled by olga: letting the burns in flight finish');
    expect(await store.controlRun(id, 'resume')).toEqual({ ok: false, found: 'cancelling' });
    expect(await store.controlRun(id, 'pause')).toEqual({ ok: false, found: 'cancelling' });
    expect(await store.controlRun(id, 'cancel-finish')).toEqual({ ok: false, found: 'cancelling' });
    expect(await store.controlRun(id, 'settle')).toEqual({ ok: false, found: 'cancelling' });
    await env.client.hset(store.keys.run(id), 'open', '0');
    expect(await store.controlRun(id, 'settle')).toEqual({ ok: true, from: 'cancelling', to: 'cancelled' });
    const run = await store.getRun(id);
    expect(run).toMatchObject({ status: 'cancelled', statusReason: 'cancelled by olga' });
    expect(run?.finishing).toBeUndefined();
  });

  it('refuses an unknown run as missing', async () => {
    expect(await store.controlRun('nope', 'pause')).toEqual({ ok: false, found: 'missing' });
  });

  it('of many racing requests exactly one wins', async () => {
    for (let i = 0; i < 10; i++) {
      const id = await runIn('running', 1);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.controlRun(id, 'cancel-finish')));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await stateOf(id)).toBe('cancelling');
    }
  });
});

describe('image references (a delete and a run creation never both go ahead)', () => {
  it('a run holds its image until it finishes; a claimed image takes no run', async () => {
    const run = newRun({ imageId: 'img-1' });
    expect(await store.createRun(run)).toBe(true);
    expect(await store.imageRunIds('img-1')).toEqual([run.id]);
    expect((await store.getRun(run.id))?.imageId).toBe('img-1');
    expect(await store.claimImageDelete('img-1')).toEqual({ ok: false, reason: 'in-use', runId: run.id });
    await store.controlRun(run.id, 'cancel-now');
    const claim = await store.claimImageDelete('img-1');
    expect(claim.ok).toBe(true);
    // The finished run left the image's set.
    expect(await store.imageRunIds('img-1')).toEqual([]);
    expect(await store.claimImageDelete('img-1')).toEqual({ ok: false, reason: 'deleting' });
    const refused = newRun({ imageId: 'img-1' });
    await expect(store.createRun(refused)).rejects.toThrow(RunImageGoneError);
    expect(await store.getRun(refused.id)).toBeNull();
    expect(await store.listRunIds()).toEqual([run.id]);
    // Another's token does not release the claim; the claimant's does.
    await store.releaseImageDelete('img-1', 'not-the-token');
    await expect(store.createRun(refused)).rejects.toThrow(RunImageGoneError);
    if (claim.ok) await store.releaseImageDelete('img-1', claim.token);
    expect(await store.createRun(refused)).toBe(true);
  });

  it('a claim lapses by itself (a controller that died holding it)', async () => {
    expect((await store.claimImageDelete('img-2', 50)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.createRun(newRun({ imageId: 'img-2' }))).toBe(true);
  });

  it('takes back a run just created, before it had jobs or attempts, and only then', async () => {
    const run = newRun({ imageId: 'img-3' });
    await store.createRun(run);
    expect(await store.discardRun(run.id)).toBe(true);
    expect(await store.getRun(run.id)).toBeNull();
    expect(await store.listRunIds()).toEqual([]);
    expect(await store.imageRunIds('img-3')).toEqual([]);
    const started = newRun({ imageId: 'img-3' });
    await store.createRun(started);
    await env.client.hset(store.keys.run(started.id), 'status', 'running', 'attempts', '1');
    expect(await store.discardRun(started.id)).toBe(false);
    expect(await store.getRun(started.id)).not.toBeNull();
  });

  it('racing claims and creations: never a run created while a claim holds', async () => {
    for (let i = 0; i < 20; i++) {
      const imageId = `img-race-${i}`;
      const run = newRun({ imageId });
      const [claim, created] = await Promise.all([
        store.claimImageDelete(imageId),
        store.createRun(run).then(() => true, (err: unknown) => (err instanceof RunImageGoneError ? false : Promise.reject(err))),
      ]);
      expect(claim.ok && created, `trial ${i}`).toBe(false);
      expect(claim.ok || created, `trial ${i}`).toBe(true);
    }
  });
});

describe('the queues follow run control (planner)', () => {
  let planner: RunPlanner;
  let queue: Queue;
  beforeEach(async () => {
    planner = new RunPlanner({ redisUrl: env.server.url });
    await planner.start();
    queue = new Queue(SCHEMA.copyQueue('cd'), { connection: { url: env.server.url } });
  });
  const queued = async (runId: string): Promise<number[]> =>
    (await queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.runId === runId).map((j) => j.data.copy as number).sort();
  const close = async (): Promise<void> => {
    await queue.close();
    await planner.close();
  };

  it('a resumed run whose jobs were removed gets them back', async () => {
    try {
      const run = await planner.createRun(runInput(env.image, { copies: 3 }));
      expect(await planner.pauseRun(run.id)).toBe(true);
      // Removed meanwhile (as a cancel racing a resume did before run control was one state machine).
      for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed'])) await job.remove();
      expect(await queued(run.id)).toEqual([]);
      expect(await planner.resumeRun(run.id)).toBe(true);
      expect(await queued(run.id)).toEqual([1, 2, 3]);
    } finally {
      await close();
    }
  });

  it('a cancelling run has no queued job, even after a restart, and is cancelled once its last burn ends', async () => {
    try {
      const run = await planner.createRun(runInput(env.image, { copies: 3 }));
      const begun = await store.beginAttempt({
        id: randomUUID(), runId: run.id, copy: 1, jobId: `${run.id}/1`, driveId: 'sim:0', agentId: 'host-a', mediaType: 'CD-R',
        imageSha256: env.image.sha256, verifyPolicy: 'all', startedAt: Date.now(), dummyFirst: false,
      });
      if (!begun.ok) throw new Error(begun.reason);
      expect(await planner.controlRun(run.id, 'cancel-finish', 'cancelled by olga')).toEqual({ ok: true, from: 'running', to: 'cancelling' });
      expect(await queued(run.id)).toEqual([]);
      expect((await planner.controlRun(run.id, 'resume')).ok).toBe(false);
      // A retry of the burn in flight lands in the queue; the planner's reconcile (at start) takes it out again.
      await queue.add('copy', { runId: run.id, copy: 1, replacement: 0 }, { jobId: `${run.id}/1/retry`, delay: 10_000 });
      await planner.reconcile();
      expect(await queued(run.id)).toEqual([]);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'paused', finishing: true });
      await store.endAttempt(begun.attempt.id, { outcome: 'passed', endedAt: Date.now() });
      await planner.reconcile();
      expect(await store.getRun(run.id)).toMatchObject({ status: 'cancelled', statusReason: 'cancelled by olga' });
    } finally {
      await close();
    }
  });
});
