/**
 * Drive state as the UI shows it, and its publisher: local listeners, one
 * Redis key per drive (the status as a JSON string) and the
 * `tower:drive-events` pub/sub channel, whose messages are JSON arrays of
 * statuses (see drive-state-outbox.ts).
 *
 * Throttling, per drive: progress-only updates (only percent, speeds and time
 * changed) are published at least `minIntervalMs` apart (default 250 ms),
 * counted from the drive's last progress publication; one held back is
 * published when its interval is up (the trailing update is always delivered,
 * unless a change of state supersedes it first). A change of state or of any
 * other field is published at once, is never dropped or merged away, and
 * does not restart the progress interval, so the first progress tick after it
 * is not held back.
 */
import type { Redis } from 'ioredis';
import type { MediaClass } from 'node-cdrecord-wrapper';
import { DriveStateOutbox } from './drive-state-outbox.js';
import { PROGRESS_FIELDS, STAMP_FIELDS, parseDriveStatus, sameExcept } from './drive-status.js';
import type { DriveStatus, DriveStatusUpdate } from './drive-status.js';
import { RedisSchema } from './protocol/redis-schema.js';

export * from './drive-status.js';

/** Options of a {@link DriveStatePublisher}. */
export interface DriveStatePublisherOptions {
  readonly driveId: string;
  readonly agentId: string;
  /**
   * The agent's shared outbox the statuses go to Redis through. Without one
   * but with `redis`, the publisher uses a private outbox on that connection
   * (no window: each tick's statuses go out at once). Neither: local
   * listeners only.
   */
  readonly outbox?: DriveStateOutbox;
  /** Connection for a private outbox (ignored when `outbox` is given). */
  readonly redis?: Redis;
  /** Key names for a private outbox; default prefix `tower`. */
  readonly keys?: RedisSchema;
  /** The media classes the drive takes copies for, published with every status (so the controller can tell a run no drive serves). */
  readonly classes?: readonly MediaClass[];
  /** The CUE track modes the drive burns (`DriveFeatures.cueTrackModes`), published with every status; absent: every mode. */
  readonly cueTrackModes?: readonly string[];
  /** Whether the drive writes CD-TEXT (`DriveFeatures.writesCdText`), published with every status; absent: not said. */
  readonly writesCdText?: boolean;
  /** Minimum ms between two progress-only publications. Default 250 (4/s). */
  readonly minIntervalMs?: number;
  /** Receives every published status, in order, at once (not delayed by the outbox). */
  readonly onStatus?: (status: DriveStatus) => void;
  /** Receives Redis errors of a private outbox and listener errors (publishing never throws). */
  readonly onError?: (err: Error) => void;
  /** Monotonic clock of the progress throttle, ms; default `performance.now`. */
  readonly now?: () => number;
  /** Wall clock of `updatedAt`, epoch ms; default `Date.now`. */
  readonly wallClock?: () => number;
}

/** Publishes one drive's state, throttling progress but never a state change. */
export class DriveStatePublisher {
  readonly #o: DriveStatePublisherOptions;
  readonly #minInterval: number;
  readonly #now: () => number;
  readonly #wall: () => number;
  readonly #outbox: DriveStateOutbox | null;
  #last: DriveStatus | null = null;
  /** When the last progress-only update was published (state changes do not count). */
  #lastProgressAt = -Infinity;
  #pending: DriveStatus | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: DriveStatePublisherOptions) {
    this.#o = options;
    this.#minInterval = options.minIntervalMs ?? 250;
    this.#now = options.now ?? (() => performance.now());
    this.#wall = options.wallClock ?? Date.now;
    this.#outbox = options.outbox ?? (options.redis === undefined ? null : new DriveStateOutbox({
      redis: options.redis,
      keys: options.keys ?? new RedisSchema(),
      windowMs: 0,
      announceOnce: false,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    }));
  }

  /** The last status published (not a pending throttled one). */
  get current(): DriveStatus | null {
    return this.#last;
  }

  /** Set the drive's state. Publishes now unless only progress fields changed within the interval. */
  update(update: DriveStatusUpdate): void {
    const now = this.#now();
    const status: DriveStatus = {
      ...update, driveId: this.#o.driveId, agentId: this.#o.agentId, ...(this.#o.classes === undefined ? {} : { classes: this.#o.classes }),
      ...(this.#o.cueTrackModes === undefined ? {} : { cueTrackModes: this.#o.cueTrackModes }),
      ...(this.#o.writesCdText === undefined ? {} : { writesCdText: this.#o.writesCdText }), updatedAt: this.#wall(),
    };
    const base = this.#pending ?? this.#last;
    if (base !== null && sameExcept(base, status, PROGRESS_FIELDS)) {
      if (sameExcept(base, status, STAMP_FIELDS)) return;
      const wait = this.#lastProgressAt + this.#minInterval - now;
      if (wait > 0) {
        this.#pending = status;
        this.#timer ??= setTimeout(() => {
          this.#timer = null;
          const p = this.#pending;
          this.#pending = null;
          if (p !== null) this.#publish(p, true);
        }, wait);
        return;
      }
      this.#cancelPending();
      this.#publish(status, true);
      return;
    }
    // A change of state supersedes a held progress update of the state before.
    this.#cancelPending();
    this.#publish(status, false);
  }

  /**
   * Publish the current status again, as a change: after someone else wrote
   * the drive's state (the controller declared the agent dead while its
   * heartbeats could not get through), the drive's key shows this status again.
   */
  republish(): void {
    const base = this.#pending ?? this.#last;
    if (base === null) return;
    this.#cancelPending();
    this.#publish({ ...base, updatedAt: this.#wall() }, false);
  }

  /** Wait until every publication so far reached Redis (a held progress update is not one yet). */
  async flush(): Promise<void> {
    await this.#outbox?.flush();
  }

  /** Drop a pending progress update and stop the timer. */
  close(): void {
    this.#cancelPending();
  }

  #cancelPending(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
  }

  #publish(status: DriveStatus, progress: boolean): void {
    this.#last = status;
    if (progress) this.#lastProgressAt = this.#now();
    try {
      this.#o.onStatus?.(status);
    } catch (err) {
      this.#o.onError?.(err as Error);
    }
    this.#outbox?.enqueue(status);
  }
}

/** Read one drive's published state, or null. */
export async function readDriveStatus(redis: Redis, keys: RedisSchema, driveId: string): Promise<DriveStatus | null> {
  const key = keys.driveState(driveId);
  try {
    return parseDriveStatus(await redis.get(key));
  } catch (err) {
    // A state kept as a hash by an earlier version, until the drive publishes again.
    if (!(err instanceof Error && err.message.startsWith('WRONGTYPE'))) throw err;
    return fromLegacyHash(await redis.hgetall(key));
  }
}

/** Published states of every known drive, by drive id. */
export async function readAllDriveStatuses(redis: Redis, keys: RedisSchema): Promise<DriveStatus[]> {
  const ids = (await redis.smembers(keys.drives())).sort();
  if (ids.length === 0) return [];
  const values = await redis.mget(ids.map((id) => keys.driveState(id)));
  const all = await Promise.all(ids.map(async (id, i) => {
    const v = values[i];
    // MGET gives null for a missing key and for one of another type (an earlier version's hash).
    return v === null || v === undefined ? readDriveStatus(redis, keys, id) : parseDriveStatus(v);
  }));
  return all.filter((s): s is DriveStatus => s !== null);
}

function fromLegacyHash(h: Record<string, string>): DriveStatus | null {
  if (h.state === undefined) return null;
  const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const out: Record<string, unknown> = { ...h, percent: n(h.percent), speedX: n(h.speedX), speedMBps: n(h.speedMBps), copy: n(h.copy), autoLoader: h.autoLoader === undefined ? undefined : h.autoLoader === 'true', updatedAt: n(h.updatedAt) ?? 0 };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as DriveStatus;
}
