/**
 * Quarantine: a drive that failed K times in a row (or that an operator
 * took out) takes no work until released. Kept in one Redis hash so a
 * controller can list and release drives without talking to the agent.
 */
import type { Redis } from 'ioredis';
import type { KeySpace } from './queue-names.js';

/** Why a drive is quarantined. */
export interface QuarantineInfo {
  readonly reason: string;
  /** Consecutive failures that led to it (0 for an operator's choice). */
  readonly failures: number;
  /** Code of the last error, when failures led to it. */
  readonly lastErrorCode?: string;
  readonly at: number;
}

/** Quarantine a drive (replacing an earlier reason). */
export async function quarantineDrive(redis: Redis, keys: KeySpace, driveId: string, info: QuarantineInfo): Promise<void> {
  await redis.hset(keys.quarantine(), driveId, JSON.stringify(info));
}

/** Release a drive; returns false when it was not quarantined. */
export async function releaseDrive(redis: Redis, keys: KeySpace, driveId: string): Promise<boolean> {
  return (await redis.hdel(keys.quarantine(), driveId)) === 1;
}

/** Why a drive is quarantined, or null when it is not. */
export async function getQuarantine(redis: Redis, keys: KeySpace, driveId: string): Promise<QuarantineInfo | null> {
  const raw = await redis.hget(keys.quarantine(), driveId);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as QuarantineInfo;
  } catch {
    return { reason: raw, failures: 0, at: 0 };
  }
}
