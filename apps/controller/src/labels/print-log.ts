/**
 * The label print log: every try at printing a label (printed, retrying,
 * failed), a capped Redis list of JSON entries, newest first
 * (`GET /api/labels/prints`, `tower label prints`).
 */
import type { Redis } from 'ioredis';
import type { LabelPrint } from '../shared/label-schemas.js';
import type { LabelKeys } from './label-keys.js';

/** Entries kept. */
export const PRINT_LOG_MAX = 2000;

/** Appends and lists print tries. */
export class PrintLog {
  constructor(private readonly redis: Redis, private readonly keys: LabelKeys) {}

  /** Append one try. */
  async append(entry: LabelPrint): Promise<void> {
    await this.redis.multi().lpush(this.keys.prints(), JSON.stringify(entry)).ltrim(this.keys.prints(), 0, PRINT_LOG_MAX - 1).exec();
  }

  /** The newest `limit` tries, newest first; of one run when `runId` is given. */
  async list(limit = 100, runId?: string): Promise<LabelPrint[]> {
    const raw = await this.redis.lrange(this.keys.prints(), 0, runId === undefined ? Math.max(0, limit - 1) : PRINT_LOG_MAX - 1);
    const out: LabelPrint[] = [];
    for (const text of raw) {
      try {
        const entry = JSON.parse(text) as LabelPrint;
        if (runId === undefined || entry.runId === runId) out.push(entry);
      } catch {
        // A damaged entry is skipped.
      }
      if (out.length >= limit) break;
    }
    return out;
  }
}
