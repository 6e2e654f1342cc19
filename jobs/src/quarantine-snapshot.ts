/**
 * A shared reading of the quarantine hash for the drives of one agent: idle
 * drives look at it at every poll, and those that look within `maxAgeMs` of
 * a reading use it instead of asking Redis (one `HGETALL` serves them all,
 * where each drive sent an `HGET`).
 */
import type { Redis } from 'ioredis';
import { parseQuarantine } from './drive-quarantine.js';
import type { QuarantineInfo } from './drive-quarantine.js';
import type { RedisSchema } from './protocol/redis-schema.js';

/** The quarantine hash as last read, shared by an agent's drives. */
export class QuarantineSnapshot {
  readonly #redis: Redis;
  readonly #keys: RedisSchema;
  #snap: { readonly at: number; readonly drives: ReadonlyMap<string, QuarantineInfo> } | null = null;
  #epoch = 0;

  constructor(redis: Redis, keys: RedisSchema) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /**
   * Why a drive is quarantined, or null, from a reading at most `maxAgeMs`
   * old (read again when older). A drive that finds the reading stale reads
   * for itself rather than waiting on another drive's read, so drives do not
   * fall into step with each other.
   */
  async of(driveId: string, maxAgeMs: number): Promise<QuarantineInfo | null> {
    const snap = this.#snap;
    if (snap !== null && performance.now() - snap.at < maxAgeMs) return snap.drives.get(driveId) ?? null;
    const epoch = this.#epoch;
    const at = performance.now();
    const h = await this.#redis.hgetall(this.#keys.quarantine());
    const drives = new Map(Object.entries(h).map(([id, raw]) => [id, parseQuarantine(raw)]));
    if (epoch === this.#epoch && (this.#snap === null || this.#snap.at < at)) this.#snap = { at, drives };
    return drives.get(driveId) ?? null;
  }

  /** A drive was quarantined or released here: the next look reads again. */
  invalidate(): void {
    this.#epoch++;
    this.#snap = null;
  }
}
