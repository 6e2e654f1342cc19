/**
 * A drive's faults in a row and its quarantine, as one drive worker sees
 * them. The count lives in Redis beside the quarantine entry (see
 * drive-quarantine.ts), not in the agent's memory: a drive released by an
 * operator through the API (which deletes the entry and the count together)
 * starts again from zero, and so does a drive whose agent restarted after a
 * release.
 *
 * - `fault()` counts a drive fault (a failed attempt whose error blames the
 *   drive) and quarantines the drive at the K-th in a row, in one script.
 * - `success()` ends a run of faults (a good disc).
 * - `release()` and `quarantine()` are the agent's own release and an
 *   operator's choice through the agent.
 *
 * Only this drive's worker counts its faults (an agent id, and so its
 * drives, is leased to one process), so the count it last wrote or read is
 * the count in Redis unless someone released the drive since; `consecutive`
 * is that count, and `released()` says the drive was seen released.
 */
import type { Redis } from 'ioredis';
import {
  clearDriveFaults, getDriveFaults, quarantineDrive, recordDriveFault, releaseDrive,
} from './drive-quarantine.js';
import type { QuarantineInfo } from './drive-quarantine.js';
import type { RedisSchema } from './protocol/redis-schema.js';

/** Options of a {@link FaultTracker}. */
export interface FaultTrackerOptions {
  readonly redis: Redis;
  readonly keys: RedisSchema;
  readonly driveId: string;
  /** K: drive-fault failures in a row that quarantine the drive. */
  readonly quarantineAfter: number;
}

/** Counts one drive's faults in a row in Redis and quarantines it at K. */
export class FaultTracker {
  readonly #o: FaultTrackerOptions;
  /** The count as last written or read here; null before the first. */
  #known: number | null = null;

  constructor(options: FaultTrackerOptions) {
    this.#o = options;
  }

  /** Drive-fault failures in a row, as last written or read by this tracker. */
  get consecutive(): number {
    return this.#known ?? 0;
  }

  /** Read the count from Redis (a restarted agent carries on from it). */
  async load(): Promise<number> {
    const { redis, keys, driveId, quarantineAfter } = this.#o;
    this.#known = await getDriveFaults(redis, keys, driveId, quarantineAfter);
    return this.#known;
  }

  /**
   * Count a drive fault; returns why the drive is now quarantined when this
   * fault was the K-th in a row, else null.
   */
  async fault(errorCode: string): Promise<QuarantineInfo | null> {
    const { redis, keys, driveId, quarantineAfter } = this.#o;
    const r = await recordDriveFault(redis, keys, driveId, { quarantineAfter, errorCode, at: Date.now() });
    this.#known = r.failures;
    return r.quarantined;
  }

  /** A good disc: the run of faults is over. */
  async success(): Promise<void> {
    // Nobody but this worker raises the count: known to be zero, it still is.
    if (this.#known === 0) return;
    await clearDriveFaults(this.#o.redis, this.#o.keys, this.#o.driveId);
    this.#known = 0;
  }

  /** Release the drive from quarantine and reset its count; false when it was not quarantined. */
  async release(): Promise<boolean> {
    const released = await releaseDrive(this.#o.redis, this.#o.keys, this.#o.driveId);
    this.#known = 0;
    return released;
  }

  /** Quarantine the drive by an operator's choice (its count is left as it is). */
  async quarantine(reason: string): Promise<QuarantineInfo> {
    const info: QuarantineInfo = { reason, failures: 0, at: Date.now() };
    await quarantineDrive(this.#o.redis, this.#o.keys, this.#o.driveId, info);
    return info;
  }

  /** The drive was seen quarantined and then not: whoever released it reset the count. */
  released(): void {
    this.#known = 0;
  }
}
