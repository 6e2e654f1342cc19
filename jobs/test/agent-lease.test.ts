import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentIdInUseError, AgentLease, parseHolder } from '../src/agent-lease.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});

const lease = (pid: number, ttlMs = 600): AgentLease => new AgentLease({ redis: env.client, agentId: 'tower-a', ttlMs, host: 'host-1', pid });

/** Renew every `ms` until stopped, as the heartbeat does. */
function renewing(l: AgentLease, ms: number): () => void {
  const timer = setInterval(() => void l.renew().catch(() => undefined), ms);
  return () => clearInterval(timer);
}

describe('AgentLease', () => {
  it('is taken with the holder written in it, and released only by its holder', async () => {
    const a = lease(101);
    expect(await a.acquire()).toBeNull();
    expect(parseHolder((await env.client.get(a.key)) ?? '')).toEqual(a.holder);
    expect(await env.client.pttl(a.key)).toBeGreaterThan(500);
    const b = lease(102);
    expect(await b.release()).toBe(false);
    expect(await env.client.exists(a.key)).toBe(1);
    expect(await a.release()).toBe(true);
    expect(await env.client.exists(a.key)).toBe(0);
  });

  it('refuses a second process while the holder renews, naming the holder', async () => {
    const a = lease(101);
    await a.acquire();
    const stop = renewing(a, 200);
    try {
      const started = Date.now();
      const err = await lease(202).acquire().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentIdInUseError);
      expect((err as Error).message).toBe('agent tower-a is already running on host-1 (pid 101); give each agent its own id (agent.id / TOWER_AGENT_ID)');
      // Told by the first renewal it sees, not by waiting out the TTL.
      expect(Date.now() - started).toBeLessThan(600);
      expect(parseHolder((await env.client.get(a.key)) ?? '')?.pid).toBe(101);
    } finally {
      stop();
    }
  });

  it('takes over a lease its holder stopped renewing, once it expires', async () => {
    const a = lease(101);
    await a.acquire();
    const waits: (number | undefined)[] = [];
    const b = lease(202);
    const started = Date.now();
    const from = await b.acquire({ onWait: (holder) => waits.push(holder?.pid) });
    expect(from?.pid).toBe(101);
    expect(waits).toEqual([101]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(parseHolder((await env.client.get(b.key)) ?? '')?.pid).toBe(202);
    // The old holder finds it lost and cannot release it.
    expect(await a.renew()).toEqual({ status: 'lost', holder: b.holder });
    expect(await a.release()).toBe(false);
    expect(await b.renew()).toEqual({ status: 'held' });
  });

  it('renews while its own, and takes it again when it expired with nobody else holding it', async () => {
    const a = lease(101, 300);
    await a.acquire();
    await new Promise((r) => setTimeout(r, 150));
    expect(await a.renew()).toEqual({ status: 'held' });
    expect(await env.client.pttl(a.key)).toBeGreaterThan(250);
    await env.client.del(a.key);
    expect(await a.renew()).toEqual({ status: 'retaken' });
    expect(await env.client.get(a.key)).toBe(a.value);
  });

  it('stops waiting when its signal is aborted', async () => {
    await lease(101, 60_000).acquire();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    await expect(lease(202).acquire({ signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
