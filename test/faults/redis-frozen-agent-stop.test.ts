/**
 * Fault: Redis frozen (SIGSTOP: it keeps its connections open and answers
 * nothing) in the middle of a run, and the agent told to stop. The agent's
 * stop waits on Redis (burns cancelled and recorded, drives offline, lease
 * released); it must still exit within its bound (STOP_GRACE_MS), closing
 * its connections by force. Once Redis runs again, a new agent with the same
 * id takes over (the old lease expires) and the run ends with exactly N.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, expectExactlyN, sleep, startSplitTower, waitForOpenAttempt } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe('fault: Redis frozen mid-run, agent stopped', () => {
  it('the agent exits within its bound on SIGTERM; after Redis resumes a new agent finishes with exactly N', { timeout: 120_000 }, async () => {
    const t = await startSplitTower(cleanups, {
      agentId: 'fault-frozen',
      simulated: { count: 3, media: 'CD-R', timeScale: 0.1, autoLoader: true },
    });
    const [image] = await t.api.images();
    const copies = 5;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all' });
    await waitForOpenAttempt(t.api, created.id);

    const redisPid = t.redis.pid;
    process.kill(redisPid, 'SIGSTOP');
    let frozen = true;
    const thaw = (): void => {
      if (frozen) process.kill(redisPid, 'SIGCONT');
      frozen = false;
    };
    cleanups.add(thaw);
    await sleep(300);

    const started = Date.now();
    const exit = await t.agent.stop('SIGTERM', 30_000);
    const took = Date.now() - started;
    // Not killed by the harness, not by the force timer: its own bounded stop.
    expect(exit).toEqual({ code: 0, signal: null });
    // Well within STOP_GRACE_MS (10 s, after which the process would exit by force).
    expect(took).toBeLessThan(10_000);
    expect(t.agent.stderr).toMatch(/stopping: not done within \d+ s \(Redis not answering\?\): closing the Redis connections/);

    thaw();
    await t.startAgent();
    await expectExactlyN(t.api, created.id, copies, 90_000);
  });
});
