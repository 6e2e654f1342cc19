/**
 * `tower start` and its embedded Redis (issue 13 point 2): the redis-server
 * never outlives a tower killed with SIGKILL (none left adopted by init on
 * the data folder), a second `tower start` on a folder a live one serves is
 * refused before it starts a server (never two on one AOF), and the start
 * after the crash brings up one server of its own on the same data.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Api, FAST, tempDir, TowerProcess, waitFor, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** redis-server processes whose working folder (Redis's `dir`) is `dir`, with their parents. */
function serversOn(dir: string): { pid: number; ppid: number }[] {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return [];
  }
  const out: { pid: number; ppid: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/comm`, 'utf8').startsWith('redis-server')) continue;
      if (readlinkSync(`/proc/${name}/cwd`) !== real) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      out.push({ pid: Number(name), ppid: Number(fields[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('tower start: the embedded Redis and a crash', () => {
  it('dies with a SIGKILLed tower, refuses a second tower on its folder, and the next start serves the same data', { timeout: 90_000 }, async () => {
    const tmp = tempDir('tower-redis-crash-');
    cleanups.push(tmp.cleanup);
    const redisDir = path.join(tmp.dir, 'data', 'redis');
    cleanups.push(() => {
      for (const s of serversOn(redisDir)) process.kill(s.pid, 'SIGKILL');
    });
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: path.join(tmp.dir, 'data'), http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      agent: { id: 'e2e-redis-crash', ...FAST.agentTiming, simulated: { count: 2, media: 'CD-R', timeScale: 0.05, autoLoader: true } },
    });
    const start = (): TowerProcess => {
      const t = new TowerProcess(['start', '--config', config]);
      cleanups.push(() => t.stop('SIGKILL'));
      return t;
    };

    const first = start();
    const api = new Api(await first.url());
    const pid = first.child.pid ?? 0;
    expect(serversOn(redisDir)).toEqual([{ pid: expect.any(Number), ppid: pid }]);
    const [image] = await api.images();
    const run = await api.createRun({ imageId: image?.id, copies: 40, verify: 'all', label: 'before the crash' });

    // A second tower on the same folder while the first serves it: refused, and no second server, ever.
    const second = start();
    const seen = new Set<number>();
    const deadline = performance.now() + 30_000;
    while (second.child.exitCode === null && second.child.signalCode === null && seen.size < 2 && performance.now() < deadline) {
      for (const s of serversOn(redisDir)) seen.add(s.pid);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.size).toBe(1);
    const refused = await second.exited;
    expect(refused.code).not.toBe(0);
    expect(second.stderr).toMatch(/^tower: the Redis data folder .+ is in use by redis-server pid \d+ \(started by pid \d+, still running\)/m);
    expect(second.stdout).not.toContain('embedded Redis at');
    expect(serversOn(redisDir)).toEqual([{ pid: expect.any(Number), ppid: pid }]);
    expect((await api.run(run.id)).status).not.toBe('failed');

    // SIGKILL: nothing runs the tower's shutdown; the kernel's parent-death signal stops its Redis.
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await waitFor(() => serversOn(redisDir).length === 0, 10_000, 'the embedded Redis to stop after its tower was killed');
    expect(serversOn(redisDir).filter((s) => s.ppid === 1)).toEqual([]);

    // The next start: one server of its own, on the data the first one wrote.
    const third = start();
    const api3 = new Api(await third.url());
    expect(serversOn(redisDir)).toEqual([{ pid: expect.any(Number), ppid: third.child.pid }]);
    expect((await api3.run(run.id)).label).toBe('before the crash');
    const stopped = await third.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(serversOn(redisDir)).toEqual([]);
  });
});
