/**
 * Where tower agents announce themselves in Redis: the agent writes these
 * records, the controller reads them. Keys come from `RedisSchema` (shown
 * with the default prefix `tower`).
 *
 * - `tower:agent:{agentId}` (hash): `lastHeartbeat` (epoch ms), `host`
 *   (host name), `driveIds` (JSON array of drive ids), optionally
 *   `startedAt` (epoch ms) and `version`. Rewritten at every heartbeat
 *   (every few seconds); give it a TTL of a few minutes so a dead agent's
 *   record goes away by itself.
 * - `tower:drive-seen` (hash): drive id → when a heartbeat last named it,
 *   ms on Redis's clock.
 * - `tower:agents` (set): every agent id that ever wrote its hash, so the
 *   controller can list agents without SCAN. The controller also learns
 *   agent ids from the drives' published state (`DriveStatus.agentId`).
 *
 * An agent is online while its `beat` changed within `agentTimeoutMs`
 * (controller option) on the reader's monotonic clock (`AgentLiveness`):
 * two hosts' wall clocks are never compared, and a clock step on either
 * host changes nothing.
 */
import type { Redis } from 'ioredis';
import { RedisSchema } from './redis-schema.js';

const DEFAULT_SCHEMA = new RedisSchema();

/** What the API shows of an agent (the controller's `AgentView`). */
export interface AgentPresence {
  readonly id: string;
  readonly host: string;
  readonly online: boolean;
  /** Epoch ms of the agent's clock at its last beat: for display only. */
  readonly lastHeartbeat: number;
  readonly driveIds: string[];
  /** The agent's version, when its heartbeat names one. */
  readonly version?: string;
  /** The agent stopped cleanly (and has not beaten since). */
  readonly stopped: boolean;
}

/** Age of each drive's last report by an agent, ms on Redis's clock; a drive never reported is absent. */
export async function readDriveSeenAges(redis: Redis, schema = DEFAULT_SCHEMA): Promise<Map<string, number>> {
  const [seen, time] = await Promise.all([redis.hgetall(schema.driveSeen()), redis.time()]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  return new Map(Object.entries(seen).map(([id, at]) => [id, Math.max(0, now - Number(at))]));
}

/** What an agent writes at each heartbeat. */
export interface AgentHeartbeat {
  readonly agentId: string;
  readonly host: string;
  readonly driveIds: readonly string[];
  /** Epoch ms. */
  readonly at: number;
  readonly startedAt?: number;
  readonly version?: string;
}

/**
 * KEYS: the agent's hash, the agents set, the drive-seen hash. ARGV: TTL
 * seconds, agent id, n, n drive ids, field/value pairs. Returns 1 when the
 * agent had been declared dead.
 */
const HEARTBEAT_SCRIPT = `
local dead = redis.call('HGET', KEYS[1], 'declaredDead')
redis.call('HDEL', KEYS[1], 'declaredDead', 'stopped')
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local ms = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
-- One HSET per 500 drives, not one per drive: a beat of a big agent is one command, not hundreds.
local pairs = {}
for i = 1, n do
  pairs[#pairs + 1] = ARGV[3 + i]
  pairs[#pairs + 1] = ms
  if #pairs >= 1000 or i == n then
    redis.call('HSET', KEYS[3], unpack(pairs))
    pairs = {}
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4 + n))
redis.call('HINCRBY', KEYS[1], 'beat', 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
redis.call('SADD', KEYS[2], ARGV[2])
if dead then return 1 end
return 0
`;

/** What the agent learns from writing a heartbeat. */
export interface HeartbeatReply {
  /**
   * The controller had declared this agent dead since the last beat (its
   * heartbeats did not get through): its drives' states were overwritten.
   */
  readonly declaredDead: boolean;
}

/**
 * Write an agent's heartbeat: its fields, the next beat number, the TTL and
 * the agents set, in one transaction. For the agent side; the controller
 * only reads (and marks an agent it declared dead, {@link markDeclaredDead}).
 */
export async function writeAgentHeartbeat(redis: Redis, hb: AgentHeartbeat, options: { schema?: RedisSchema; ttlSeconds?: number } = {}): Promise<HeartbeatReply> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const key = schema.agent(hb.agentId);
  const fields: string[] = ['lastHeartbeat', String(hb.at), 'host', hb.host, 'driveIds', JSON.stringify(hb.driveIds)];
  if (hb.startedAt !== undefined) fields.push('startedAt', String(hb.startedAt));
  if (hb.version !== undefined) fields.push('version', hb.version);
  // One script, not MULTI: a MULTI on an auto-pipelined connection can lose its replies (seen with ioredis).
  const dead = await redis.eval(HEARTBEAT_SCRIPT, 3, key, schema.agents(), schema.driveSeen(),
    String(options.ttlSeconds ?? 600), hb.agentId, String(hb.driveIds.length), ...hb.driveIds, ...fields);
  return { declaredDead: dead === 1 };
}

/** Mark a stopped agent's record: it is offline at once (not after the timeout), until it beats again. */
export async function markAgentStopped(redis: Redis, agentId: string, options: { schema?: RedisSchema; ttlSeconds?: number } = {}): Promise<void> {
  const key = (options.schema ?? DEFAULT_SCHEMA).agent(agentId);
  await redis.eval("redis.call('HSET', KEYS[1], 'stopped', '1') redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))", 1, key, String(options.ttlSeconds ?? 600));
}

/** The controller declared the agent dead: its next heartbeat tells it so (it then publishes its drives again). */
export async function markDeclaredDead(redis: Redis, agentId: string, schema = DEFAULT_SCHEMA): Promise<void> {
  // Only on a record that exists: HSET on a missing key would leave a record without a TTL.
  const key = schema.agent(agentId);
  await redis.eval("redis.call('HSETNX', KEYS[1], 'declaredDead', '1') redis.call('EXPIRE', KEYS[1], 600)", 1, key);
}

/** An agent's record as stored, before anyone judges whether it is alive. */
export interface AgentRecord {
  readonly id: string;
  readonly host: string;
  /** Epoch ms of the agent's clock at its last beat: for display only. */
  readonly lastHeartbeat: number;
  readonly driveIds: string[];
  /** The beat number; null when the record is gone (expired or removed). */
  readonly beat: string | null;
  /** The agent stopped cleanly. */
  readonly stopped: boolean;
  /** The agent's version, when its heartbeat names one. */
  readonly version?: string;
}

/** Judges from an agent's record whether it is alive (see `AgentLiveness`). */
export type LivenessJudge = (record: AgentRecord) => boolean;

/** For a process without a history of beats (an agent starting): alive while its record exists and it has not stopped. */
export const recordPresent: LivenessJudge = (r) => r.beat !== null && !r.stopped;

/** Parse an agent hash (empty: the record is gone). */
export function agentRecord(agentId: string, h: Record<string, string>): AgentRecord {
  const lastHeartbeat = Number(h.lastHeartbeat ?? 0) || 0;
  let driveIds: string[] = [];
  try {
    const parsed: unknown = JSON.parse(h.driveIds ?? '[]');
    if (Array.isArray(parsed)) driveIds = parsed.filter((d): d is string => typeof d === 'string');
  } catch {
    driveIds = [];
  }
  const present = h.lastHeartbeat !== undefined;
  const version = h.version === undefined || h.version === '' ? {} : { version: h.version };
  return { id: agentId, host: h.host ?? '', lastHeartbeat, driveIds, beat: present ? (h.beat ?? h.lastHeartbeat ?? '') : null, stopped: h.stopped === '1', ...version };
}

/** The view of an agent record, judged by `isOnline`. */
export function agentView(r: AgentRecord, isOnline: LivenessJudge): AgentPresence {
  const version = r.version === undefined ? {} : { version: r.version };
  return { id: r.id, host: r.host, online: isOnline(r), lastHeartbeat: r.lastHeartbeat, driveIds: r.driveIds, stopped: r.stopped, ...version };
}

/**
 * Every agent: ids from the `tower:agents` set plus `extraIds` (e.g. the
 * agent ids of published drive states), judged by `isOnline`. An id without
 * a hash has `lastHeartbeat: 0`.
 */
export async function readAllAgents(redis: Redis, isOnline: LivenessJudge, extraIds: Iterable<string> = [], schema = DEFAULT_SCHEMA): Promise<AgentPresence[]> {
  const ids = new Set(await redis.smembers(schema.agents()));
  for (const id of extraIds) if (id !== '') ids.add(id);
  const sorted = [...ids].sort();
  if (sorted.length === 0) return [];
  const pipe = redis.pipeline();
  for (const id of sorted) pipe.hgetall(schema.agent(id));
  const replies = (await pipe.exec()) ?? [];
  return sorted.map((id, i) => agentView(agentRecord(id, (replies[i]?.[1] ?? {}) as Record<string, string>), isOnline));
}
