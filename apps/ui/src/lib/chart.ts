/** Failures over time, bucketed for a small per-drive chart. Pure; tested. */
import type { AttemptView } from './contract';

export interface Buckets {
  readonly start: number;
  readonly bucketMs: number;
  /** Per drive id: failed attempts per bucket. */
  readonly failures: ReadonlyMap<string, readonly number[]>;
  readonly max: number;
}

/** Splits [from, to] into `count` buckets and counts failed attempts per drive. */
export function failureBuckets(attempts: readonly AttemptView[], count = 24, from?: number, to?: number): Buckets {
  const times = attempts.map((a) => a.endedAt ?? a.startedAt);
  const lo = from ?? (times.length ? Math.min(...times) : 0);
  const hi = Math.max(to ?? (times.length ? Math.max(...times) : lo + 1), lo + 1);
  const bucketMs = Math.ceil((hi - lo + 1) / count);
  const failures = new Map<string, number[]>();
  let max = 0;
  for (const a of attempts) {
    let row = failures.get(a.driveId);
    if (!row) {
      row = new Array<number>(count).fill(0);
      failures.set(a.driveId, row);
    }
    if (a.outcome !== 'failed') continue;
    const t = a.endedAt ?? a.startedAt;
    const i = Math.min(count - 1, Math.max(0, Math.floor((t - lo) / bucketMs)));
    row[i] = (row[i] ?? 0) + 1;
    max = Math.max(max, row[i] ?? 0);
  }
  return { start: lo, bucketMs, failures, max };
}
