/**
 * `tower agent` always ends when told to, whatever state Redis is in, and
 * never waits for Redis without a bound:
 *
 * - Redis refused (a port with nothing listening) or frozen (a redis-server
 *   stopped with SIGSTOP: it accepts connections and answers nothing) while
 *   the agent starts: SIGTERM ends it at once (it used to ignore the signal
 *   for as long as Redis stayed away);
 * - left alone, it gives up on such a Redis after its deadline with one line
 *   naming it, and exits 1;
 * - serving, with Redis frozen under it: a second signal ends it at once,
 *   without waiting for the clean stop.
 */
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '@tower/jobs';
import type { EmbeddedRedis } from '@tower/jobs';
import { FAST, sleep, tempDir, TowerProcess, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A configuration of one simulated drive. */
function agentConfig(id: string): string {
  const tmp = tempDir('tower-e2e-shutdown-');
  cleanups.push(tmp.cleanup);
  return writeConfig(tmp.dir, 'agent.json', {
    dataDir: 'data',
    agent: { id, ...FAST.agentTiming, simulated: { count: 1, media: 'CD-R', timeScale: 0.05 } },
  });
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server, frozen by SIGSTOP (thawed and stopped by the cleanups). */
async function frozenRedis(): Promise<EmbeddedRedis> {
  const tmp = tempDir('tower-e2e-frozen-');
  cleanups.push(tmp.cleanup);
  const redis = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
  cleanups.push(() => redis.stop());
  process.kill(redis.pid, 'SIGSTOP');
  cleanups.push(() => {
    process.kill(redis.pid, 'SIGCONT');
  });
  return redis;
}

/** Send `signal` once the agent has had time to reach its wait on Redis; resolves with the exit and how long it took after the signal. */
async function signalAndWait(p: TowerProcess, signal: NodeJS.Signals, afterMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  await sleep(afterMs);
  expect(p.child.exitCode, `the agent is still starting:\n${p.stderr}`).toBeNull();
  const at = Date.now();
  const exit = await p.stop(signal, 20_000);
  return { ...exit, ms: Date.now() - at };
}

describe('tower agent stops whatever Redis does', () => {
  it('SIGTERM while Redis refuses connections: exits at once', { timeout: 60_000 }, async () => {
    const port = await closedPort();
    const agent = new TowerProcess(['agent', '--config', agentConfig('e2e-refused')], { REDIS_URL: `redis://127.0.0.1:${port}` });
    cleanups.push(() => agent.stop('SIGKILL'));
    const exit = await signalAndWait(agent, 'SIGTERM', 3000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    expect(agent.stderr).toMatch(/stopped while starting/);
  });

  it('SIGTERM while Redis is frozen (connects, never answers): exits at once', { timeout: 60_000 }, async () => {
    const redis = await frozenRedis();
    const agent = new TowerProcess(['agent', '--config', agentConfig('e2e-frozen')], { REDIS_URL: redis.url });
    cleanups.push(() => agent.stop('SIGKILL'));
    const exit = await signalAndWait(agent, 'SIGTERM', 3000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
  });

  it('left alone against a Redis that never answers: gives up after its deadline, one line, exit 1', { timeout: 60_000 }, async () => {
    const port = await closedPort();
    const agent = new TowerProcess(['agent', '--config', agentConfig('e2e-gives-up')], { REDIS_URL: `redis://:secret@127.0.0.1:${port}` });
    cleanups.push(() => agent.stop('SIGKILL'));
    const started = Date.now();
    const timer = setTimeout(() => agent.child.kill('SIGKILL'), 30_000);
    const exit = await agent.exited.finally(() => clearTimeout(timer));
    expect(exit).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeLessThan(25_000);
    const last = agent.stderr.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(new RegExp(`^tower: Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port} did not answer within 10 s \\(connect ECONNREFUSED`));
    expect(agent.stderr).not.toContain('secret');
  });

  it('serving, Redis frozen under it: a second signal exits at once', { timeout: 60_000 }, async () => {
    const tmp = tempDir('tower-e2e-second-');
    cleanups.push(tmp.cleanup);
    const redis = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
    cleanups.push(() => redis.stop());
    const agent = new TowerProcess(['agent', '--config', agentConfig('e2e-second')], { REDIS_URL: redis.url });
    cleanups.push(() => agent.stop('SIGKILL'));
    await agent.waitForOutput(/serving 1 drive/);
    process.kill(redis.pid, 'SIGSTOP');
    cleanups.push(() => {
      process.kill(redis.pid, 'SIGCONT');
    });
    agent.child.kill('SIGTERM');
    await sleep(500);
    // Still in its clean stop (Redis does not answer); the second signal does not wait for it.
    expect(agent.child.exitCode).toBeNull();
    const exit = await signalAndWait(agent, 'SIGINT', 0);
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(exit.ms).toBeLessThan(1500);
    expect(agent.stderr).toContain('tower: SIGINT again: exiting now');
  });
});
