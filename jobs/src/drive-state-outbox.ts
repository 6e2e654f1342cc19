/**
 * The outbox of drive states: every drive of an agent publishes through one,
 * so Redis sees one pipeline per short window instead of a transaction per
 * drive update.
 *
 * A flush is one script (atomic): each status queued takes the drive's next
 * sequence number (`RedisSchema.driveSeqs`, added to its JSON as `seq`), each
 * changed drive's state key is written once (its last status), drives this
 * outbox has not announced yet are added to the drives set, and one
 * `PUBLISH` on `DRIVE_EVENTS_CHANNEL` carries a JSON array of the statuses,
 * in the order they were queued. Readers order a drive's statuses by `seq`,
 * so a status the controller wrote and one the agent wrote are ordered by
 * when Redis took them, never by the two hosts' clocks.
 *
 * Progress waits for a window: flushes of progress alone are at most
 * `windowMs` apart (default 20 ms). After a quiet spell a status goes out on
 * the next turn of the event loop; in a busy spell the progress queued
 * during one window goes out together at its end. A change (anything but
 * progress: a new state, message, run...) does not wait for the window: the
 * queue goes out on the next turn of the event loop, with every status
 * queued in this one. In a burst (hundreds of drives ending their burns at
 * once) the changes of one turn still go out together, and none waits up to
 * a window for the operator to see it. A queue whose window has ended goes
 * out at the next `enqueue` even when neither the timer nor the next turn
 * has come: the event loop runs a burst's job moves back to back for tens
 * of milliseconds, and both would wait for all of them.
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
import { PROGRESS_FIELDS, sameExcept } from './drive-status.js';
import type { DriveStatus } from './drive-status.js';
import type { RedisSchema } from './protocol/redis-schema.js';

/**
 * KEYS: drives set, sequence hash, then the state key of each status.
 * ARGV: channel, n, n fresh drive ids, then drive id and JSON of each status.
 */
const PUBLISH_SCRIPT = `
local n = tonumber(ARGV[2])
local out = {}
local last = {}
local order = {}
for i = 1, #KEYS - 2 do
  local id = ARGV[2 + n + 2 * i - 1]
  local json = ARGV[2 + n + 2 * i]
  local seq = redis.call('HINCRBY', KEYS[2], id, 1)
  local stamped = string.sub(json, 1, -2) .. ',"seq":' .. seq .. '}'
  out[i] = stamped
  local key = KEYS[2 + i]
  if last[key] == nil then order[#order + 1] = key end
  last[key] = stamped
end
for _, key in ipairs(order) do redis.call('SET', key, last[key]) end
if n > 0 then redis.call('SADD', KEYS[1], unpack(ARGV, 3, 2 + n)) end
redis.call('PUBLISH', ARGV[1], '[' .. table.concat(out, ',') .. ']')
return #out
`;

/** Options of a {@link DriveStateOutbox}. */
export interface DriveStateOutboxOptions {
  /** Connection the pipelines go out on (shared; the outbox never closes it). */
  readonly redis: Redis;
  readonly keys: RedisSchema;
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
  /** Monotonic clock in ms; default `performance.now`. */
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
  /** The send on the next turn of the event loop, for a queue holding a change. */
  #immediate: NodeJS.Immediate | null = null;
  #lastFlushAt = -Infinity;
  /** When the oldest status of the queue was queued. */
  #firstQueuedAt = 0;
  #inFlight: Promise<void> = Promise.resolve();
  readonly #announceOnce: boolean;
  readonly #onReady = (): void => this.#announced.clear();

  constructor(options: DriveStateOutboxOptions) {
    this.#o = options;
    this.#windowMs = Math.max(0, options.windowMs ?? 20);
    this.#now = options.now ?? (() => performance.now());
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
    if (this.#queue.length === 0) this.#firstQueuedAt = this.#now();
    const previous = this.#previous.get(status.driveId);
    const progress = previous !== undefined && sameExcept(previous, status, PROGRESS_FIELDS);
    // Redis gives the sequence number (a status read back from Redis carries its old one).
    const entry: Entry = { status, json: JSON.stringify(status.seq === undefined ? status : { ...status, seq: undefined }), progress };
    this.#previous.set(status.driveId, status);
    const i = this.#lastIndex.get(status.driveId);
    const last = i === undefined ? undefined : this.#queue[i];
    if (i !== undefined && last !== undefined && progress && last.progress) {
      this.#queue[i] = entry;
    } else {
      this.#lastIndex.set(status.driveId, this.#queue.length);
      this.#queue.push(entry);
    }
    this.#schedule(!progress);
  }

  /**
   * Queue every drive's last status again, each as a change: someone else
   * wrote these drives' states (the controller declared the agent dead while
   * its heartbeats could not get through), and the keys must show the truth.
   */
  republishAll(): void {
    if (this.#queue.length === 0) this.#firstQueuedAt = this.#now();
    const now = Date.now();
    for (const previous of this.#previous.values()) {
      const status: DriveStatus = { ...previous, updatedAt: now };
      this.#previous.set(status.driveId, status);
      this.#lastIndex.set(status.driveId, this.#queue.length);
      this.#queue.push({ status, json: JSON.stringify({ ...status, seq: undefined }), progress: false });
    }
    this.#schedule(true);
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

  /** Plan the next send: `change`, the status just queued is a change (not progress only). */
  #schedule(change: boolean): void {
    const now = this.#now();
    if (this.#timer !== null || this.#immediate !== null) {
      // Neither the timer nor the next turn came yet: the loop is busy. Send now what has waited a whole window.
      if (now - this.#firstQueuedAt >= this.#windowMs && now - this.#lastFlushAt >= this.#windowMs) {
        this.#clearTimer();
        this.#send();
      } else if (change && this.#immediate === null) {
        this.#sendNextTurn();
      }
      return;
    }
    if (change) {
      this.#sendNextTurn();
      return;
    }
    const wait = Math.max(0, this.#lastFlushAt + this.#windowMs - now);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#send();
    }, wait);
  }

  #sendNextTurn(): void {
    this.#clearTimer();
    this.#immediate = setImmediate(() => {
      this.#immediate = null;
      this.#send();
    });
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #send(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#lastIndex.clear();
    this.#lastFlushAt = this.#now();
    const { redis, keys } = this.#o;
    const fresh = [...new Set(batch.map((e) => e.status.driveId))].filter((id) => !this.#announced.has(id));
    if (this.#announceOnce) for (const id of fresh) this.#announced.add(id);
    const stateKeys = batch.map((e) => keys.driveState(e.status.driveId));
    const args = [keys.driveEvents(), String(fresh.length), ...fresh, ...batch.flatMap((e) => [e.status.driveId, e.json])];
    // Whole (EVAL), never by SHA-1, and without waiting for the previous
    // flush's reply: a busy agent reads replies late, and flushes chained on
    // them queued behind each other in a burst. One connection's commands run
    // in order, so sequence numbers follow the queue; an EVALSHA answered
    // NOSCRIPT and sent again could be overtaken by a later flush. Not
    // ioredis's defineCommand: on an auto-pipelined connection a command
    // defined after that tick's pipeline opened has no method there, and
    // ioredis throws out of its reply handler, which kills the process.
    const keysOf = [keys.drives(), keys.driveSeqs(), ...stateKeys];
    this.#inFlight = redis.eval(PUBLISH_SCRIPT, String(keysOf.length), ...keysOf, ...args).then(
      () => undefined,
      (err: unknown) => this.#fail(err, fresh),
    );
  }

  #fail(err: unknown, fresh: readonly string[]): void {
    for (const id of fresh) this.#announced.delete(id);
    this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}
