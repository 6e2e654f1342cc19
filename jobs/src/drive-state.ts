/**
 * Drive state as the UI shows it, and its publisher: local listeners, a
 * Redis hash per drive and the `tower:drive-events` pub/sub channel.
 * Progress-only updates are throttled (at most one per `minIntervalMs`,
 * default 250 ms, the last one always delivered); a change of state or of
 * any other field is published at once and never dropped.
 */
import type { Redis } from 'ioredis';
import type { MediaType } from 'node-cdrecord-wrapper';
import { DRIVE_EVENTS_CHANNEL } from './queue-names.js';
import type { KeySpace } from './queue-names.js';

/** What the UI shows for a drive. */
export type DriveState =
  | 'offline' | 'empty' | 'blank' | 'burning' | 'verifying' | 'done' | 'failed' | 'wrong-media' | 'quarantined' | 'busy';

/** One drive's published state. */
export interface DriveStatus {
  readonly driveId: string;
  readonly agentId: string;
  readonly state: DriveState;
  readonly mediaType?: MediaType | null;
  /** 0..100 of the current burn or verify. */
  readonly percent?: number;
  readonly speedX?: number;
  readonly speedMBps?: number;
  readonly runId?: string;
  readonly copy?: number;
  readonly attemptId?: string;
  /** For states that need a person: what to do, in words. */
  readonly message?: string;
  /** The drive has an auto-loader: it takes discs out and puts blanks in by itself. */
  readonly autoLoader?: boolean;
  readonly updatedAt: number;
}

/** The fields a worker sets; ids and time are filled in. */
export type DriveStatusUpdate = Omit<DriveStatus, 'driveId' | 'agentId' | 'updatedAt'>;

const PROGRESS_FIELDS = new Set(['percent', 'speedX', 'speedMBps', 'updatedAt']);

/** Options of a {@link DriveStatePublisher}. */
export interface DriveStatePublisherOptions {
  readonly driveId: string;
  readonly agentId: string;
  /** Connection for the hash and PUBLISH; omitted: local listeners only. */
  readonly redis?: Redis;
  readonly keys: KeySpace;
  /** Minimum ms between two progress-only publications. Default 250 (4/s). */
  readonly minIntervalMs?: number;
  /** Receives every published status, in order. */
  readonly onStatus?: (status: DriveStatus) => void;
  /** Receives Redis errors (publishing never throws). */
  readonly onError?: (err: Error) => void;
  readonly now?: () => number;
}

/** Publishes one drive's state, throttling progress but never a state change. */
export class DriveStatePublisher {
  readonly #o: DriveStatePublisherOptions;
  readonly #minInterval: number;
  readonly #now: () => number;
  #last: DriveStatus | null = null;
  #lastAt = -Infinity;
  #pending: DriveStatus | null = null;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: DriveStatePublisherOptions) {
    this.#o = options;
    this.#minInterval = options.minIntervalMs ?? 250;
    this.#now = options.now ?? Date.now;
  }

  /** The last status published (not a pending throttled one). */
  get current(): DriveStatus | null {
    return this.#last;
  }

  /** Set the drive's state. Publishes now unless only progress fields changed within the interval. */
  update(update: DriveStatusUpdate): void {
    const status: DriveStatus = { ...update, driveId: this.#o.driveId, agentId: this.#o.agentId, updatedAt: this.#now() };
    const base = this.#pending ?? this.#last;
    if (base !== null && sameExcept(base, status, PROGRESS_FIELDS)) {
      if (sameExcept(base, status, new Set(['updatedAt']))) return;
      const wait = this.#lastAt + this.#minInterval - this.#now();
      if (wait > 0) {
        this.#pending = status;
        this.#timer ??= setTimeout(() => {
          this.#timer = null;
          const p = this.#pending;
          this.#pending = null;
          if (p !== null) this.#publish(p);
        }, wait);
        return;
      }
    }
    this.#cancelPending();
    this.#publish(status);
  }

  /** Wait until every publication so far reached Redis. */
  async flush(): Promise<void> {
    await this.#chain;
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

  #publish(status: DriveStatus): void {
    this.#last = status;
    this.#lastAt = this.#now();
    try {
      this.#o.onStatus?.(status);
    } catch (err) {
      this.#o.onError?.(err as Error);
    }
    const redis = this.#o.redis;
    if (redis === undefined) return;
    const key = this.#o.keys.driveState(status.driveId);
    const fields = Object.entries(status).flatMap(([k, v]) => (v === undefined || v === null ? [] : [k, String(v)]));
    this.#chain = this.#chain.then(async () => {
      try {
        await redis.multi()
          .del(key)
          .hset(key, ...fields)
          .sadd(this.#o.keys.drives(), status.driveId)
          .publish(DRIVE_EVENTS_CHANNEL, JSON.stringify(status))
          .exec();
      } catch (err) {
        this.#o.onError?.(err as Error);
      }
    });
  }
}

/** Read one drive's published state hash, or null. */
export async function readDriveStatus(redis: Redis, keys: KeySpace, driveId: string): Promise<DriveStatus | null> {
  const h = await redis.hgetall(keys.driveState(driveId));
  if (h.state === undefined) return null;
  const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const out: Record<string, unknown> = { ...h, percent: n(h.percent), speedX: n(h.speedX), speedMBps: n(h.speedMBps), copy: n(h.copy), autoLoader: h.autoLoader === undefined ? undefined : h.autoLoader === 'true', updatedAt: n(h.updatedAt) ?? 0 };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as DriveStatus;
}

/** Published states of every known drive. */
export async function readAllDriveStatuses(redis: Redis, keys: KeySpace): Promise<DriveStatus[]> {
  const ids = await redis.smembers(keys.drives());
  const all = await Promise.all(ids.sort().map((id) => readDriveStatus(redis, keys, id)));
  return all.filter((s): s is DriveStatus => s !== null);
}

function sameExcept(a: object, b: object, ignore: ReadonlySet<string>): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!ignore.has(k) && ra[k] !== rb[k]) return false;
  return true;
}
