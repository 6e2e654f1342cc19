/**
 * The audit log: every state change through the API, with who did it.
 * A capped Redis list of JSON entries, newest first.
 */
import type { Redis } from 'ioredis';
import type { AuditEntry } from '../shared/api-types.js';
import type { Principal } from './auth.js';
import type { RedisSchema } from '@tower/jobs';

/** Most entries kept. */
export const AUDIT_MAX_ENTRIES = 100_000;

/** Appends and lists audit entries. */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisSchema,
    private readonly now: () => number,
  ) {}

  /** Append one entry. */
  async append(who: Principal, action: string, target: string, detail: string | Record<string, unknown> = ''): Promise<AuditEntry> {
    const entry: AuditEntry = {
      at: this.now(),
      who: who.name,
      role: who.role,
      action,
      target,
      detail: typeof detail === 'string' ? detail : JSON.stringify(detail),
    };
    await this.redis.multi().lpush(this.keys.audit(), JSON.stringify(entry)).ltrim(this.keys.audit(), 0, AUDIT_MAX_ENTRIES - 1).exec();
    return entry;
  }

  /**
   * The newest entries that match `filter`, newest first: `limit` of them
   * (default 100) after skipping `offset`. Reads the list in chunks and
   * stops at the first entry well older than `from`.
   */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const limit = filter.limit ?? 100;
    const skip = filter.offset ?? 0;
    const plain = filter.action === undefined && filter.who === undefined && filter.from === undefined && filter.to === undefined;
    if (plain) return parseEntries(await this.redis.lrange(this.keys.audit(), skip, skip + limit - 1));
    const out: AuditEntry[] = [];
    let skipped = 0;
    for (let start = 0; start < AUDIT_MAX_ENTRIES; start += SCAN_CHUNK) {
      const raw = await this.redis.lrange(this.keys.audit(), start, start + SCAN_CHUNK - 1);
      for (const entry of parseEntries(raw)) {
        // Entries are appended in about the order of their times (two requests may swap by a few ms).
        if (filter.from !== undefined && entry.at < filter.from - ORDER_SLACK_MS) return out;
        if (!matches(entry, filter)) continue;
        if (skipped < skip) skipped++;
        else if (out.push(entry) >= limit) return out;
      }
      if (raw.length < SCAN_CHUNK) break;
    }
    return out;
  }
}

/** Which entries {@link AuditLog.list} answers (the `GET /api/audit` query). */
export interface AuditFilter {
  /** An action, or its first words up to a dot (`run` matches `run.create`). */
  readonly action?: string;
  /** Who did it, exactly. */
  readonly who?: string;
  /** Epoch ms, inclusive. */
  readonly from?: number;
  /** Epoch ms, inclusive. */
  readonly to?: number;
  /** Matching entries to skip, newest first. */
  readonly offset?: number;
  readonly limit?: number;
}

/** Entries read from Redis at a time while filtering. */
const SCAN_CHUNK = 1000;
/** How far out of time order two entries may be appended. */
const ORDER_SLACK_MS = 1000;

function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.action !== undefined && e.action !== f.action && !e.action.startsWith(`${f.action}.`)) return false;
  if (f.who !== undefined && e.who !== f.who) return false;
  if (f.from !== undefined && e.at < f.from) return false;
  return f.to === undefined || e.at <= f.to;
}

function parseEntries(raw: readonly string[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const text of raw) {
    try {
      out.push(JSON.parse(text) as AuditEntry);
    } catch {
      // A damaged entry is skipped, never fatal.
    }
  }
  return out;
}
