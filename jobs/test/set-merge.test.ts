/**
 * Collated sets with per-disc data (issue 15), the slot mapping: in a run of
 * K sets of M discs with a merge, copy slot s is set ⌈s/M⌉, disc
 * ((s-1) mod M)+1, burns that disc's image and carries merge row ⌈s/M⌉
 * (serial k, or CSV row k). The same mapping holds for a slot's replacement
 * job (built from the stored run and `slotMergeOf`), so a failed disc of
 * set k is burned again with row k. Rows ≠ sets is refused.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIso } from '../../drivers/test/support/test-images.js';
import {
  mergeRowCount, mergeRowOf, mergeSummary, RedisSchema, RunValidationError, slotJob, slotMergeOf, validateRun, writeMergeRows,
} from '../src/index.js';
import type { CreateRunInput } from '../src/index.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

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
});
