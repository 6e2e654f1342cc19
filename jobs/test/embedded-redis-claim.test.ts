/**
 * One embedded redis-server per data folder (issue 13 point 2): the folder's
 * lock refuses a second server; a start finds a server already serving the
 * folder and refuses it while the process that started it lives, or stops
 * it when that process is gone (an orphan), keeping its data.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../drivers/test/support/test-images.js';
import { EMBEDDED_REDIS_OWNER_ENV, LOCK_CONFLICT_STATUS, lockedServerArgs } from '../src/embedded-redis-claim.js';
import { writeEmbeddedRedisConf } from '../src/embedded-redis-config.js';
import { EmbeddedRedisInUseError, startEmbeddedRedis } from '../src/embedded-redis.js';
import type { EmbeddedRedis } from '../src/embedded-redis.js';

/** redis-server processes whose working folder (Redis's `dir`) is `dir`, with their parents. */
function serversOn(dir: string): { pid: number; ppid: number }[] {
  const real = realpathSync(dir);
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
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A redis-server on `dataDir` whose starter has exited (what a crashed
 * tower leaves when its server outlives it): started by a short-lived Node
 * process with `command` (an argument array), with or without the owner mark.
 */
async function orphan(command: readonly string[], marked: boolean): Promise<void> {
  const script = `
    const { spawn } = require('node:child_process');
    const env = { ...process.env };
    if (${marked}) env[${JSON.stringify(EMBEDDED_REDIS_OWNER_ENV)}] = String(process.pid);
    spawn(process.argv[1], process.argv.slice(2), { detached: true, stdio: 'ignore', env }).unref();`;
  const starter = spawn(process.execPath, ['-e', script, ...command], { stdio: 'ignore' });
  await new Promise((resolve) => starter.once('exit', resolve));
}

let servers: EmbeddedRedis[] = [];
const tmp = makeTempDir('tower-redis-claim-');
afterEach(async () => {
  for (const s of servers) await s.stop();
  servers = [];
});
afterAll(() => {
  // Whatever a failed test left on these folders.
  for (const name of readdirSync(tmp.dir)) for (const s of serversOn(path.join(tmp.dir, name))) process.kill(s.pid, 'SIGTERM');
  tmp.cleanup();
});

describe('the embedded Redis and its data folder', () => {
  it('refuses a second server on a folder that a live process serves, naming the server', async () => {
    const dataDir = path.join(tmp.dir, 'busy');
    const first = await startEmbeddedRedis({ dataDir });
    servers.push(first);
    expect(serversOn(dataDir)).toEqual([{ pid: first.pid, ppid: process.pid }]);
    const err = await startEmbeddedRedis({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedRedisInUseError);
    expect((err as Error).message).toContain(`redis-server pid ${first.pid}`);
    expect((err as Error).message).toContain(dataDir);
    // Nothing of the first was touched.
    expect(serversOn(dataDir)).toEqual([{ pid: first.pid, ppid: process.pid }]);
    const client = new Redis(first.url, { maxRetriesPerRequest: 1 });
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('holds a lock on the folder: a second redis-server started on it exits before it serves', async () => {
    const dataDir = path.join(tmp.dir, 'locked');
    const first = await startEmbeddedRedis({ dataDir });
    servers.push(first);
    // Past every look a start makes: straight to the lock, with a configuration of its own.
    const conf = path.join(dataDir, 'other.conf');
    await writeEmbeddedRedisConf(conf, { port: first.port + 1, dir: dataDir, password: 'x'.repeat(20) });
    const second = spawnSync('setpriv', lockedServerArgs('redis-server', conf, path.join(dataDir, 'redis.lock')), { timeout: 10_000 });
    expect(second.status).toBe(LOCK_CONFLICT_STATUS);
    expect(serversOn(dataDir)).toEqual([{ pid: first.pid, ppid: process.pid }]);
  });

  it('stops a locked server whose starter is gone and starts its own on the same data', async () => {
    const dataDir = path.join(tmp.dir, 'orphan');
    const log: string[] = [];
    const first = await startEmbeddedRedis({ dataDir });
    const client = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await client.set('kept', 'yes');
    await client.quit();
    await first.stop();
    // The same server, as a crashed start leaves it when the parent-death signal did not reach it
    // (the parent killed before setpriv set it): lock held, pid file written, owner gone.
    const withoutDeathSignal = lockedServerArgs('redis-server', path.join(dataDir, 'redis.conf'), path.join(dataDir, 'redis.lock')).slice(2);
    expect(withoutDeathSignal[0]).toBe('flock');
    await orphan(withoutDeathSignal, true);
    await until(() => serversOn(dataDir).length === 1 && readdirSync(dataDir).includes('redis.pid'), 10_000, 'the orphan');
    const [left] = serversOn(dataDir);
    expect(left?.ppid).not.toBe(process.pid);

    const second = await startEmbeddedRedis({ dataDir, log: (l) => log.push(l) });
    servers.push(second);
    expect(log.join('\n')).toContain(`stopping redis-server pid ${left?.pid}`);
    expect(serversOn(dataDir)).toEqual([{ pid: second.pid, ppid: process.pid }]);
    const again = new Redis(second.url, { maxRetriesPerRequest: 1 });
    expect(await again.get('kept')).toBe('yes');
    await again.quit();
  });

  it('finds an older version\'s orphan (no lock, no pid file, no mark) on its port and stops it', async ({ skip }) => {
    const dataDir = path.join(tmp.dir, 'old');
    const first = await startEmbeddedRedis({ dataDir });
    const client = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await client.set('old', 'data');
    await client.quit();
    await first.stop();
    // The configuration as an older version wrote it: the same port and password, no pid file.
    const conf = path.join(dataDir, 'redis.conf');
    const password = readFileSync(first.passwordFile, 'utf8').trim();
    await writeEmbeddedRedisConf(conf, { port: first.port, dir: realpathSync(dataDir), password });
    await orphan(['redis-server', conf], false);
    await until(() => serversOn(dataDir).length === 1, 10_000, 'the orphan');
    const [left] = serversOn(dataDir);
    // Without the mark only a server adopted by init counts as an orphan (a subreaper would adopt it elsewhere).
    if (left?.ppid !== 1) {
      process.kill(left?.pid ?? 0, 'SIGTERM');
      skip(`the orphan was adopted by pid ${left?.ppid}, a subreaper, not init`);
      return;
    }
    const log: string[] = [];
    const second = await startEmbeddedRedis({ dataDir, log: (l) => log.push(l) });
    servers.push(second);
    expect(log.join('\n')).toContain(`stopping redis-server pid ${left.pid}`);
    expect(serversOn(dataDir)).toEqual([{ pid: second.pid, ppid: process.pid }]);
    const again = new Redis(second.url, { maxRetriesPerRequest: 1 });
    expect(await again.get('old')).toBe('data');
    await again.quit();
  });
});
