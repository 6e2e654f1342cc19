/**
 * Redis reachability, as one process sees it through its connections:
 *
 * - `RedisConnectivity.watch(conn)` attaches the `error`, `reconnecting` and
 *   `ready` listeners every ioredis connection needs (without an `error`
 *   listener ioredis prints "[ioredis] Unhandled error event" for every
 *   failed reconnection), and turns them into two log lines per outage: one
 *   when the first watched connection loses Redis (with the reason), one when
 *   every watched connection has it back (with how long it was away).
 * - A Redis that stops answering without closing its connections (a paused
 *   or wedged server, a dropped network path) raises no event: commands just
 *   time out (`commandTimeout`). A watched connection's timed-out command
 *   (or `failed(conn, err)`) marks it down, and it is pinged until Redis
 *   answers again; meanwhile a connection with a `commandTimeout` fails its
 *   commands at once (`RedisUnavailableError`) instead of making each wait
 *   out the deadline, so a request doing several lookups in turn is
 *   answered within one deadline, not one per lookup.
 * - `FAIL_FAST_REDIS_OPTIONS`: the options of a connection that serves
 *   requests. Nothing is queued while Redis is away (a command fails at once
 *   instead of being carried out whenever Redis comes back), a command
 *   without an answer fails after a deadline, and commands in flight when a
 *   connection drops fail rather than being sent again on the next one.
 */
import { Command } from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { TypedEmitter } from 'node-cdrecord-wrapper';
import { toLogger } from './logger.js';
import type { LogSink } from './logger.js';

/** Default deadline of one command on a fail-fast connection, ms. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 3000;

/** ioredis options of a connection whose commands must fail, not linger, when Redis is away. */
export function failFastRedisOptions(commandTimeoutMs = DEFAULT_REDIS_COMMAND_TIMEOUT_MS): RedisOptions {
  return {
    enableOfflineQueue: false,
    // 0: the commands in flight when the connection drops are failed at once (not kept for the next connection).
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
  };
}

/** `host:port` of a Redis URL, without user or password (what a message may show). */
export function redisTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname === '' ? '127.0.0.1' : u.hostname;
    return `${host}:${u.port === '' ? '6379' : u.port}`;
  } catch {
    return 'the configured Redis';
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** An error that says Redis could not be reached (no answer, no connection), not that a command was wrong. */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

/** True for the errors ioredis and BullMQ raise when Redis cannot be reached or did not answer in time. */
export function isRedisUnavailableError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof RedisUnavailableError) return true;
    const code = (e as NodeJS.ErrnoException).code;
    // REDIS_TIMEOUT: redis-deadline.ts's bounded waits.
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code === 'REDIS_TIMEOUT')) return true;
    if (e.name === 'MaxRetriesPerRequestError') return true;
    if (/^(Command timed out|Connection is closed\.?|Stream isn't writeable|LOADING |MASTERDOWN |Redis is loading)/.test(e.message)) return true;
  }
  return false;
}

/** Words for why a Redis command failed, for a log line or an API answer. */
export function describeRedisFailure(err: unknown, commandTimeoutMs?: number): string {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof RedisUnavailableError) return e.message;
  if (e.message.startsWith('Command timed out')) return commandTimeoutMs === undefined ? 'no answer in time' : `no answer within ${commandTimeoutMs} ms`;
  if (e.message.startsWith("Stream isn't writeable") || e.name === 'MaxRetriesPerRequestError' || e.message.startsWith('Connection is closed')) return 'not connected';
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
}

/**
 * Connect `conn` (a `lazyConnect` one) and wait until it is ready, for at
 * most `ms` (ioredis retries meanwhile); then a `RedisUnavailableError`
 * naming the Redis and the last connection error.
 */
export function readyWithin(conn: Redis, ms: number, target: string): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let last = '';
    const onError = (err: Error): void => {
      last = describeRedisFailure(err);
    };
    const done = (): void => {
      clearTimeout(timer);
      conn.off('ready', onReady);
      conn.off('error', onError);
    };
    const onReady = (): void => {
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new RedisUnavailableError(`Redis at ${target} did not answer within ${ms / 1000} s${last === '' ? '' : ` (${last})`}`));
    }, ms);
    conn.on('ready', onReady);
    conn.on('error', onError);
    if (conn.status === 'wait') conn.connect().catch(() => undefined);
  });
}

/** Options of {@link RedisConnectivity}. */
export interface RedisConnectivityOptions {
  /** The Redis URL (only its host and port are ever shown). */
  readonly url: string;
  /** Where the two lines of an outage go: its start a warning, its end an info line. */
  readonly log: LogSink;
  /** Prefix of the log lines (`<name>: …`); default `redis`, '' for none. */
  readonly name?: string;
  /** While a connection counts as down without an event to say when it is back, it is pinged this often, ms. Default 1000. */
  readonly probeIntervalMs?: number;
  /** The command deadline of the watched connections, for messages. */
  readonly commandTimeoutMs?: number;
  /** Clock; default `Date.now`. */
  readonly now?: () => number;
}

interface Watched {
  readonly conn: Redis;
  readonly name: string;
  down: boolean;
  reason: string;
  probe: ReturnType<typeof setInterval> | null;
  /** True while the probe sends its PING (the one command let through while the connection is silent). */
  bypass: boolean;
  detach: () => void;
}

/** What a {@link RedisConnectivity} reports. */
export interface RedisConnectivityEvents {
  /** Redis became unreachable (the first watched connection lost it). */
  down: [reason: string];
  /** Every watched connection has Redis back. */
  up: [downMs: number];
}

/** Reachability of Redis over a process's connections, logged once per outage start and end. */
export class RedisConnectivity extends TypedEmitter<RedisConnectivityEvents> {
  /** `host:port` of the Redis. */
  readonly target: string;
  readonly #o: RedisConnectivityOptions;
  readonly #now: () => number;
  readonly #watched = new Map<Redis, Watched>();
  #downSince: number | null = null;
  #reason = '';
  #closed = false;

  constructor(options: RedisConnectivityOptions) {
    super();
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.target = redisTarget(options.url);
  }

  /** True while at least one watched connection has lost Redis. */
  get down(): boolean {
    return this.#downSince !== null;
  }

  /** Why Redis is unreachable (the first reason of the current outage), or ''. */
  get reason(): string {
    return this.#downSince === null ? '' : this.#reason;
  }

  /**
   * Watch a connection (once; later calls do nothing). Its `error` events are
   * handled here from now on. Stops by itself when the connection ends.
   */
  watch(conn: Redis, name: string): void {
    if (this.#watched.has(conn)) return;
    const onError = (err: Error): void => this.#setDown(conn, describeRedisFailure(err, this.#o.commandTimeoutMs));
    const onReconnecting = (): void => this.#setDown(conn, 'the connection was lost');
    const onReady = (): void => this.#setUp(conn);
    const onEnd = (): void => this.unwatch(conn);
    conn.on('error', onError);
    conn.on('reconnecting', onReconnecting);
    conn.on('ready', onReady);
    conn.on('end', onEnd);
    const w: Watched = {
      conn,
      name,
      down: false,
      reason: '',
      probe: null,
      bypass: false,
      detach: () => {
        conn.off('reconnecting', onReconnecting);
        conn.off('ready', onReady);
        conn.off('end', onEnd);
        // The error listener stays: an ended connection may still emit one, and must not crash the process.
      },
    };
    this.#watched.set(conn, w);
    // Commands that time out on a connection that looks fine are the only sign of a silent Redis;
    // once it is known silent, a fail-fast connection's commands fail at once until the probe gets an answer.
    const send = conn.sendCommand.bind(conn) as (...args: unknown[]) => Promise<unknown>;
    const failFast = typeof conn.options.commandTimeout === 'number';
    conn.sendCommand = ((...args: unknown[]) => {
      const command = args[0] as Command;
      if (failFast && w.probe !== null && !w.bypass && this.#watched.get(conn) === w) {
        command.reject(new RedisUnavailableError(w.reason === '' ? 'no answer' : w.reason));
        return command.promise;
      }
      const reply = send(...args);
      reply.then(undefined, (err: unknown) => {
        if (err instanceof Error && err.message.startsWith('Command timed out')) this.failed(conn, err);
      });
      return reply;
    }) as Redis['sendCommand'];
  }

  /**
   * Stop watching a connection (it no longer counts for up or down). Closing
   * connections during an outage logs no "reachable again".
   */
  unwatch(conn: Redis): void {
    const w = this.#watched.get(conn);
    if (w === undefined) return;
    this.#watched.delete(conn);
    w.detach();
    if (w.probe !== null) clearInterval(w.probe);
    if (w.down && ![...this.#watched.values()].some((o) => o.down)) {
      this.#downSince = null;
      this.#reason = '';
    }
  }

  /**
   * A command of `conn` failed. A failure that says Redis is unreachable
   * (see {@link isRedisUnavailableError}) marks the connection down; when
   * the connection itself looks fine (a command timed out), it is pinged
   * until Redis answers. Other errors are ignored. Returns whether the error
   * was an unreachable Redis.
   */
  failed(conn: Redis | undefined, err: unknown): boolean {
    if (!isRedisUnavailableError(err)) return false;
    const w = conn === undefined ? this.#first() : this.#watched.get(conn);
    if (w === undefined || this.#closed) return true;
    this.#setDown(w.conn, describeRedisFailure(err, this.#o.commandTimeoutMs));
    if (w.conn.status === 'ready' && w.probe === null) {
      const interval = this.#o.probeIntervalMs ?? 1000;
      let inFlight = false;
      w.probe = setInterval(() => {
        if (inFlight) return;
        inFlight = true;
        const ping = new Command('ping', []);
        w.bypass = true;
        try {
          void w.conn.sendCommand(ping);
        } finally {
          w.bypass = false;
        }
        ping.promise.then(() => this.#setUp(w.conn), () => undefined).finally(() => {
          inFlight = false;
        });
      }, interval);
      w.probe.unref();
    }
    return true;
  }

  /** Stop every probe and watch (the connections' error listeners stay). */
  close(): void {
    this.#closed = true;
    for (const conn of [...this.#watched.keys()]) this.unwatch(conn);
  }

  #prefix(): string {
    const name = this.#o.name ?? 'redis';
    return name === '' ? '' : `${name}: `;
  }

  #first(): Watched | undefined {
    return this.#watched.values().next().value;
  }

  #setDown(conn: Redis, reason: string): void {
    const w = this.#watched.get(conn);
    if (w === undefined || this.#closed) return;
    if (!w.down) {
      w.down = true;
      w.reason = reason;
    }
    if (this.#downSince !== null) return;
    this.#downSince = this.#now();
    this.#reason = reason;
    toLogger(this.#o.log).warn(`${this.#prefix()}cannot reach Redis at ${this.target} (${w.name}: ${reason})`);
    this.emit('down', reason);
  }

  #setUp(conn: Redis): void {
    const w = this.#watched.get(conn);
    if (w === undefined) return;
    if (w.probe !== null) {
      clearInterval(w.probe);
      w.probe = null;
    }
    if (!w.down) return;
    w.down = false;
    w.reason = '';
    this.#maybeUp();
  }

  #maybeUp(): void {
    if (this.#downSince === null) return;
    for (const w of this.#watched.values()) if (w.down) return;
    const downMs = this.#now() - this.#downSince;
    this.#downSince = null;
    this.#reason = '';
    if (this.#closed) return;
    toLogger(this.#o.log).info(`${this.#prefix()}Redis at ${this.target} is reachable again (away ${(downMs / 1000).toFixed(1)} s)`);
    this.emit('up', downMs);
  }
}
