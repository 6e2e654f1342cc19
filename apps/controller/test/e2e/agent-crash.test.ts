/**
 * (c) A separate `tower agent` process is SIGKILLed in the middle of a burn
 * and started again: the interrupted attempt is recorded `interrupted` (a
 * coaster), its copy is burned again at once (not after BullMQ's stall
 * timeout), and the run completes with exactly N, nothing counted twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { countedSlots, startSplitTower, TowerProcess, waitFor, waitForRun } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('an agent killed mid-burn', () => {
  it('records the attempt interrupted, and the run completes with the exact count after a restart', { timeout: 60_000 }, async () => {
    const tower = await startSplitTower('crash', 0.1, cleanups);
    const { api } = tower;
    let { agent } = tower;

    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 3, verify: 'all' });
    const open = await waitFor(async () => {
      const burning = (await api.history(created.id)).filter((a) => a.outcome === null);
      return burning.length > 0 ? burning : null;
    }, 15_000, 'a burn in flight');
    await new Promise((r) => setTimeout(r, 300));
    const killed = await agent.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const killedAt = Date.now();

    agent = tower.agent = new TowerProcess(['agent', '--config', tower.agentConfig], tower.env);
    await agent.waitForOutput(/serving 2 drive/);
    expect(agent.stderr).toMatch(/closed \d+ interrupted attempt/);
    // Far less than lock expiry + BullMQ's 30 s stalled-check interval: the restarted agent gave the job back.
    const run = await waitForRun(api, created.id, 'completed', 25_000);
    expect(Date.now() - killedAt).toBeLessThan(25_000);

    const history = await api.history(run.id);
    const interrupted = history.filter((a) => a.outcome === 'interrupted');
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.map((a) => a.id)).toEqual(expect.arrayContaining(open.map((a) => a.id)));
    for (const a of interrupted) {
      expect(a.counted).toBe(false);
      expect(a.error?.code).toBe('INTERRUPTED');
      expect(a.error?.message).toMatch(/coaster/);
      // The interrupted copy was burned again later.
      expect(history.some((b) => b.copy === a.copy && b.outcome === 'passed' && b.startedAt > a.startedAt)).toBe(true);
    }
    expect(countedSlots(history)).toEqual([1, 2, 3]);
    expect(history.every((a) => a.outcome !== null)).toBe(true);
    expect(run).toMatchObject({ passed: 3, interrupted: interrupted.length, inProgress: 0 });

    expect((await agent.stop('SIGTERM')).code).toBe(0);
    expect((await tower.serve.stop('SIGTERM')).code).toBe(0);
  });
});
