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

  /** The newest `limit` entries, newest first. */
  async list(limit = 100): Promise<AuditEntry[]> {
    const raw = await this.redis.lrange(this.keys.audit(), 0, Math.max(0, limit - 1));
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
}
