/**
 * Running a Lua script in Redis by its SHA-1 (EVALSHA), sending the script
 * itself (EVAL) the first time a connection runs it, and again when Redis
 * does not have it (after a restart, say).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** SHA-1 of each script, as Redis names it. */
const SCRIPT_SHAS = new Map<string, string>();

/**
 * Per connection, the scripts it has sent whole since it last connected.
 * Redis runs one connection's commands in order, so an EVALSHA sent after
 * that EVAL finds the script: a burst of first calls (hundreds of drives
 * ending their burns together) costs no NOSCRIPT error each.
 */
const SENT = new WeakMap<Redis, Set<string>>();

function sentOn(redis: Redis): Set<string> {
  let sent = SENT.get(redis);
  if (sent === undefined) {
    const fresh = new Set<string>();
    // A new connection may be to a Redis that restarted without its scripts.
    redis.on('ready', () => fresh.clear());
    SENT.set(redis, fresh);
    sent = fresh;
  }
  return sent;
}

/** Run `script` with `keys` and `args`; resolves with its reply. */
export async function evalScript(redis: Redis, script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  let sha = SCRIPT_SHAS.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    SCRIPT_SHAS.set(script, sha);
  }
  const sent = sentOn(redis);
  if (!sent.has(sha)) {
    sent.add(sha);
    return redis.eval(script, String(keys.length), ...keys, ...args);
  }
  try {
    return await redis.evalsha(sha, String(keys.length), ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, String(keys.length), ...keys, ...args);
  }
}
