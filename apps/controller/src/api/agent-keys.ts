/**
 * Where tower agents announce themselves in Redis. The one place this key
 * layout is defined: the agent writes it, the controller reads it.
 *
 * - `tower:agent:{agentId}` (hash): `lastHeartbeat` (epoch ms), `host`
 *   (host name), `driveIds` (JSON array of drive ids), optionally
 *   `startedAt` (epoch ms) and `version`. Rewritten at every heartbeat
 *   (every few seconds); give it a TTL of a few minutes so a dead agent's
 *   record goes away by itself.
 * - `tower:agents` (set): every agent id that ever wrote its hash, so the
 *   controller can list agents without SCAN. The controller also learns
 *   agent ids from the drives' published state (`DriveStatus.agentId`).
 *
 * An agent is online while `now - lastHeartbeat <= agentTimeoutMs`
 * (controller option, default 15 s).
 */
import type { Redis } from 'ioredis';
import type { AgentView } from '../shared/api-types.js';

/** Default key prefix (the same as the jobs package's `KeySpace`). */
export const AGENT_KEY_PREFIX = 'tower';

/** Hash of one agent: `tower:agent:{agentId}`. */
export function agentKey(agentId: string, prefix = AGENT_KEY_PREFIX): string {
  return `${prefix}:agent:${agentId}`;
}

/** Set of every agent id: `tower:agents`. */
export function agentsSetKey(prefix = AGENT_KEY_PREFIX): string {
  return `${prefix}:agents`;
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

/** Write an agent's heartbeat (hash + set + TTL). For the agent side; the controller only reads. */
export async function writeAgentHeartbeat(redis: Redis, hb: AgentHeartbeat, options: { prefix?: string; ttlSeconds?: number } = {}): Promise<void> {
  const key = agentKey(hb.agentId, options.prefix);
  const fields: string[] = ['lastHeartbeat', String(hb.at), 'host', hb.host, 'driveIds', JSON.stringify(hb.driveIds)];
  if (hb.startedAt !== undefined) fields.push('startedAt', String(hb.startedAt));
  if (hb.version !== undefined) fields.push('version', hb.version);
  await redis.multi()
    .hset(key, ...fields)
    .expire(key, options.ttlSeconds ?? 600)
    .sadd(agentsSetKey(options.prefix), hb.agentId)
    .exec();
}

/** Read one agent's record as an AgentView, or null when it never wrote one. */
export async function readAgent(redis: Redis, agentId: string, now: number, timeoutMs: number, prefix?: string): Promise<AgentView | null> {
  const h = await redis.hgetall(agentKey(agentId, prefix));
  if (h.lastHeartbeat === undefined) return null;
  return agentFromHash(agentId, h, now, timeoutMs);
}

/** Build an AgentView from an agent hash. */
export function agentFromHash(agentId: string, h: Record<string, string>, now: number, timeoutMs: number): AgentView {
  const lastHeartbeat = Number(h.lastHeartbeat ?? 0) || 0;
  let driveIds: string[] = [];
  try {
    const parsed: unknown = JSON.parse(h.driveIds ?? '[]');
    if (Array.isArray(parsed)) driveIds = parsed.filter((d): d is string => typeof d === 'string');
  } catch {
    driveIds = [];
  }
  return { id: agentId, host: h.host ?? '', online: lastHeartbeat > 0 && now - lastHeartbeat <= timeoutMs, lastHeartbeat, driveIds };
}

/**
 * Every agent: ids from the `tower:agents` set plus `extraIds` (e.g. the
 * agent ids of published drive states). An id without a hash is reported
 * offline with `lastHeartbeat: 0`.
 */
export async function readAllAgents(redis: Redis, now: number, timeoutMs: number, extraIds: Iterable<string> = [], prefix?: string): Promise<AgentView[]> {
  const ids = new Set(await redis.smembers(agentsSetKey(prefix)));
  for (const id of extraIds) if (id !== '') ids.add(id);
  const sorted = [...ids].sort();
  if (sorted.length === 0) return [];
  const pipe = redis.pipeline();
  for (const id of sorted) pipe.hgetall(agentKey(id, prefix));
  const replies = (await pipe.exec()) ?? [];
  return sorted.map((id, i) => {
    const h = (replies[i]?.[1] ?? {}) as Record<string, string>;
    return h.lastHeartbeat === undefined
      ? { id, host: '', online: false, lastHeartbeat: 0, driveIds: [] }
      : agentFromHash(id, h, now, timeoutMs);
  });
}
