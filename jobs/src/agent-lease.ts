/**
 * The lease on an agent id: one agent process at a time serves under an id.
 *
 * The key (`RedisSchema.agentLease`) holds JSON `{ token, host, pid, since }`
 * of its holder, with a TTL (three heartbeats by default). An agent takes it
 * with SET NX PX before anything else (before closing the attempts a crash
 * left open), renews it at every heartbeat only while it is still its own
 * (compare-and-set), and deletes it on a clean stop only if it is its own.
 *
 * A second process with the same id finds the key held. It watches the key
 * for a while: a holder that renews it (its TTL goes up, or its value
 * changes) is alive, and the newcomer refuses to start
 * (`AgentIdInUseError`); a holder that stopped renewing (killed, its host
 * gone) lets the lease expire, and the newcomer takes it then. So an agent
 * restarted after a crash waits at most one lease TTL, and two agents with
 * one id never serve together.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import { RedisSchema } from './protocol/redis-schema.js';
import { withDeadline } from './redis-deadline.js';

/** Who holds a lease. */
export interface LeaseHolder {
  /** Random, one per agent process (per `AgentLease`). */
  readonly token: string;
  readonly host: string;
  readonly pid: number;
  /** When it took the lease (epoch ms). */
  readonly since: number;
}

/** What a renewal found. */
export type LeaseRenewal =
  /** Still ours; the TTL is renewed. */
  | { readonly status: 'held' }
  /** It had expired (Redis was unreachable, or this process stalled) and nobody took it: ours again. */
  | { readonly status: 'retaken' }
  /** Another process holds it now: this one must stop serving. */
  | { readonly status: 'lost'; readonly holder: LeaseHolder | null };

/** Another live process serves under this agent id. */
export class AgentIdInUseError extends Error {
  readonly code = 'AGENT_ID_IN_USE';
  constructor(readonly agentId: string, readonly holder: LeaseHolder | null) {
    super(`agent ${agentId} is already running on ${holder?.host ?? 'another host'} (pid ${holder?.pid ?? '?'}); give each agent its own id (agent.id / TOWER_AGENT_ID)`);
    this.name = 'AgentIdInUseError';
  }
}

/** The lease was taken by another process while this one served. */
export class AgentLeaseLostError extends Error {
  readonly code = 'AGENT_LEASE_LOST';
  constructor(readonly agentId: string, readonly holder: LeaseHolder | null) {
    super(`agent ${agentId} lost its lease to ${holder === null ? 'another process' : `${holder.host} (pid ${holder.pid})`}: it takes no more work; give each agent its own id (agent.id / TOWER_AGENT_ID)`);
    this.name = 'AgentLeaseLostError';
  }
}

/** Options of an {@link AgentLease}. */
export interface AgentLeaseOptions {
  readonly redis: Redis;
  readonly agentId: string;
  /** TTL of the lease, renewed by each `renew()`. */
  readonly ttlMs: number;
  /** Default `os.hostname()`. */
  readonly host?: string;
  /** Default `process.pid`. */
  readonly pid?: number;
  readonly keys?: RedisSchema;
  /** Deadline of each Redis command; default 10 000 ms. */
  readonly commandTimeoutMs?: number;
  /** How often `acquire` looks at a lease held by another; default a sixth of the TTL, 20..250 ms. */
  readonly pollMs?: number;
}

/** Renew if still ours; take again if gone; else return the holder's value. */
const RENEW = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return v
`;

/** Delete only if ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** One process's claim on an agent id. */
export class AgentLease {
  readonly key: string;
  /** The lease's value while this process holds it (compared on renew and release). */
  readonly value: string;
  readonly holder: LeaseHolder;
  readonly #o: AgentLeaseOptions;
  readonly #timeoutMs: number;

  constructor(options: AgentLeaseOptions) {
    this.#o = options;
    this.key = (options.keys ?? new RedisSchema()).agentLease(options.agentId);
    this.holder = { token: randomUUID(), host: options.host ?? os.hostname(), pid: options.pid ?? process.pid, since: Date.now() };
    this.value = JSON.stringify(this.holder);
    this.#timeoutMs = options.commandTimeoutMs ?? 10_000;
  }

  /**
   * Take the lease. When another process holds it, watch it: renewed by its
   * holder, refuse (`AgentIdInUseError`); expired, take it. `onWait` is told
   * once when the lease is found held. Resolves with the holder this process
   * took over from (a dead one), or null.
   */
  async acquire(options: { signal?: AbortSignal; onWait?: (holder: LeaseHolder | null, remainingMs: number) => void } = {}): Promise<LeaseHolder | null> {
    const { redis, agentId } = this.#o;
    const pollMs = this.#o.pollMs ?? Math.max(20, Math.min(250, Math.floor(this.#o.ttlMs / 6)));
    let seen: { value: string; pttl: number } | null = null;
    for (;;) {
      const set = await this.#cmd(redis.set(this.key, this.value, 'PX', this.#o.ttlMs, 'NX'), 'taking the agent lease', options.signal);
      if (set === 'OK') return seen === null ? null : parseHolder(seen.value);
      const [value, pttl] = await this.#cmd(readLease(redis, this.key), 'reading the agent lease', options.signal);
      if (value === null || value === undefined || pttl === -2) continue; // expired in between: try again
      // No TTL (written by hand), another value (retaken), or a TTL that went up (renewed): a live holder.
      if (pttl === -1 || (seen !== null && (value !== seen.value || pttl > seen.pttl))) {
        throw new AgentIdInUseError(agentId, parseHolder(value));
      }
      if (seen === null) options.onWait?.(parseHolder(value), pttl);
      seen = { value, pttl };
      await sleep(Math.min(pollMs, pttl + 5), options.signal);
    }
  }

  /** Renew the TTL if the lease is still ours (or take it again if it expired and nobody took it). */
  async renew(): Promise<LeaseRenewal> {
    const r = await this.#cmd(this.#o.redis.eval(RENEW, 1, this.key, this.value, String(this.#o.ttlMs)), 'renewing the agent lease');
    if (r === 1) return { status: 'held' };
    if (r === 2) return { status: 'retaken' };
    return { status: 'lost', holder: typeof r === 'string' ? parseHolder(r) : null };
  }

  /** Delete the lease if it is still ours; true when deleted. */
  async release(): Promise<boolean> {
    const r = await this.#cmd(this.#o.redis.eval(RELEASE, 1, this.key, this.value), 'releasing the agent lease');
    return r === 1;
  }

  /** Who holds an agent id's lease, and for how long yet (ms), or null when nobody does. */
  static async read(redis: Redis, agentId: string, keys = new RedisSchema()): Promise<{ holder: LeaseHolder | null; remainingMs: number } | null> {
    const key = keys.agentLease(agentId);
    const [value, pttl] = await readLease(redis, key);
    if (value === null) return null;
    return { holder: parseHolder(value), remainingMs: pttl };
  }

  #cmd<T>(p: Promise<T>, what: string, signal?: AbortSignal): Promise<T> {
    return withDeadline(p, this.#timeoutMs, what, signal);
  }
}

/** A lease value as its holder, or null when it is not one (written by hand, another version). */
export function parseHolder(value: string): LeaseHolder | null {
  try {
    const v = JSON.parse(value) as Partial<LeaseHolder>;
    if (typeof v.token !== 'string' || typeof v.host !== 'string' || typeof v.pid !== 'number') return null;
    return { token: v.token, host: v.host, pid: v.pid, since: typeof v.since === 'number' ? v.since : 0 };
  } catch {
    return null;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(1, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The lease's value and remaining ms (-2: none, -1: no TTL), read at one
 * instant. A script, not MULTI: a MULTI on an auto-pipelined connection can
 * lose its replies (seen with ioredis).
 */
async function readLease(redis: Redis, key: string): Promise<[string | null, number]> {
  const r = (await redis.eval("return { redis.call('GET', KEYS[1]) or false, redis.call('PTTL', KEYS[1]) }", 1, key)) as [string | null, number];
  return [r[0] ?? null, Number(r[1] ?? -2)];
}
