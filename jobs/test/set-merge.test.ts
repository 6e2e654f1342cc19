/**
 * Collated sets with per-disc data (issue 15), the slot mapping: in a run of
 * K sets of M discs with a merge, copy slot s is set ⌈s/M⌉, disc
 * ((s-1) mod M)+1, burns that disc's image and carries merge row ⌈s/M⌉
 * (serial k, or CSV row k). The same mapping holds for a slot's replacement
 * job (built from the stored run and `slotMergeOf`), so a failed disc of
 * set k is burned again with row k: shown on simulated drives too, with a
 * disc failed and its slot given a replacement job. Rows ≠ sets is refused.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeIso } from '../../drivers/test/support/test-images.js';
import {
  mergeRowCount, mergeRowOf, mergeSummary, RedisSchema, RunValidationError, slotJob, slotMergeOf, validateRun, writeMergeRows,
} from '../src/index.js';
import type { CreateRunInput } from '../src/index.js';
import { startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

let env: RedisEnv;
let discs: CreateRunInput['image'][];
const keys = new RedisSchema();

beforeAll(async () => {
  env = await startRedisEnv();
  discs = ['a.iso', 'b.iso'].map((name, i) => {
    const path = makeIso(env.dir, { name, payloadBytes: (64 + 32 * i) * 1024, label: `SM_DISC_${i + 1}` });
    return { path, sizeBytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
  });
});
afterAll(async () => env?.stop());
let tower: Tower | null = null;
afterEach(async () => {
  expect(tower?.errors ?? []).toEqual([]);
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

describe('set runs with merge: slot → (set, disc, row)', () => {
  it('2-disc sets × 3 with serials: every disc of set k carries serial k, and disc j burns image j', () => {
    const plan = validateRun({ image: discs[0]!, copies: 3, set: { images: discs }, merge: { serials: { first: 1001, last: 1003, prefix: 'SN-' } } });
    expect(plan.run.copies).toBe(6);
    expect(mergeRowCount(plan.run)).toBe(3);
    expect(mergeSummary(plan.run.merge!, mergeRowCount(plan.run))).toBe('serials SN-1001 to SN-1003 in /SERIAL.TXT');
    const seen = Array.from({ length: 6 }, (_, i) => {
      const job = slotJob(plan.run, i + 1, 0);
      return { copy: job.copy, set: job.set?.set, disc: job.set?.disc, row: job.merge?.row, serial: job.merge?.fields.serial, image: job.image.sha256, text: job.merge?.files[0]?.text };
    });
    expect(seen).toEqual([
      { copy: 1, set: 1, disc: 1, row: 1, serial: 'SN-1001', image: discs[0]!.sha256, text: 'SN-1001\n' },
      { copy: 2, set: 1, disc: 2, row: 1, serial: 'SN-1001', image: discs[1]!.sha256, text: 'SN-1001\n' },
      { copy: 3, set: 2, disc: 1, row: 2, serial: 'SN-1002', image: discs[0]!.sha256, text: 'SN-1002\n' },
      { copy: 4, set: 2, disc: 2, row: 2, serial: 'SN-1002', image: discs[1]!.sha256, text: 'SN-1002\n' },
      { copy: 5, set: 3, disc: 1, row: 3, serial: 'SN-1003', image: discs[0]!.sha256, text: 'SN-1003\n' },
      { copy: 6, set: 3, disc: 2, row: 3, serial: 'SN-1003', image: discs[1]!.sha256, text: 'SN-1003\n' },
    ]);
    // A replacement job of a slot (the 2nd) carries the same row as its first.
    expect(slotJob(plan.run, 4, 2).merge).toEqual(slotJob(plan.run, 4, 0).merge);
    // Without a set, a slot is its own row.
    expect(mergeRowOf({}, 5)).toBe(5);
  });

  it('CSV rows: the stored row of set k is what every disc of set k (and its replacement) reads back', async () => {
    const rows = ['Ada', 'Alan'].map((name) => ({ fields: { name }, files: [{ discPath: '/NAME.TXT', text: `${name}\n` }] }));
    const plan = validateRun({ image: discs[0]!, copies: 2, set: { images: discs }, merge: { rows } });
    expect(plan.rows?.map((r) => r.row)).toEqual([1, 2]);
    await writeMergeRows(env.client, keys, plan.run.id, plan.rows!);
    const read = await Promise.all([1, 2, 3, 4].map(async (copy) => (await slotMergeOf(env.client, keys, plan.run, copy))?.fields.name));
    expect(read).toEqual(['Ada', 'Ada', 'Alan', 'Alan']);
    const again = slotJob(plan.run, 3, 1, await slotMergeOf(env.client, keys, plan.run, 3));
    expect(again).toMatchObject({ copy: 3, set: { set: 2, disc: 1 }, merge: { row: 2, label: 'row 2 · Alan' }, image: { sha256: discs[0]!.sha256 } });
  });

  it('refuses rows or serials that are not one per set', () => {
    const bad = (merge: CreateRunInput['merge']): RunValidationError => {
      try {
        validateRun({ image: discs[0]!, copies: 3, set: { images: discs }, merge });
      } catch (err) {
        if (err instanceof RunValidationError) return err;
        throw err;
      }
      throw new Error('accepted');
    };
    expect(bad({ serials: { first: 1, last: 6 } })).toMatchObject({ field: 'merge.serials.last', message: 'serials 1-6 are not one per set (3 sets)' });
    const rows = [{ files: [{ discPath: '/A.TXT', text: 'a' }] }];
    expect(bad({ rows })).toMatchObject({ field: 'merge.rows', message: '1 rows are not one per set (3 sets)' });
  });

  it('a run of 3 sets of 2 discs with CSV rows: every disc of set k carries row k, the failed disc\'s replacement job too', async () => {
    await env.client.flushall();
    tower = await startTower(env.server.url, 2, { worker: { autoLoader: true, stagingDir: path.join(env.dir, 'staging-sets') } });
    // The first drive's next burn fails halfway; with one attempt per copy its slot gets a replacement job (copy-slot-upkeep.ts).
    tower.drives[0]!.setFaults({ writeError: { atPercent: 50 } });
    const names = ['Ada', 'Alan', 'Grace'];
    const rows = names.map((name) => ({ fields: { name }, files: [{ discPath: '/NAME.TXT', text: `${name}\n` }] }));
    const run = await tower.planner.createRun({ image: discs[0]!, copies: 3, set: { images: discs }, merge: { rows }, maxAttemptsPerCopy: 1 });
    expect(run.copies).toBe(6);
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the set run completed');

    const attempts = await tower.planner.store.listAttempts(run.id);
    const counted = attempts.filter((a) => a.counted === true);
    expect(counted.map((a) => a.copy).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const a of attempts) {
      const set = Math.ceil(a.copy / 2);
      expect(a.set).toEqual({ set, disc: ((a.copy - 1) % 2) + 1, discs: 2 });
      expect(a.merge).toEqual({ row: set, label: `row ${set} · ${names[set - 1]}` });
    }
    // Each disc verified against its own image: six images, none a set disc's own.
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === a.imageSha256)).toBe(true);
    expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(6);
    expect(counted.some((a) => discs.some((d) => d.sha256 === a.imageSha256))).toBe(false);
    // The failed disc was burned again by another job of its slot, with its set's row.
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    const redo = counted.find((a) => a.copy === failed[0]!.copy)!;
    expect(redo.jobId).not.toBe(failed[0]!.jobId);
    expect(redo.merge).toEqual(failed[0]!.merge);
  });
});
