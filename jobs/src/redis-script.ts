/**
 * Running a Lua script in Redis by its SHA-1 (EVALSHA), sending the script
 * itself (EVAL) only when Redis does not have it yet (after a restart, say).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** SHA-1 of each script, as Redis names it. */
const SCRIPT_SHAS = new Map<string, string>();

/** Run `script` with `keys` and `args`; resolves with its reply. */
export async function evalScript(redis: Redis, script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  let sha = SCRIPT_SHAS.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    SCRIPT_SHAS.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, String(keys.length), ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, String(keys.length), ...keys, ...args);
  }
}
