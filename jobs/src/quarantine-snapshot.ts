/**
 * A shared reading of the quarantine hash for the drives of one agent: idle
 * drives look at it at every poll, and those that look within `maxAgeMs` of
 * a reading use it instead of asking Redis (one `HGETALL` serves them all,
 * where each drive sent an `HGET`). A reading still under way serves them
 * too: when every drive of the agent looks at once (all ending their burns
 * together), that is one `HGETALL`, not one per drive.
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
  /** The reading under way: when it began and in which epoch. */
  #reading: { readonly at: number; readonly epoch: number; readonly drives: Promise<ReadonlyMap<string, QuarantineInfo>> } | null = null;
  #epoch = 0;

  constructor(redis: Redis, keys: RedisSchema) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /**
   * Why a drive is quarantined, or null, from a reading at most `maxAgeMs`
   * old (read again when older). A reading under way that began less than
   * `maxAgeMs` ago, after the last {@link invalidate}, is waited for rather
   * than sent again: it is as fresh as a new one would be.
   */
  async of(driveId: string, maxAgeMs: number): Promise<QuarantineInfo | null> {
    const snap = this.#snap;
    const now = performance.now();
    if (snap !== null && now - snap.at < maxAgeMs) return snap.drives.get(driveId) ?? null;
    const under = this.#reading;
    if (under !== null && under.epoch === this.#epoch && now - under.at < maxAgeMs) return (await under.drives).get(driveId) ?? null;
    const reading = { at: now, epoch: this.#epoch, drives: this.#read() };
    this.#reading = reading;
    try {
      const drives = await reading.drives;
      if (reading.epoch === this.#epoch && (this.#snap === null || this.#snap.at < reading.at)) this.#snap = { at: reading.at, drives };
      return drives.get(driveId) ?? null;
    } finally {
      if (this.#reading === reading) this.#reading = null;
    }
  }

  async #read(): Promise<ReadonlyMap<string, QuarantineInfo>> {
    const h = await this.#redis.hgetall(this.#keys.quarantine());
    return new Map(Object.entries(h).map(([id, raw]) => [id, parseQuarantine(raw)]));
  }

  /** A drive was quarantined or released here: the next look reads again. */
  invalidate(): void {
    this.#epoch++;
    this.#snap = null;
  }
}
