/**
 * Two towers on one Redis, told apart only by their prefix (`redis.prefix`):
 * each has its own controller and agent, with the same agent id and the same
 * drive ids, so any key, channel or queue name they shared would show as a
 * lease clash, a drive claimed twice, a run or attempt seen by the wrong
 * tower, or a copy burned by the wrong drives. Each run ends with exactly its
 * own N, and every name in Redis carries one tower's prefix.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '@tower/jobs';
import type { AgentView, DriveView, RunView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, tempDir, TowerProcess, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('two towers on one Redis with different prefixes', () => {
  it('do not see each other: runs, agents, drives, queues and channels are each their own', { timeout: 90_000 }, async () => {
    const tmp = tempDir('tower-e2e-towers-');
    cleanups.push(tmp.cleanup);
    const redis = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
    cleanups.push(() => redis.stop());
    const env = { REDIS_URL: redis.url };
    const towers = await Promise.all(['shop-a', 'shop-b'].map(async (prefix) => {
      const common = { dataDir: `data-${prefix}`, redis: { prefix }, http: FAST.http, tokens: FAST.tokens, controller: FAST.controller };
      const serve = new TowerProcess(['serve', '--config', writeConfig(tmp.dir, `${prefix}-serve.json`, common)], env);
      cleanups.push(() => serve.stop('SIGTERM'));
      // The same agent id and drive ids in both towers.
      const agentConfig = writeConfig(tmp.dir, `${prefix}-agent.json`, {
        ...common, agent: { id: 'agent-1', ...FAST.agentTiming, simulated: { count: 2, firstIndex: 0, media: 'CD-R', timeScale: 0.05, autoLoader: true } },
      });
      const agent = new TowerProcess(['agent', '--config', agentConfig], env);
      cleanups.push(() => agent.stop('SIGTERM'));
      const api = new Api(await serve.url());
      await agent.waitForOutput(/serving 2 drive/);
      return { prefix, serve, agent, api };
    }));

    for (const t of towers) {
      const agents = await t.api.get<AgentView[]>('/api/agents');
      expect(agents.map((a) => [a.id, a.online, [...a.driveIds]])).toEqual([['agent-1', true, ['sim:0', 'sim:1']]]);
    }
    const copies = [4, 3];
    const runs = await Promise.all(towers.map(async (t, i) => {
      const [image] = await t.api.images();
      return t.api.createRun({ imageId: image?.id, copies: copies[i], verify: 'all', label: `run of ${t.prefix}` });
    }));
    for (const [i, t] of towers.entries()) {
      const run = await waitForRun(t.api, runs[i]!.id, 'completed', 60_000);
      expect(run).toMatchObject({ passed: copies[i], inProgress: 0 });
      const history = await t.api.history(run.id);
      expect(countedSlots(history)).toEqual(Array.from({ length: copies[i]! }, (_, k) => k + 1));
      // Only its own run, and its drives with its own counts.
      expect((await t.api.get<RunView[]>('/api/runs')).map((r) => r.id)).toEqual([run.id]);
      const drives = await t.api.drives();
      expect(drives.map((d: DriveView) => d.id).sort()).toEqual(['sim:0', 'sim:1']);
      expect(drives.every((d) => d.agentId === 'agent-1')).toBe(true);
      // The other tower's run is not in this one's history.
      expect(await t.api.history(runs[1 - i]!.id)).toEqual([]);
    }
    expect(towers[0]!.agent.stdout + towers[1]!.agent.stdout).not.toMatch(/belongs to agent|lease/i);

    // Every key and channel in Redis is one tower's (BullMQ's own keys under its `bull:` prefix, in a queue of one tower).
    const client = new Redis(redis.url);
    cleanups.push(() => client.quit());
    const keys = await client.keys('*');
    const channels = (await client.pubsub('CHANNELS', '*')) as string[];
    const owner = /^(?:shop-a|shop-b)[:-]|^bull:(?:shop-a|shop-b)-copies-/;
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => !owner.test(k))).toEqual([]);
    expect(channels.filter((c) => !owner.test(c))).toEqual([]);
    expect(keys.some((k) => k.startsWith('bull:shop-a-copies-cd')) && keys.some((k) => k.startsWith('bull:shop-b-copies-cd'))).toBe(true);
    for (const t of towers) {
      expect((await t.agent.stop('SIGTERM')).code).toBe(0);
      expect((await t.serve.stop('SIGTERM')).code).toBe(0);
    }
  });
});
