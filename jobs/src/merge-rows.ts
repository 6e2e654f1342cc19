/**
 * The rows of a run of rows (a CSV merge) in Redis: one hash per run
 * (`RedisSchema.runMergeRows`), field = copy slot, value = that slot's
 * `DiscMerge` as JSON. Kept apart from the run's hash, which is read on
 * every view and event, so thousands of rows never ride along; a copy job
 * (first or replacement) reads its own slot's row, one HGET.
 */
import type { Redis } from 'ioredis';
import { discMergeOf } from './disc-merge.js';
import type { DiscMerge } from './disc-merge.js';
import type { RedisSchema } from './protocol/redis-schema.js';
import type { NewRun } from './run-records.js';
import { mergeRowOf } from './set-merge.js';

/** Rows written per HSET. */
const BATCH = 200;

/** Write a run's rows (replacing any it had), slot k = `rows[k - 1]`. */
export async function writeMergeRows(redis: Redis, keys: RedisSchema, runId: string, rows: readonly DiscMerge[]): Promise<void> {
  const key = keys.runMergeRows(runId);
  await redis.del(key);
  for (let i = 0; i < rows.length; i += BATCH) {
    await redis.hset(key, Object.fromEntries(rows.slice(i, i + BATCH).map((r) => [String(r.row), JSON.stringify(r)])));
  }
}

/** Remove a run's rows (a run taken back before its jobs were queued). */
export async function removeMergeRows(redis: Redis, keys: RedisSchema, runId: string): Promise<void> {
  await redis.del(keys.runMergeRows(runId));
}

/**
 * What copy slot `copy` of `run` carries: its serial (worked out), or its
 * row (read back); undefined for a run without merge, or a row not found.
 * In a set run the row is the slot's set's (set-merge.ts).
 */
export async function slotMergeOf(redis: Redis, keys: RedisSchema, run: Pick<NewRun, 'id' | 'merge' | 'set'>, copy: number): Promise<DiscMerge | undefined> {
  if (run.merge === undefined) return undefined;
  const want = mergeRowOf(run, copy);
  if (run.merge.kind === 'serials') return discMergeOf(run.merge, want);
  const text = await redis.hget(keys.runMergeRows(run.id), String(want));
  if (text === null) return undefined;
  try {
    const row = JSON.parse(text) as DiscMerge;
    return row.row === want && Array.isArray(row.files) ? row : undefined;
  } catch {
    return undefined;
  }
}
