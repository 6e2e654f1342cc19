/**
 * AttemptTally on a real Redis and run store: an attempt seen open is taken
 * when it closes, once; an attempt begun later with an earlier start (an
 * agent whose clock is behind) is found all the same; a copy refused for its
 * media is handed on marked as such; a new tally on the same Redis (a
 * restart) takes exactly the same attempts.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore, startEmbeddedRedis } from '@tower/jobs';
import type { AttemptStart, EmbeddedRedis } from '@tower/jobs';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { AttemptTally } from '../../src/metrics/attempt-tally.js';
import type { ClosedAttempt } from '../../src/metrics/attempt-tally.js';

let server: EmbeddedRedis;
let redis: Redis;
let store: RunStore;
let cleanup: () => void;
const RUN = 'run-tally';

beforeAll(async () => {
  const tmp = makeTempDir('tower-tally-');
  cleanup = tmp.cleanup;
  server = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  store = new RunStore(redis);
  await store.createRun({
    id: RUN, image: { path: '/x.iso', sha256: 'a'.repeat(64), sizeBytes: 2048, sectors: 1, format: 'iso' },
    mediaClass: 'cd', copies: 5, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 5,
  });
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
  cleanup?.();
});

async function begin(copy: number, startedAt: number, driveId = 'sim:0'): Promise<string> {
  const start: AttemptStart = {
    id: randomUUID(), runId: RUN, copy, jobId: `${RUN}/${copy}`, driveId, agentId: 'agent-a', mediaType: 'CD-R',
    imageSha256: 'a'.repeat(64), verifyPolicy: 'all', startedAt, dummyFirst: false,
  };
  const r = await store.beginAttempt(start);
  if (!r.ok) throw new Error(`begin refused: ${r.reason}`);
  return r.attempt.id;
}

const tally = (into: ClosedAttempt[]): AttemptTally => new AttemptTally(redis, store.keys, (a) => into.push(a));

describe('AttemptTally', () => {
  it('takes each closed attempt once, whenever it closes and whatever its start time says', async () => {
    const taken: ClosedAttempt[] = [];
    const t = tally(taken);
    const now = Date.now();
    const a = await begin(1, now);
    expect(await t.sync()).toBe(0);
    await store.endAttempt(a, { outcome: 'passed', endedAt: now + 10, durationMs: 180_000, verifyDurationMs: 60_000, verifyResult: 'passed' });
    expect(await t.sync()).toBe(1);
    expect(await t.sync()).toBe(0);
    expect(taken).toEqual([{ id: a, driveId: 'sim:0', mediaType: 'CD-R', outcome: 'passed', refusal: false, burnSeconds: 180, verifySeconds: 60 }]);

    // Begun after the last look but an hour "earlier" (an agent's clock behind): still found.
    const b = await begin(2, now - 3_600_000, 'sim:1');
    await store.endAttempt(b, { outcome: 'failed', endedAt: now, error: { code: 'WRITE_ERROR', message: 'w', retryable: true, driveFault: true, needsOperator: false } });
    const c = await begin(3, now + 20);
    await store.endAttempt(c, { outcome: 'failed', endedAt: now + 30, error: { code: 'WRONG_MEDIA', message: 'not a CD', retryable: true, driveFault: false, needsOperator: true } });
    // Concurrent syncs share one look (both answer its count): nothing is handed on twice.
    expect(await Promise.all([t.sync(), t.sync()])).toEqual([2, 2]);
    expect(taken.map((e) => [e.id, e.outcome, e.refusal, e.burnSeconds])).toEqual([
      [a, 'passed', false, 180], [b, 'failed', false, null], [c, 'failed', true, null],
    ]);
    expect(t.closedCount).toBe(3);

    // A restart: a new tally reads the same history and takes the same attempts.
    const again: ClosedAttempt[] = [];
    expect(await tally(again).sync()).toBe(3);
    expect(new Set(again.map((e) => JSON.stringify(e)))).toEqual(new Set(taken.map((e) => JSON.stringify(e))));
  });
});
