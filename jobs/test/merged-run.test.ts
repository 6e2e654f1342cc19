/**
 * Per-disc data merge (issue 15): a run of serials, each copy slot's disc
 * built from the master plus its own SERIAL.TXT just before its burn, and
 * verified against that image. Slot k carries serial first + k - 1, so a
 * failed disc's serial is burned again on the next disc, and every serial
 * ends on exactly one counted disc.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunValidationError, validateRun } from '../src/index.js';
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

describe('a merged run', () => {
  it('burns each serial on exactly one counted disc of its own, a failed disc\'s serial again on the next', async () => {
    const staging = path.join(env.dir, 'staging');
    tower = await startTower(env.server.url, 2, { worker: { stagingDir: staging } });
    // The first drive's next burn fails halfway: that disc's serial must come round again.
    tower.drives[0]!.setFaults({ writeError: { atPercent: 50 } });
    const shown: string[] = [];
    for (const w of tower.workers) w.on('state', (s) => {
      if ((s.state === 'burning' || s.state === 'done') && s.discLabel !== undefined) shown.push(`${s.copy ?? 0}:${s.discLabel}`);
    });
    const run = await tower.planner.createRun(runInput(env.image, { copies: 8, merge: { serials: { first: 1001, pad: 5, prefix: 'SN-' } } }));
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');

    const attempts = await tower.planner.store.listAttempts(run.id);
    const counted = attempts.filter((a) => a.counted === true);
    expect(counted.map((a) => a.merge?.label).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `serial SN-${String(1001 + i).padStart(5, '0')}`),
    );
    for (const a of attempts) expect(a.merge?.row).toBe(a.copy);
    // Each disc was verified against its own image: eight different images.
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === a.imageSha256)).toBe(true);
    expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(8);
    expect(counted.every((a) => a.imageSha256 !== env.image.sha256)).toBe(true);
    // The failed disc's serial went on a later disc.
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(counted.some((a) => a.copy === failed[0]!.copy && a.startedAt > failed[0]!.startedAt)).toBe(true);
    // The drive's status names the disc's serial beside its copy, while it burns and once it is done.
    for (let copy = 1; copy <= 8; copy++) expect(shown).toContain(`${copy}:serial SN-${String(1000 + copy).padStart(5, '0')}`);
    // Every disc's image is gone from the staging folder once its disc was done (the last one just after its
    // attempt closed, which is what completed the run); one that stays is a leak, and this wait then fails.
    await waitFor(async () => readdirSync(staging).length === 0, 10_000, 'the staging folder empty');
  });

  it('fails the run, not the drive or its disc, when a disc\'s image cannot be built', async () => {
    tower = await startTower(env.server.url, 1, { worker: { stagingDir: path.join(env.dir, 'staging-bad') } });
    const notAnIso = path.join(env.dir, 'not-an-iso.iso');
    writeFileSync(notAnIso, Buffer.alloc(64 * 1024, 7));
    const worker = tower.workers[0]!;
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2, merge: { serials: { first: 1 } } }), image: { path: notAnIso, sha256: env.image.sha256, sizeBytes: 64 * 1024 } });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'the run failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR/);
    // Nothing was burned or recorded, and the drive still holds its blank, ready for other work.
    expect(await tower.planner.store.listAttempts(run.id)).toEqual([]);
    expect(worker.status?.state).toBe('blank');
    expect(worker.consecutiveFailures).toBe(0);
  });

  it('is refused when its serials are not one per copy, or the image is not an ISO', () => {
    const bad = (extra: object): string => {
      try {
        validateRun(runInput(env.image, { copies: 5, ...extra }));
        return 'accepted';
      } catch (err) {
        return err instanceof RunValidationError ? err.field : String(err);
      }
    };
    expect(bad({ merge: { serials: { first: 1, last: 4 } } })).toBe('merge.serials.last');
    expect(bad({ merge: { serials: { first: -1 } } })).toBe('merge.serials.first');
    expect(bad({ merge: { serials: { first: 1, file: '/../x' } } })).toBe('merge.serials.file');
    expect(bad({ merge: { serials: { first: 1, pad: 40 } } })).toBe('merge.serials.pad');
    expect(bad({ merge: {} })).toBe('merge');
    expect(bad({ image: { path: env.image.path, sha256: env.image.sha256, sizeBytes: env.image.bytes, format: 'cue', sectors: 600 }, merge: { serials: { first: 1 } } })).toBe('merge');
    expect(bad({ merge: { serials: { first: 1, last: 5 } } })).toBe('accepted');
  });
});
