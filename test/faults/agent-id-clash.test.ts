/**
 * Faults: two agent processes with one agent id (a configuration copied to a
 * second host, two services of one host left on the default id).
 *
 * - A second `tower agent` with the id of one that is serving refuses to
 *   start with one line naming the running one, and exits 1; the first
 *   one's burns in flight are left alone (not closed as interrupted) and the
 *   run ends with exactly N, nothing interrupted.
 * - After the first one is SIGKILLed mid-burn, a new one with its id waits
 *   until the dead one's lease expires, takes the id over and closes the
 *   interrupted attempts itself; the run ends with exactly N.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, expectExactlyN, sleep, startSplitTower, TowerProcess, waitForOpenAttempt } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

async function exitWithin(p: TowerProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('fault: two agents with one id', () => {
  it('the second refuses to start with one line, the first one\'s burns go on; exactly N, nothing interrupted', { timeout: 120_000 }, async () => {
    const t = await startSplitTower(cleanups, {
      agentId: 'fault-clash',
      // Slow burns, so several are in flight while the second agent starts.
      simulated: { count: 3, media: 'CD-R', timeScale: 0.5, autoLoader: true },
    });
    const [image] = await t.api.images();
    const copies = 4;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all' });
    const open = await waitForOpenAttempt(t.api, created.id);

    // The same configuration again: the same id and the same drives.
    const second = new TowerProcess(['agent', '--config', t.agentConfig], t.env);
    cleanups.add(() => second.stop('SIGKILL'));
    const exit = await exitWithin(second, 20_000);
    expect(exit).toEqual({ code: 1, signal: null });
    const lines = second.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(
      `tower: agent fault-clash is already running on ${os.hostname()} (pid ${t.agent.child.pid}); give each agent its own id (agent.id / TOWER_AGENT_ID)`,
    );
    expect(second.stdout).not.toMatch(/serving/);

    // Nothing of the first one's was touched: its attempts in flight are still open or ended by it.
    const after = await t.api.history(created.id);
    for (const a of open) expect(after.find((x) => x.id === a.id)?.outcome ?? null, `attempt ${a.id}`).not.toBe('interrupted');
    expect(open.some((a) => after.find((x) => x.id === a.id)?.outcome === null), 'a burn still in flight after the refusal').toBe(true);
    expect(t.agent.child.exitCode).toBeNull();

    const { history } = await expectExactlyN(t.api, created.id, copies, 90_000);
    expect(history.filter((a) => a.outcome === 'interrupted')).toEqual([]);
    for (const a of open) expect(history.find((x) => x.id === a.id)?.outcome).toBe('passed');
    expect(history.every((a) => a.agentId === 'fault-clash')).toBe(true);
    expect((await t.agent.stop('SIGTERM')).code).toBe(0);
  });

  it('after the first is SIGKILLed, a new one waits for its lease to expire, takes over and closes the interrupted attempts; exactly N', { timeout: 120_000 }, async () => {
    const t = await startSplitTower(cleanups, {
      agentId: 'fault-takeover',
      simulated: { count: 3, media: 'CD-R', timeScale: 0.1, autoLoader: true },
      // A 6 s lease (3 heartbeats), so the new agent is up before it expires and must wait.
      agent: { heartbeatMs: 2000, heartbeatTtlMs: 8000 },
      // The controller does not declare the agent dead meanwhile: the new agent closes the attempts.
      controller: { agentTimeoutMs: 60_000 },
    });
    const [image] = await t.api.images();
    const copies = 5;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all' });
    const open = await waitForOpenAttempt(t.api, created.id);
    await sleep(200);
    const killedPid = t.agent.child.pid;
    expect((await t.agent.stop('SIGKILL')).signal).toBe('SIGKILL');

    await t.startAgent();
    const host = os.hostname();
    expect(t.agent.stderr).toContain(`the lease on agent id fault-takeover is held by ${host} (pid ${killedPid}); waiting up to`);
    expect(t.agent.stderr).toContain(`took over agent id fault-takeover from ${host} (pid ${killedPid}), whose lease expired`);
    expect(t.agent.stderr).toMatch(/closed \d+ interrupted attempt\(s\)/);
    // The lease was taken before the attempts were closed.
    expect(t.agent.stderr.indexOf('took over agent id')).toBeLessThan(t.agent.stderr.search(/closed \d+ interrupted/));

    const { history } = await expectExactlyN(t.api, created.id, copies, 90_000);
    const interrupted = history.filter((a) => a.outcome === 'interrupted');
    expect(interrupted.map((a) => a.id)).toEqual(expect.arrayContaining(open.map((a) => a.id)));
    for (const a of interrupted) {
      expect(a.error?.code).toBe('INTERRUPTED');
      // Closed by the agent that took the id over, not by the controller's monitor.
      expect(a.error?.message).toMatch(/^the agent stopped during this attempt: the disc is a coaster/);
    }
    expect(t.serve.stderr).not.toMatch(/is not answering/);
  });
});
