/**
 * Collated sets (issue 15): a run of 4 sets of 3 discs on simulated drives
 * with auto-loaders. Each slot burns its disc's image and counts once; a
 * failed disc is redone by the drive that holds its set, before the set's
 * next disc; each set's discs come out of one drive together, in order.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { makeIso } from '../../drivers/test/support/test-images.js';
import { RunValidationError, setsDone, validateRun } from '../src/index.js';
import type { AttemptRecord, CreateRunInput } from '../src/index.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

let env: RedisEnv;
let tower: Tower | null = null;
let discs: CreateRunInput['image'][];

beforeAll(async () => {
  env = await startRedisEnv();
  discs = ['disc1.iso', 'disc2.iso', 'disc3.iso'].map((name, i) => {
    const path = makeIso(env.dir, { name, payloadBytes: (256 + 64 * i) * 1024, label: `SET_DISC_${i + 1}` });
    return { path, sizeBytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
  });
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

/** The run input of `sets` sets of the three discs. */
function setRun(sets: number, extra: Partial<CreateRunInput> = {}): CreateRunInput {
  return { image: discs[0]!, copies: sets, set: { images: discs }, ...extra };
}

describe('a set run', () => {
  it('completes as 4 full sets, each disc counted once, a failed disc redone on its set\'s drive before the set\'s next disc', async () => {
    // Drives with auto-loaders, as an agent declares them: they keep a set's discs together.
    tower = await startTower(env.server.url, 2, { worker: { autoLoader: true } });
    // The first drive's next burn fails halfway: that disc must come round again, on the same drive, before its set goes on.
    tower.drives[0]!.setFaults({ writeError: { atPercent: 50 } });
    const shown = new Set<string>();
    for (const w of tower.workers) w.on('state', (s) => {
      if ((s.state === 'burning' || s.state === 'done') && s.discLabel !== undefined) shown.add(`${s.copy ?? 0}:${s.discLabel}`);
    });
    const run = await tower.planner.createRun(setRun(4));
    expect(run.copies).toBe(12);
    expect(run.set?.discs).toBe(3);
    const done = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'completed' ? r : null;
    }, 60_000, 'the set run completed');
    expect(done.counters.passed).toBe(12);
    expect(setsDone(3, 4, await tower.planner.store.passedSlots(run.id))).toBe(4);

    const attempts = await tower.planner.store.listAttempts(run.id);
    const counted = attempts.filter((a) => a.counted === true);
    // Each slot once, each with its set position and its disc's own image.
    expect(counted.map((a) => a.copy).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const a of attempts) {
      expect(a.set).toEqual({ set: Math.ceil(a.copy / 3), disc: ((a.copy - 1) % 3) + 1, discs: 3 });
      expect(a.imageSha256).toBe(discs[a.set!.disc - 1]!.sha256);
    }
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === a.imageSha256)).toBe(true);

    // The failed disc was redone on the same drive, before its set's next disc.
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    const f = failed[0]!;
    const redo = counted.find((a) => a.copy === f.copy)!;
    expect(redo.driveId).toBe(f.driveId);
    expect(redo.startedAt).toBeGreaterThan(f.startedAt);
    const later = counted.filter((a) => a.set!.set === f.set!.set && a.set!.disc > f.set!.disc);
    expect(later.every((a) => a.startedAt > redo.startedAt)).toBe(true);

    // Set affinity: each set's discs on one drive, in disc order, and no drive interleaves two sets.
    for (let set = 1; set <= 4; set++) {
      const ofSet = counted.filter((a) => a.set!.set === set).sort((a, b) => a.startedAt - b.startedAt);
      expect(new Set(ofSet.map((a) => a.driveId)).size).toBe(1);
      expect(ofSet.map((a) => a.set!.disc)).toEqual([1, 2, 3]);
      // The drive that held the set, as recorded in Redis for the run.
      expect(await env.client.hget(`tower:run:${run.id}:set-owners`, String(set))).toBe(ofSet[0]!.driveId);
    }
    for (const drive of new Set(attempts.map((a) => a.driveId))) {
      const order = attempts.filter((a) => a.driveId === drive).sort((a, b) => a.startedAt - b.startedAt).map((a: AttemptRecord) => a.set!.set);
      const groups = order.filter((s, i) => i === 0 || s !== order[i - 1]);
      expect(new Set(groups).size).toBe(groups.length);
    }
    // Both drives worked: sets were shared out, not all burned by one drive.
    expect(new Set(counted.map((a) => a.driveId)).size).toBe(2);
    // The drive's status names the set and disc while it burns and once it is done.
    for (let copy = 1; copy <= 12; copy++) expect(shown).toContain(`${copy}:set ${Math.ceil(copy / 3)} · disc ${((copy - 1) % 3) + 1}/3`);
  });

  it('completes on drives without auto-loaders too, which hold no set (the operator collates by the tile)', async () => {
    tower = await startTower(env.server.url, 2);
    const run = await tower.planner.createRun(setRun(2));
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the set run completed');
    const counted = (await tower.planner.store.listAttempts(run.id)).filter((a) => a.counted === true);
    expect(counted.map((a) => a.copy).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(counted.every((a) => a.imageSha256 === discs[a.set!.disc - 1]!.sha256)).toBe(true);
    expect(await env.client.hgetall(`tower:run:${run.id}:set-owners`)).toEqual({});
  });

  it('is refused for an empty set, a disc of another media class, a disc 1 that is not the run\'s image, serials not one per set, or too many discs', () => {
    const bad = (input: CreateRunInput): string => {
      try {
        validateRun(input);
        return 'accepted';
      } catch (err) {
        return err instanceof RunValidationError ? err.field : String(err);
      }
    };
    expect(bad(setRun(4, { set: { images: [] } }))).toBe('set.images');
    expect(bad(setRun(4, { set: { images: [discs[0]!, { ...discs[1]!, sizeBytes: 4_000_000_000 }] } }))).toBe('set.images[1]');
    expect(bad(setRun(4, { set: { images: [discs[0]!, { ...discs[1]!, sha256: 'xyz' }] } }))).toBe('set.images[1]');
    expect(bad(setRun(4, { set: { images: [discs[1]!, discs[0]!] } }))).toBe('set.images');
    expect(bad(setRun(4, { merge: { serials: { first: 1, last: 5 } } }))).toBe('merge.serials.last');
    expect(bad(setRun(4, { merge: { serials: { first: 1 } } }))).toBe('accepted');
    expect(bad(setRun(5000))).toBe('copies');
    expect(bad(setRun(4, { set: { images: discs, imageIds: ['a'] } }))).toBe('set.imageIds');
    expect(bad(setRun(4))).toBe('accepted');
    // A plain run is untouched: copies are discs.
    expect(validateRun(runInput(env.image, { copies: 4 })).run.copies).toBe(4);
  });
});
