/**
 * The outbox of drive states: every drive of an agent publishes through one,
 * so Redis sees one pipeline per short window instead of a transaction per
 * drive update.
 *
 * A flush is one pipeline: one `MSET` (or `SET`) writing each changed drive's
 * state key once (its last status, as one JSON string), one `SADD` to the drives set for drives
 * this outbox has not announced yet, and one `PUBLISH` on
 * `DRIVE_EVENTS_CHANNEL` whose payload is a JSON array of the statuses, in
 * the order they were queued. The state keys are written before the
 * `PUBLISH`, on the same connection, so a subscriber that reads a drive's key
 * after the message sees at least that state.
 *
 * Flushes are at most `windowMs` apart (default 20 ms). After a quiet spell a
 * status goes out on the next turn of the event loop; in a busy spell the
 * statuses queued during one window go out together at its end.
 *
 * Merging: a progress update (a status that differs from the drive's
 * previous one only in percent, speeds and time) replaces the drive's last
 * queued status in place when that one is a progress update too. A change of
 * anything else (state, message, run, media...) is always sent as its own
 * entry, and a progress update after it is queued behind it, so a change is
 * never merged away; the same drive then appears more than once in one
 * message, in order.
 */
import type { Redis } from 'ioredis';
import type { DriveStatus } from './drive-state.js';
import { DRIVE_EVENTS_CHANNEL } from './queue-names.js';
import type { KeySpace } from './queue-names.js';

/** Fields whose change alone makes a status a progress update. */
export const PROGRESS_FIELDS: ReadonlySet<string> = new Set(['percent', 'speedX', 'speedMBps', 'updatedAt']);

/** Options of a {@link DriveStateOutbox}. */
export interface DriveStateOutboxOptions {
  /** Connection the pipelines go out on (shared; the outbox never closes it). */
  readonly redis: Redis;
  readonly keys: KeySpace;
  /** Minimum ms between two flushes. Default 20. */
  readonly windowMs?: number;
  /**
   * Add a drive to the drives set only the first time this outbox sends it
   * (and again after the connection comes back). Default true; false adds
   * the drives of every flush, for a short-lived outbox that must not listen
   * to a shared connection.
   */
  readonly announceOnce?: boolean;
  /** Receives Redis errors (queueing and flushing never throw). */
  readonly onError?: (err: Error) => void;
  /** Clock in ms; default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly status: DriveStatus;
  readonly json: string;
  /** Only progress fields differ from the drive's previous status. */
  readonly progress: boolean;
}

/** Batches drive state writes and publications of many drives into one pipeline per window. */
export class DriveStateOutbox {
  readonly #o: DriveStateOutboxOptions;
  readonly #windowMs: number;
  readonly #now: () => number;
  #queue: Entry[] = [];
  /** Drive id → index in #queue of its last entry. */
  readonly #lastIndex = new Map<string, number>();
  /** Drive id → the last status queued for it (sent or not). */
  readonly #previous = new Map<string, DriveStatus>();
  /** Drives already added to the drives set by this outbox (cleared when the connection comes back). */
  readonly #announced = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #lastFlushAt = -Infinity;
  #inFlight: Promise<void> = Promise.resolve();
  readonly #announceOnce: boolean;
  readonly #onReady = (): void => this.#announced.clear();

  constructor(options: DriveStateOutboxOptions) {
    this.#o = options;
    this.#windowMs = Math.max(0, options.windowMs ?? 20);
    this.#now = options.now ?? Date.now;
    this.#announceOnce = options.announceOnce ?? true;
    // A Redis that restarted may have lost the drives set: announce every drive again.
    if (this.#announceOnce) options.redis.on('ready', this.#onReady);
  }

  /** Statuses queued and not yet sent. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queue a drive's status for the next flush. */
  enqueue(status: DriveStatus): void {
    const previous = this.#previous.get(status.driveId);
    const progress = previous !== undefined && sameExcept(previous, status, PROGRESS_FIELDS);
    const entry: Entry = { status, json: JSON.stringify(status), progress };
    this.#previous.set(status.driveId, status);
    const i = this.#lastIndex.get(status.driveId);
    const last = i === undefined ? undefined : this.#queue[i];
    if (i !== undefined && last !== undefined && progress && last.progress) {
      this.#queue[i] = entry;
    } else {
      this.#lastIndex.set(status.driveId, this.#queue.length);
      this.#queue.push(entry);
    }
    this.#schedule();
  }

  /** Send what is queued now (without waiting for the window) and wait until everything queued so far reached Redis. */
  async flush(): Promise<void> {
    if (this.#queue.length > 0) {
      this.#clearTimer();
      this.#send();
    }
    await this.#inFlight;
  }

  /** Flush, then stop listening to the connection. The outbox must not be used afterwards. */
  async close(): Promise<void> {
    await this.flush();
    this.#clearTimer();
    if (this.#announceOnce) this.#o.redis.off('ready', this.#onReady);
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    const wait = Math.max(0, this.#lastFlushAt + this.#windowMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#send();
    }, wait);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #send(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#lastIndex.clear();
    this.#lastFlushAt = this.#now();
    const { redis, keys } = this.#o;
    const pipe = redis.pipeline();
    // One write per drive: its last status in this batch.
    const latest = new Map<string, Entry>();
    for (const e of batch) latest.set(e.status.driveId, e);
    if (latest.size === 1) {
      for (const [driveId, e] of latest) pipe.set(keys.driveState(driveId), e.json);
    } else {
      pipe.mset(...[...latest].flatMap(([driveId, e]) => [keys.driveState(driveId), e.json]));
    }
    const fresh = [...latest.keys()].filter((id) => !this.#announced.has(id));
    if (this.#announceOnce) for (const id of fresh) this.#announced.add(id);
    if (fresh.length > 0) pipe.sadd(keys.drives(), ...fresh);
    pipe.publish(DRIVE_EVENTS_CHANNEL, `[${batch.map((e) => e.json).join(',')}]`);
    const sent = pipe.exec().then(
      (replies) => {
        const failed = (replies ?? []).find(([err]) => err !== null)?.[0];
        if (failed) this.#fail(failed, fresh);
      },
      (err: unknown) => this.#fail(err, fresh),
    );
    const previous = this.#inFlight;
    this.#inFlight = Promise.all([previous, sent]).then(() => undefined);
  }

  #fail(err: unknown, fresh: readonly string[]): void {
    for (const id of fresh) this.#announced.delete(id);
    this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}

/** True when `a` and `b` have the same value in every field but those in `ignore`. */
export function sameExcept(a: object, b: object, ignore: ReadonlySet<string>): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k in ra) if (!ignore.has(k) && ra[k] !== rb[k]) return false;
  for (const k in rb) if (!ignore.has(k) && !(k in ra) && rb[k] !== undefined) return false;
  return true;
}
