import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ToolMissingError } from 'node-cdrecord-wrapper';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../drivers/test/support/test-images.js';
import { embeddedRedisConf } from '../src/embedded-redis-config.js';
import { REDIS_DEBIAN_PACKAGE, RedisPasswordFileError, startEmbeddedRedis } from '../src/embedded-redis.js';

const mode = (p: string): number => statSync(p).mode & 0o777;

/** Every file and folder under `dir` with its mode. */
function modes(dir: string): [string, number][] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((name) => [name, mode(path.join(dir, name))]);
}

/** Send commands over a plain socket; resolves with one reply line per command. */
function rawReplies(port: number, ...commands: string[][]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
    });
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const lines = text.split('\r\n').slice(0, -1);
      if (lines.length >= commands.length) {
        socket.destroy();
        resolve(lines);
      }
    });
  });
}

describe('startEmbeddedRedis', () => {
  const tmp = makeTempDir('tower-redis-');
  afterAll(() => tmp.cleanup());

  it('starts redis-server on a free port with AOF on, answers commands, and stops', async () => {
    const server = await startEmbeddedRedis({ dataDir: `${tmp.dir}/data` });
    const password = readFileSync(server.passwordFile, 'utf8').trim();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`redis://:${password}@127.0.0.1:${server.port}`);
    expect(server.displayUrl).toBe(`redis://127.0.0.1:${server.port}`);
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', `${tmp.dir}/data`]);
    } finally {
      await client.quit();
    }
    await server.stop();
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
  });

  it('requires a random password kept in a 0600 file, in a 0700 folder, never on its command line', async () => {
    const dataDir = `${tmp.dir}/private`;
    const server = await startEmbeddedRedis({ dataDir });
    try {
      expect(server.passwordFile).toBe(path.join(dataDir, 'password'));
      const password = readFileSync(server.passwordFile, 'utf8').trim();
      expect(password).toMatch(/^[0-9a-f]{64}$/);
      expect(mode(server.passwordFile)).toBe(0o600);
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path.join(dataDir, 'redis.conf'))).toBe(0o600);
      // The command line, as ps shows it, holds neither the password nor the config's contents.
      const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8');
      expect(cmdline).not.toContain(password);
      expect(cmdline).not.toMatch(/requirepass/);
      // A client without the password is refused.
      expect(await rawReplies(server.port, ['GET', 'x'], ['AUTH', '0'.repeat(64)], ['GET', 'x'], ['AUTH', password], ['PING'])).toEqual([
        expect.stringMatching(/^-NOAUTH/), expect.stringMatching(/^-WRONGPASS/), expect.stringMatching(/^-NOAUTH/), '+OK', '+PONG',
      ]);
      // What the server writes (the AOF files) is its user's alone.
      const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
      await client.set('k', 'v');
      await client.quit();
      const aof = modes(dataDir).filter(([name]) => name.startsWith('appendonlydir'));
      expect(aof.length).toBeGreaterThan(1);
      for (const [name, m] of aof) expect([name, m & 0o077]).toEqual([name, 0]);
    } finally {
      await server.stop();
    }
  });

  it('reuses its password on a restart, so clients keep working, and tightens what an older start left open', async () => {
    const dataDir = `${tmp.dir}/restart`;
    const passwordFile = `${tmp.dir}/restart-password`;
    const first = await startEmbeddedRedis({ dataDir, passwordFile });
    const client = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await client.set('kept', 'yes');
    await client.quit();
    await first.stop();
    // An older start (or a careless hand) left the folder and the files open.
    chmodSync(dataDir, 0o755);
    chmodSync(passwordFile, 0o644);
    for (const [name] of modes(dataDir)) {
      const p = path.join(dataDir, name);
      chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    }
    const second = await startEmbeddedRedis({ dataDir, passwordFile, port: first.port });
    try {
      expect(second.url).toBe(first.url);
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(passwordFile)).toBe(0o600);
      for (const [name, m] of modes(dataDir)) expect([name, m & 0o077]).toEqual([name, 0]);
      const again = new Redis(second.url, { maxRetriesPerRequest: 1 });
      expect(await again.get('kept')).toBe('yes');
      await again.quit();
    } finally {
      await second.stop();
    }
  });

  it('refuses a password file that holds no password, naming it', async () => {
    const passwordFile = `${tmp.dir}/bad-password`;
    writeFileSync(passwordFile, 'short\n', { mode: 0o600 });
    const err = await startEmbeddedRedis({ dataDir: `${tmp.dir}/bad`, passwordFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisPasswordFileError);
    expect((err as Error).message).toContain(passwordFile);
    expect(existsSync(`${tmp.dir}/bad/redis.conf`)).toBe(false);
  });

  it('quotes the data folder in its configuration file', () => {
    const text = embeddedRedisConf({ port: 7000, dir: '/srv/a "b"\\c\nrequirepass x', password: 'p'.repeat(20) });
    expect(text.split('\n').filter((l) => l.startsWith('requirepass'))).toEqual([`requirepass "${'p'.repeat(20)}"`]);
    expect(text).toContain('dir "/srv/a \\"b\\"\\\\c\\x0arequirepass x"');
  });

  it('names the Debian package redis-server when the binary is missing', async () => {
    const err = await startEmbeddedRedis({ dataDir: `${tmp.dir}/missing`, binary: `${tmp.dir}/no-such-redis-server` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    const missing = err as ToolMissingError;
    expect(missing.code).toBe('TOOL_MISSING');
    expect(missing.debianPackage).toBe(REDIS_DEBIAN_PACKAGE);
    expect(missing.message).toContain('apt-get install redis-server');
  });
});
