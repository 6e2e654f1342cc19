import { Redis } from 'ioredis';
import { ToolMissingError } from 'node-cdrecord-wrapper';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../drivers/test/support/test-images.js';
import { REDIS_DEBIAN_PACKAGE, startEmbeddedRedis } from '../src/embedded-redis.js';

describe('startEmbeddedRedis', () => {
  const tmp = makeTempDir('tower-redis-');
  afterAll(() => tmp.cleanup());

  it('starts redis-server on a free port with AOF on, answers commands, and stops', async () => {
    const server = await startEmbeddedRedis({ dataDir: `${tmp.dir}/data` });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
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

  it('names the Debian package redis-server when the binary is missing', async () => {
    const err = await startEmbeddedRedis({ dataDir: `${tmp.dir}/missing`, binary: `${tmp.dir}/no-such-redis-server` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    const missing = err as ToolMissingError;
    expect(missing.code).toBe('TOOL_MISSING');
    expect(missing.debianPackage).toBe(REDIS_DEBIAN_PACKAGE);
    expect(missing.message).toContain('apt-get install redis-server');
  });
});
