/**
 * (e) Two `tower agent` processes with their own simulated drives on one
 * Redis serve one run: attempts come from both agents. When one of them is
 * killed and stays dead, the controller declares it dead after its timeout:
 * its drives go offline, its burn in flight is recorded `interrupted`, and
 * the other agent finishes the run with exactly N.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '@tower/jobs';
import type { AgentView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('two agents on one Redis', () => {
  it('serve one run together; a dead agent is declared dead and the other finishes the run', { timeout: 60_000 }, async () => {
    const tmp = tempDir('tower-e2e-two-');
    cleanups.push(tmp.cleanup);
    const redis = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
    cleanups.push(() => redis.stop());
    const env = { REDIS_URL: redis.url };
    const common = { dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller };
    const agentConfig = (id: string, firstIndex: number): string => writeConfig(tmp.dir, `${id}.json`, {
      ...common,
      agent: { id, ...FAST.agentTiming, simulated: { count: 2, firstIndex, media: 'CD-R', timeScale: 0.05, autoLoader: true } },
    });
    const serve = new TowerProcess(['serve', '--config', writeConfig(tmp.dir, 'serve.json', common)], env);
    cleanups.push(() => serve.stop('SIGTERM'));
    const api = new Api(await serve.url());
    const a = new TowerProcess(['agent', '--config', agentConfig('agent-a', 0)], env);
    const b = new TowerProcess(['agent', '--config', agentConfig('agent-b', 2)], env);
    cleanups.push(() => a.stop('SIGTERM'), () => b.stop('SIGTERM'));
    await Promise.all([a.waitForOutput(/serving 2 drive/), b.waitForOutput(/serving 2 drive/)]);

    const agents = await api.get<AgentView[]>('/api/agents');
    expect(agents.filter((x) => x.online).map((x) => [x.id, [...x.driveIds]])).toEqual([
      ['agent-a', ['sim:0', 'sim:1']],
      ['agent-b', ['sim:2', 'sim:3']],
    ]);

    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 10, verify: 'all' });
    // Both agents take copies; then agent b dies in the middle of a burn.
    const open = await waitFor(async () => {
      const h = await api.history(created.id);
      const bothPassed = ['agent-a', 'agent-b'].every((id) => h.some((x) => x.agentId === id && x.outcome === 'passed'));
      const bBurning = h.filter((x) => x.agentId === 'agent-b' && x.outcome === null);
      return bothPassed && bBurning.length > 0 ? bBurning : null;
    }, 30_000, 'both agents at work, agent-b burning');
    await b.stop('SIGKILL');

    const run = await waitForRun(api, created.id, 'completed', 30_000);
    const history = await api.history(run.id);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(run).toMatchObject({ passed: 10, inProgress: 0 });
    expect(new Set(history.filter((x) => x.outcome === 'passed').map((x) => x.agentId))).toEqual(new Set(['agent-a', 'agent-b']));
    const interrupted = history.filter((x) => x.outcome === 'interrupted');
    // Every burn in flight when it died (at least the one seen) is interrupted, nothing else.
    expect(interrupted.map((x) => x.id)).toEqual(expect.arrayContaining(open.map((x) => x.id)));
    expect(interrupted.every((x) => x.agentId === 'agent-b' && /stopped answering/.test(x.error?.message ?? ''))).toBe(true);

    // The controller declared agent-b dead: its drives are offline with a message, agent-a's are not.
    const drives = await waitFor(async () => {
      const all = await api.drives();
      return all.filter((d) => d.agentId === 'agent-b').every((d) => d.state === 'offline') ? all : null;
    }, 10_000, 'agent-b drives offline');
    expect(drives.filter((d) => d.agentId === 'agent-b').every((d) => (d.message ?? '') !== '')).toBe(true);
    expect(drives.filter((d) => d.agentId === 'agent-a').some((d) => d.state === 'offline')).toBe(false);
    expect((await api.get<AgentView[]>('/api/agents')).find((x) => x.id === 'agent-b')?.online).toBe(false);
    const n = interrupted.length;
    expect(serve.stderr).toContain(`agent agent-b is not answering: ${n} attempt(s) interrupted, ${n} job(s) back in the queue`);
    expect((await a.stop('SIGTERM')).code).toBe(0);
    expect((await serve.stop('SIGTERM')).code).toBe(0);
  });
});
