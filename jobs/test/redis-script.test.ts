/**
 * evalScript against a real Redis: the first call of a script on a
 * connection sends it whole, later ones by SHA-1, so a burst of first calls
 * costs no NOSCRIPT errors; a Redis that forgot its scripts, and a
 * connection that came back, still run them.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evalScript } from '../src/redis-script.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => {
  await env.stop();
});
beforeEach(async () => {
  await env.client.flushall();
  await env.client.script('FLUSH');
  await env.client.config('RESETSTAT');
});

/** Calls of one command, and those Redis refused or failed (a NOSCRIPT is refused before it runs). */
async function stats(name: string): Promise<{ calls: number; failed: number }> {
  const info = await env.client.info('commandstats');
  const m = new RegExp(`cmdstat_${name}:calls=(\\d+),.*rejected_calls=(\\d+),failed_calls=(\\d+)`).exec(info);
  return m === null ? { calls: 0, failed: 0 } : { calls: Number(m[1]), failed: Number(m[2]) + Number(m[3]) };
}

const INCR = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

describe('evalScript', () => {
  it('sends a script whole once per connection, then by SHA-1: a burst of first calls gets no NOSCRIPT', async () => {
    const redis = new Redis(env.server.url, { enableAutoPipelining: true });
    try {
      const replies = await Promise.all(Array.from({ length: 50 }, () => evalScript(redis, INCR, ['n'], ['1'])));
      expect(replies.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await stats('eval')).toEqual({ calls: 1, failed: 0 });
      expect(await stats('evalsha')).toEqual({ calls: 49, failed: 0 });
    } finally {
      redis.disconnect();
    }
  });

  it('runs a script again after Redis forgot it, and after the connection came back', async () => {
    const redis = new Redis(env.server.url);
    await redis.ping();
    try {
      expect(Number(await evalScript(redis, INCR, ['n'], ['2']))).toBe(2);
      await env.client.script('FLUSH');
      // By SHA-1 first (NOSCRIPT), then whole.
      expect(Number(await evalScript(redis, INCR, ['n'], ['3']))).toBe(5);
      expect((await stats('evalsha')).failed).toBe(1);
      await env.client.script('FLUSH');
      await env.client.config('RESETSTAT');
      // A reconnection: the connection sends the script whole again, no NOSCRIPT.
      const ready = new Promise((resolve) => redis.once('ready', resolve));
      await env.client.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await ready;
      expect(Number(await evalScript(redis, INCR, ['n'], ['4']))).toBe(9);
      expect(await stats('evalsha')).toEqual({ calls: 0, failed: 0 });
      expect((await stats('eval')).calls).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});
