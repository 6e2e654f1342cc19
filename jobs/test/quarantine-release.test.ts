/**
 * Issue 12: a drive quarantined after K faults in a row and released by an
 * operator through the API (`releaseDrive`, which deletes its entry in Redis
 * without telling the agent) starts counting again from zero: one more fault
 * does not quarantine it again.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getQuarantine, releaseDrive } from '../src/drive-quarantine.js';
import type { QuarantineInfo } from '../src/drive-quarantine.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import type { AttemptEndEvent } from '../src/run-events.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

let env: RedisEnv;
let tower: Tower | null = null;
const keys = new RedisSchema();

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(tower?.errors ?? []).toEqual([]);
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

describe('releasing a quarantined drive through the API', () => {
  it('resets its failures in a row: one fault after the release does not quarantine it again', async () => {
    tower = await startTower(env.server.url, 1, { worker: { quarantineAfter: 2 } });
    const drive = tower.drives[0]!;
    const worker = tower.workers[0]!;
    const quarantines: QuarantineInfo[] = [];
    const ends: AttemptEndEvent[] = [];
    worker.on('quarantined', (q) => quarantines.push(q));
    worker.on('attempt-end', (e) => {
      ends.push(e);
      // The third failure (the first after the release) is the last: the drive is mended.
      if (ends.length === 3) drive.setFaults({});
    });
    drive.setFaults({ writeError: { atPercent: 30, sticky: true } });
    const run = await tower.planner.createRun(runInput(env.image, { copies: 1, maxAttemptsPerCopy: 6, failureBudget: 10 }));

    // K = 2 drive faults in a row quarantine it.
    const q = await waitFor(() => getQuarantine(env.client, keys, 'sim:0'), 20_000, 'the drive quarantined');
    expect(q.failures).toBe(2);
    expect(ends.map((e) => e.outcome)).toEqual(['failed', 'failed']);

    // The operator releases it the way the API does: the agent is not told.
    expect(await releaseDrive(env.client, keys, 'sim:0')).toBe(true);

    // One more fault (the third attempt) is one in a row, not three: the drive goes on and burns the copy.
    const done = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'completed' || quarantines.length > 1 ? (r ?? true) : null;
    }, 20_000, 'the run to complete or the drive to be quarantined again');
    expect(quarantines).toHaveLength(1);
    expect(await getQuarantine(env.client, keys, 'sim:0')).toBeNull();
    expect(done).toMatchObject({ status: 'completed' });
    expect(ends.map((e) => e.outcome)).toEqual(['failed', 'failed', 'failed', 'passed']);
    expect(worker.consecutiveFailures).toBe(0);
  });
});
