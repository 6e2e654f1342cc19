/**
 * Quarantine: a drive that failed K times in a row (or that an operator
 * took out) takes no work until released. Kept in Redis so a controller can
 * list and release drives without talking to the agent:
 *
 * - `<prefix>:quarantine`, a hash of drive id → JSON `QuarantineInfo`;
 * - `<prefix>:quarantine:faults`, beside it, a hash of drive id → drive-fault
 *   failures in a row. A fault is counted and, at K, the drive quarantined in
 *   one script (`recordDriveFault`); a release deletes both in one script
 *   (`releaseDrive`), so whoever releases a drive (the API, the agent) also
 *   resets its count.
 */
import type { Redis } from 'ioredis';
import type { RedisSchema } from './protocol/redis-schema.js';

/** Why a drive is quarantined. */
export interface QuarantineInfo {
  readonly reason: string;
  /** Consecutive failures that led to it (0 for an operator's choice). */
  readonly failures: number;
  /** Code of the last error, when failures led to it. */
  readonly lastErrorCode?: string;
  readonly at: number;
}

/** The hash of drive-fault failures in a row, beside `keys.quarantine()`. */
export function driveFaultsKey(keys: RedisSchema): string {
  return `${keys.quarantine()}:faults`;
}

/** Quarantine a drive (replacing an earlier reason). Its failures in a row are left as they are. */
export async function quarantineDrive(redis: Redis, keys: RedisSchema, driveId: string, info: QuarantineInfo): Promise<void> {
  await redis.hset(keys.quarantine(), driveId, JSON.stringify(info));
}

/**
 * Delete a drive's quarantine entry and its count together.
 * KEYS: quarantine hash, faults hash. ARGV: drive id. Returns 1 when the drive was quarantined.
 */
const RELEASE_DRIVE = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return removed
`;

/**
 * Release a drive and reset its failures in a row, in one script; returns
 * false when it was not quarantined. (Scripts, not MULTI: the agent's command
 * connection auto-pipelines, which a transaction on it can upset.)
 */
export async function releaseDrive(redis: Redis, keys: RedisSchema, driveId: string): Promise<boolean> {
  return (await redis.eval(RELEASE_DRIVE, 2, keys.quarantine(), driveFaultsKey(keys), driveId)) === 1;
}

/** Why a drive is quarantined, or null when it is not. */
export async function getQuarantine(redis: Redis, keys: RedisSchema, driveId: string): Promise<QuarantineInfo | null> {
  const raw = await redis.hget(keys.quarantine(), driveId);
  return raw === null ? null : parseQuarantine(raw);
}

/** A quarantine hash value (JSON `QuarantineInfo`; a plain reason from elsewhere is taken as is). */
export function parseQuarantine(raw: string): QuarantineInfo {
  try {
    return JSON.parse(raw) as QuarantineInfo;
  } catch {
    return { reason: raw, failures: 0, at: 0 };
  }
}

/**
 * Count one drive fault and, when the count reaches K, quarantine the drive.
 * A count at K or more whose drive has no quarantine entry was released by
 * someone who deleted the entry alone: counting starts afresh.
 * KEYS: quarantine hash, faults hash. ARGV: drive id, K, error code, at (ms).
 * Returns {count} or {count, quarantine info JSON}.
 */
const RECORD_DRIVE_FAULT = `
local k = tonumber(ARGV[2])
local n = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') or 0
if n >= k and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then n = 0 end
n = n + 1
redis.call('HSET', KEYS[2], ARGV[1], n)
if n < k then return {n} end
local info = cjson.encode({
  reason = n .. ' failed attempts in a row, the last ' .. ARGV[3],
  failures = n, lastErrorCode = ARGV[3], at = tonumber(ARGV[4]),
})
redis.call('HSET', KEYS[1], ARGV[1], info)
return {n, info}
`;

/** What `recordDriveFault` did. */
export interface DriveFaultRecord {
  /** Drive-fault failures in a row, this one included. */
  readonly failures: number;
  /** Set when this fault quarantined the drive. */
  readonly quarantined: QuarantineInfo | null;
}

/** Count a drive fault, and quarantine the drive when it is the K-th in a row (one script). */
export async function recordDriveFault(
  redis: Redis, keys: RedisSchema, driveId: string, fault: { readonly quarantineAfter: number; readonly errorCode: string; readonly at: number },
): Promise<DriveFaultRecord> {
  const reply = (await redis.eval(
    RECORD_DRIVE_FAULT, 2, keys.quarantine(), driveFaultsKey(keys),
    driveId, String(fault.quarantineAfter), fault.errorCode, String(fault.at),
  )) as [number, string?];
  const [failures, info] = reply;
  return { failures: Number(failures), quarantined: info === undefined ? null : parseQuarantine(info) };
}

/** A drive's run of faults ended (a good disc): its count goes back to zero. */
export async function clearDriveFaults(redis: Redis, keys: RedisSchema, driveId: string): Promise<void> {
  await redis.hdel(driveFaultsKey(keys), driveId);
}

/**
 * A drive's failures in a row as `recordDriveFault` counts them: zero when
 * the stored count reached `quarantineAfter` but the drive is no longer
 * quarantined (released by someone who deleted its entry alone).
 */
export async function getDriveFaults(redis: Redis, keys: RedisSchema, driveId: string, quarantineAfter: number): Promise<number> {
  const [count, quarantined] = (await redis.eval(READ_DRIVE_FAULTS, 2, keys.quarantine(), driveFaultsKey(keys), driveId)) as [string | null, number];
  const n = Number(count ?? 0) || 0;
  return n >= quarantineAfter && quarantined !== 1 ? 0 : n;
}

/** KEYS: quarantine hash, faults hash. ARGV: drive id. Returns {count or false, 1 when quarantined else 0}. */
const READ_DRIVE_FAULTS = `
return {redis.call('HGET', KEYS[2], ARGV[1]), redis.call('HEXISTS', KEYS[1], ARGV[1])}
`;
