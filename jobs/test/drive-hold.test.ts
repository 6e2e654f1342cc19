/**
 * `DriveWorker.hold()`: an operator's eject runs between two of the drive
 * loop's looks. The kernel refuses to move a tray while anyone has the
 * device open, and the loop's look opens it (cdrskin -minfo on a real
 * drive): without the hold, an eject that lands on a look fails as busy.
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Each look takes `lookMs` and is logged; `open` counts looks in progress. */
function slowLooks(drive: SimulatedDrive, lookMs: number): { log: string[]; open: () => number } {
  const log: string[] = [];
  let open = 0;
  const media = drive.media.bind(drive);
  drive.media = async (...args) => {
    open++;
    log.push('look');
    try {
      await sleep(lookMs);
      return await media(...args);
    } finally {
      open--;
    }
  };
  const burn = drive.burn.bind(drive);
  drive.burn = (...args) => {
    log.push('burn');
    return burn(...args);
  };
  return { log, open: () => open };
}

describe('holding a drive', () => {
  it('runs between two looks, never during one, and the drive looks again at once after', async () => {
    // Looks back to back (a 1 ms poll), each 40 ms long: a hold started at any moment lands on one.
    tower = await startTower(env.server.url, 1, { worker: { pollIntervalMs: 1 } });
    const worker = tower.workers[0]!;
    await waitFor(() => worker.status?.state === 'blank', 10_000, 'the drive idle with a blank');
    const looks = slowLooks(tower.drives[0]!, 40);
    const openDuringHold: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(7 * (i % 6));
      await worker.hold(async () => {
        openDuringHold.push(looks.open());
        looks.log.push('held');
        await sleep(30);
        openDuringHold.push(looks.open());
      });
    }
    expect(openDuringHold).toEqual(new Array(40).fill(0));
    expect(looks.log.filter((x) => x === 'held')).toHaveLength(20);

    // A long poll: with nothing to do the drive would look again in a minute; after a hold it looks at once.
    await tower.stop();
    tower = await startTower(env.server.url, 1, { worker: { pollIntervalMs: 60_000 } });
    const idle = tower.workers[0]!;
    await waitFor(() => idle.status?.state === 'blank', 10_000, 'the drive idle with a blank');
    const after = slowLooks(tower.drives[0]!, 0);
    await idle.hold(async () => undefined);
    await waitFor(() => after.log.includes('look'), 10_000, 'a look after the hold');
  });

  it('after a hold with quietMs, leaves the drive alone that long (an eject: a media query would close the tray)', async () => {
    tower = await startTower(env.server.url, 1, { worker: { pollIntervalMs: 20 } });
    const worker = tower.workers[0]!;
    await waitFor(() => worker.status?.state === 'blank', 10_000, 'the drive idle with a blank');
    const looks = slowLooks(tower.drives[0]!, 0);
    let heldAt = 0;
    await worker.hold(async () => {
      looks.log.length = 0;
      heldAt = performance.now();
    }, { quietMs: 600 });
    // Polled every 20 ms, the drive would look about 30 times in the quiet time; new work does not wake it either.
    const run = await tower.planner.createRun(runInput(env.image, { copies: 1 }));
    await waitFor(() => looks.log.includes('look'), 10_000, 'a look after the quiet time');
    expect(performance.now() - heldAt).toBeGreaterThanOrEqual(600);
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 20_000, 'the run completed after it');
  });

  it('starts no burn while held: a copy queued meanwhile waits, and the run completes after', async () => {
    tower = await startTower(env.server.url, 1, { worker: { pollIntervalMs: 20 } });
    const worker = tower.workers[0]!;
    await waitFor(() => worker.status?.state === 'blank', 10_000, 'the drive idle with a blank');
    const looks = slowLooks(tower.drives[0]!, 0);
    let runId = '';
    await worker.hold(async () => {
      runId = (await tower!.planner.createRun(runInput(env.image, { copies: 1 }))).id;
      await sleep(500);
      expect(looks.log).not.toContain('burn');
    });
    await waitFor(async () => (await tower!.planner.store.getRun(runId))?.status === 'completed', 20_000, 'the run completed');
    expect(await tower.planner.store.passedSlots(runId)).toEqual([1]);
    expect(looks.log.filter((x) => x === 'burn')).toHaveLength(1);
  });
});
