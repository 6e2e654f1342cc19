/**
 * Issue 12: one media read per burn cycle. The drive loop's look reads the
 * disc, and the copy it fetches is burned on what that look found; neither
 * the copy processor nor a refusal asks the drive again. On a real drive
 * each read is a tool process (cdrskin -minfo).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedDrive } from 'node-cdrecord-wrapper';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

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
  expect(tower?.errors ?? []).toEqual([]);
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

/** Record the drive's media reads and burns, in order. */
function recordCalls(drive: SimulatedDrive): string[] {
  const calls: string[] = [];
  const media = drive.media.bind(drive);
  const burn = drive.burn.bind(drive);
  drive.media = (...args) => {
    calls.push('media');
    return media(...args);
  };
  drive.burn = (...args) => {
    calls.push('burn');
    return burn(...args);
  };
  return calls;
}

describe('a burn cycle', () => {
  it('reads the disc once: the look that fetched the copy, then the burn', async () => {
    // A long poll: once idle, the drive looks again only when work is announced.
    tower = await startTower(env.server.url, 1, { worker: { pollIntervalMs: 60_000 } });
    const drive = tower.drives[0]!;
    const worker = tower.workers[0]!;
    await waitFor(() => worker.status?.state === 'blank', 10_000, 'the drive idle with a blank');
    const calls = recordCalls(drive);
    const run = await tower.planner.createRun(runInput(env.image, { copies: 1 }));
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 20_000, 'the run completed');
    expect(calls.slice(0, calls.indexOf('burn') + 1)).toEqual(['media', 'burn']);
  });
});
