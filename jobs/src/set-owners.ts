/**
 * Which drive holds which set of a collated set run, in Redis (a hash per
 * run: set → drive), read with the run's passed slots for set-routing.ts.
 */
import type { Redis } from 'ioredis';
import type { RedisSchema } from './protocol/redis-schema.js';
import { evalScript } from './redis-script.js';

/**
 * Record the drive that holds a set, if the set's holder is still the one
 * the caller saw. KEYS: the run's set owners hash. ARGV: set, drive, previous
 * holder ('' for none). Returns 1 when recorded, 0 when another drive won it.
 */
const CLAIM_SET = `
local cur = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if cur ~= ARGV[3] and cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** A set run's set holders (set → drive) and its passed slots. */
export async function readSetFacts(redis: Redis, keys: RedisSchema, runId: string): Promise<{ owners: Map<number, string>; passed: Set<number> }> {
  const [owners, passed] = await Promise.all([redis.hgetall(keys.runSetOwners(runId)), redis.smembers(keys.runPassed(runId))]);
  return { owners: new Map(Object.entries(owners).map(([set, drive]) => [Number(set), drive])), passed: new Set(passed.map(Number)) };
}

/** Record `driveId` as the holder of a set, if its holder is still `previous` (null: none); false when another drive won it. */
export async function claimSet(redis: Redis, keys: RedisSchema, runId: string, set: number, driveId: string, previous: string | null): Promise<boolean> {
  return Number(await evalScript(redis, CLAIM_SET, [keys.runSetOwners(runId)], [String(set), driveId, previous ?? ''])) === 1;
}
