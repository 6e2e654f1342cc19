/**
 * What the drive workers of one agent share, so a host's cost in Redis
 * connections and timers does not grow with its drives:
 *
 * - one command connection (run store, quarantine, BullMQ scripts, state);
 * - one subscriber connection, each channel subscribed once and its messages
 *   fanned out to the listeners in this process (run control is parsed once);
 * - one processor-less BullMQ `Worker` per media class, from which every
 *   drive fetches by hand with its own job token (`getNextJob(token,
 *   { block: false })`; completing, failing, delaying and extending a lock all
 *   go by job id and token, so drives never see each other's jobs), and so
 *   one stalled-job checker per class for the whole agent;
 * - a reading of the quarantine hash that serves every idle drive looking
 *   within a short while of it (`quarantineOf`);
 * - what the agent last learnt of each class's queue: after a fetch found
 *   nothing to take, the agent's other idle drives do not ask Redis again for
 *   a short while (`fetchCopy`, copy-fetch-gate.ts), until new work is
 *   announced, a job of this agent goes back to the queue, or the next
 *   delayed job falls due;
 * - the outbox that batches every drive's state into one pipeline per window,
 *   on a connection of its own so a burst of other commands never holds it;
 * - the drives waiting with a blank (`waiting`), to which a drive hands a
 *   copy it drew but may not burn.
 *
 * Create it, `start()` it, hand it to each `DriveWorker` (option
 * `connections`), and `close()` it after the workers: a worker's `close()`
 * leaves shared connections open.
 *
 * Redis settings: the connections queue commands while Redis is away and
 * retry them until it is back (`maxRetriesPerRequest: null`, the offline
 * queue on), which BullMQ's workers need and which lets burns in flight ride
 * out a Redis restart; connecting retries every 50 ms..2 s for ever. So the
 * waits that must end (starting, stopping) are bounded here: `start` gives up
 * after `connectTimeoutMs`, `close` closes the connections hard after
 * `closeTimeoutMs`, which fails every command still queued.
 */
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { MediaClass } from 'node-cdrecord-wrapper';
import { CopyFetchGate } from './copy-fetch-gate.js';
import type { QuarantineInfo } from './drive-quarantine.js';
import { DriveStateOutbox } from './drive-state-outbox.js';
import { QuarantineSnapshot } from './quarantine-snapshot.js';
import { RedisConnectivity } from './redis-connectivity.js';
import { connectWithin, redactRedisUrl, settlesWithin } from './redis-deadline.js';
import { WaitingDrives } from './waiting-drives.js';
import { RedisSchema } from './protocol/redis-schema.js';
import { parseMessage } from './run-events.js';
import type { RunControlMessage } from './run-events.js';

/** Options of {@link AgentConnections}. */
export interface AgentConnectionsOptions {
  readonly redisUrl: string;
  /** Names the connections in Redis's CLIENT LIST: `tower-agent:<name>:cmd` and `:sub`. Default `tower-agent:cmd` and `:sub`. */
  readonly name?: string;
  /** Prefix of this package's keys; default `tower`. */
  readonly prefix?: string;
  /** BullMQ key prefix; default BullMQ's (`bull`). */
  readonly bullPrefix?: string;
  /** BullMQ lock duration of the copy jobs, ms; default 30 000. Workers extend locks every half of it. */
  readonly lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs (a crashed agent's), ms. Default: the lock duration. */
  readonly stalledIntervalMs?: number;
  /** Minimum ms between two flushes of the drive state outbox. Default 20. */
  readonly stateWindowMs?: number;
  /** How long `start` waits for Redis to answer (every connection ready), ms; default 10 000. */
  readonly connectTimeoutMs?: number;
  /** How long `close` waits for a clean close before closing the connections hard, ms; default 5000. */
  readonly closeTimeoutMs?: number;
  /** Receives connection and BullMQ errors (a BullMQ worker's with its queue's name); default: ignored. */
  readonly onError?: (err: Error, queue?: string) => void;
}

type Handler = (text: string) => void;

interface Channel {
  readonly handlers: Set<Handler>;
  /** Settles when the SUBSCRIBE is acknowledged. */
  readonly ready: Promise<void>;
}

/** The shared Redis connections, BullMQ workers and state outbox of one agent's drive workers. */
export class AgentConnections {
  /** The command connection. Usable by anyone in the agent; closed by `close()`. */
  readonly redis: Redis;
  readonly keys: RedisSchema;
  /** Where drive states are queued for Redis. */
  readonly outbox: DriveStateOutbox;
  /** This agent's idle drives holding a blank, which take copies handed to them. */
  readonly waiting = new WaitingDrives();
  readonly lockDurationMs: number;
  readonly #o: AgentConnectionsOptions;
  readonly #sub: Redis;
  /** The outbox's own connection: a flush never queues behind the drives' other commands (a burst's BullMQ moves and scripts). */
  readonly #state: Redis;
  readonly #channels = new Map<string, Channel>();
  readonly #runControl = new Set<(msg: RunControlMessage) => void>();
  readonly #bull = new Map<MediaClass, Worker>();
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  #runControlSubscribed: Promise<unknown> | null = null;
  /** What the agent last learnt of each class's queue. */
  readonly #gate = new CopyFetchGate();
  readonly #quarantine: QuarantineSnapshot;
  readonly #connectivity: RedisConnectivity;
  /** When this agent last called other drives to a copy it gave back, by job id. */
  readonly #called = new Map<string, number>();

  constructor(options: AgentConnectionsOptions) {
    this.#o = options;
    this.keys = new RedisSchema(options.prefix);
    this.lockDurationMs = options.lockDurationMs ?? 30_000;
    const name = options.name === undefined ? 'tower-agent' : `tower-agent:${options.name}`;
    // Auto-pipelining: the commands all drives issue in one tick go out in one write, not one system call each.
    // TCP connect within 5 s per try (an unreachable host), then retried by ioredis; `start` bounds the whole wait.
    // A socket that does not close when told to is destroyed after half a second (ioredis's default, 2 s, keeps a stopping process alive).
    const common = { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5000, disconnectTimeout: 500 } as const;
    this.redis = new Redis(options.redisUrl, { ...common, enableAutoPipelining: true, connectionName: `${name}:cmd` });
    this.#sub = new Redis(options.redisUrl, { ...common, connectionName: `${name}:sub` });
    this.#state = new Redis(options.redisUrl, { ...common, connectionName: `${name}:state` });
    // ioredis emits connection errors as events; without a listener they would crash the process. They reach
    // `onError` as one line when Redis becomes unreachable and one when it is back, not one per reconnection.
    this.#connectivity = new RedisConnectivity({ url: options.redisUrl, name: '', log: (line) => this.#o.onError?.(new Error(line)) });
    this.#connectivity.watch(this.redis, 'agent');
    this.#connectivity.watch(this.#sub, 'agent events');
    this.#connectivity.watch(this.#state, 'agent drive states');
    this.#sub.on('message', (channel: string, text: string) => {
      for (const h of this.#channels.get(channel)?.handlers ?? []) {
        try {
          h(text);
        } catch (err) {
          this.#error(err);
        }
      }
    });
    this.#quarantine = new QuarantineSnapshot(this.redis, this.keys);
    this.outbox = new DriveStateOutbox({
      redis: this.#state,
      keys: this.keys,
      ...(options.stateWindowMs === undefined ? {} : { windowMs: options.stateWindowMs }),
      onError: (e) => this.#error(e),
    });
  }

  /**
   * Connect the connections (once; later calls wait for the first). Fails
   * with a `RedisTimeoutError` when Redis has not answered within
   * `connectTimeoutMs` (refused, unreachable, or a server that accepts and
   * stays silent), or with the signal's reason once it is aborted.
   */
  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    const ms = this.#o.connectTimeoutMs ?? 10_000;
    const where = redactRedisUrl(this.#o.redisUrl);
    this.#starting ??= Promise.all([
      connectWithin(this.redis, ms, where, options.signal),
      connectWithin(this.#sub, ms, where, options.signal),
      connectWithin(this.#state, ms, where, options.signal),
    ]).then(() => undefined);
    return this.#starting;
  }

  /**
   * Listen to a pub/sub channel; the channel is subscribed on the first
   * listener and unsubscribed after the last. Resolves once subscribed, with
   * the function that removes this listener.
   */
  async subscribe(channel: string, handler: (text: string) => void): Promise<() => Promise<void>> {
    let ch = this.#channels.get(channel);
    if (ch === undefined) {
      const fresh: Channel = { handlers: new Set(), ready: this.#sub.subscribe(channel).then(() => undefined) };
      this.#channels.set(channel, fresh);
      fresh.ready.catch(() => {
        if (this.#channels.get(channel) === fresh) this.#channels.delete(channel);
      });
      ch = fresh;
    }
    ch.handlers.add(handler);
    await ch.ready;
    return async () => {
      const c = this.#channels.get(channel);
      if (c === undefined || !c.handlers.delete(handler) || c.handlers.size > 0) return;
      this.#channels.delete(channel);
      if (this.#closing === null) await this.#sub.unsubscribe(channel).catch((e: unknown) => this.#error(e));
    };
  }

  /** Listen to run control messages (parsed once for every listener); returns the function that removes the listener. */
  async onRunControl(listener: (msg: RunControlMessage) => void): Promise<() => void> {
    this.#runControl.add(listener);
    // Subscribed once, for the agent's lifetime; every caller waits until it is.
    this.#runControlSubscribed ??= this.#subscribeRunControl().catch((err: unknown) => {
      this.#runControlSubscribed = null;
      throw err;
    });
    await this.#runControlSubscribed;
    return () => {
      this.#runControl.delete(listener);
    };
  }

  #subscribeRunControl(): Promise<unknown> {
    return this.subscribe(this.keys.runControl(), (text) => {
      const msg = parseMessage<RunControlMessage>(text, 'action');
      if (msg === null) return;
      if (msg.action === 'work') this.reopen();
      for (const l of this.#runControl) {
        try {
          l(msg);
        } catch (err) {
          this.#error(err);
        }
      }
    });
  }

  /**
   * The agent's processor-less BullMQ worker of a media class's copy queue,
   * created on first use with its stalled-job checker running. Fetch with
   * `getNextJob(token, { block: false })` and a token of your own.
   */
  copyWorker(cls: MediaClass): Worker {
    let w = this.#bull.get(cls);
    if (w === undefined) {
      if (this.#closing !== null) throw new Error('the agent connections are closed');
      const queue = this.keys.copyQueue(cls);
      w = new Worker(queue, null, {
        connection: this.redis,
        autorun: false,
        concurrency: 1,
        lockDuration: this.lockDurationMs,
        // A dead agent's job comes back after its lock expires and the next check runs.
        stalledInterval: this.#o.stalledIntervalMs ?? this.lockDurationMs,
        ...(this.#o.bullPrefix === undefined ? {} : { prefix: this.#o.bullPrefix }),
      });
      w.on('error', (e) => this.#error(e, queue));
      // The stalled-job checker put a crashed worker's job back: there is work to fetch.
      w.on('stalled', () => this.reopen(cls));
      // Manual fetching: the stalled-job checker must be started by hand, once per class.
      w.startStalledCheckTimer().catch((e: unknown) => this.#error(e, queue));
      this.#bull.set(cls, w);
    }
    return w;
  }

  /**
   * Fetch the next copy job of a class with the drive's own token, or
   * undefined. When a fetch finds nothing, fetches of the same class answer
   * undefined without asking Redis for `idleMs` (or until the next delayed
   * job is due, if sooner), unless `reopen` is called first: on new work from
   * the planner (run control `work`), a stalled job put back by this agent's
   * checker, or when a drive of this agent puts a job back. While the queue
   * looks empty, fetches that come together wait for one of them to ask.
   */
  fetchCopy(cls: MediaClass, token: string, idleMs: number): Promise<Job | undefined> {
    return this.#gate.fetch(cls, () => this.copyWorker(cls), token, idleMs);
  }

  /** Work may have appeared in a class's queue (every class when none is given): the next fetch asks Redis. */
  reopen(cls?: MediaClass): void {
    this.#gate.reopen(cls);
  }

  /**
   * Why a drive is quarantined, or null, from a reading of the quarantine
   * hash at most `maxAgeMs` old, shared by the agent's drives.
   */
  quarantineOf(driveId: string, maxAgeMs: number): Promise<QuarantineInfo | null> {
    return this.#quarantine.of(driveId, maxAgeMs);
  }

  /**
   * Tell the drives that may burn a copy this agent gave back (drives of other
   * agents) to look when it is due (`at`), instead of at their next poll while
   * this agent's idle drives keep drawing it. At most once a second per copy
   * for the whole agent.
   */
  callDrives(jobId: string, runId: string, drives: readonly string[], at: number): void {
    const now = performance.now();
    if ((this.#called.get(jobId) ?? 0) > now - 1000) return;
    if (this.#called.size > 1000) this.#called.clear();
    this.#called.set(jobId, now);
    const msg: RunControlMessage = { action: 'work', runId, drives, at };
    this.redis.publish(this.keys.runControl(), JSON.stringify(msg)).catch((e: unknown) => this.#error(e));
  }

  /** This agent quarantined or released a drive: the next `quarantineOf` reads again. */
  invalidateQuarantine(): void {
    this.#quarantine.invalidate();
  }

  /**
   * Flush the outbox, close the BullMQ workers and the connections. Close
   * the drive workers first. Bounded: what has not closed cleanly within
   * `closeTimeoutMs` (Redis down or not answering) is closed hard
   * (`disconnect`), and the state not yet flushed is lost.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.redis.status !== 'ready' || this.#sub.status !== 'ready' || this.#state.status !== 'ready') {
        // Redis is away (or never answered): nothing can be flushed or closed cleanly; do not wait for it.
        this.disconnect();
      }
      const clean = (async () => {
        await this.#starting?.catch(() => undefined);
        await this.outbox.close();
        await Promise.all([...this.#bull.values()].map((w) => w.close().catch((e: unknown) => this.#error(e))));
        await Promise.all([this.#sub, this.redis, this.#state].map((c) => c.quit().catch(() => undefined)));
      })();
      const closed = await settlesWithin(clean, this.#o.closeTimeoutMs ?? 5000);
      this.#channels.clear();
      this.#runControl.clear();
      if (!closed) {
        this.#error(new Error(`Redis did not answer within ${(this.#o.closeTimeoutMs ?? 5000) / 1000} s while closing: connections closed hard`));
        this.disconnect();
        await settlesWithin(clean, 1000);
      }
      this.#bull.clear();
    })();
    return this.#closing;
  }

  /**
   * Close every connection at once, without waiting for Redis: commands
   * still queued fail ("Connection is closed"). For a stop that must not
   * wait for a Redis that is down; `close` does it by itself after its
   * timeout.
   */
  disconnect(): void {
    for (const w of this.#bull.values()) w.disconnect().catch(() => undefined);
    this.#sub.disconnect();
    this.redis.disconnect();
    this.#state.disconnect();
  }

  #error(err: unknown, queue?: string): void {
    // Redis being away (a BullMQ worker's connection, say) is the connectivity's one line.
    if (this.#connectivity.failed(this.redis, err)) return;
    this.#o.onError?.(err instanceof Error ? err : new Error(String(err)), queue);
  }
}

