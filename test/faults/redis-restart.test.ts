/**
 * Fault: Redis (AOF on) stopped in the middle of a run and started again on
 * the same port and data folder while the controller and the agent keep
 * running. Both must reconnect by themselves, and the run must end with
 * exactly N verified discs and a complete history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, expectExactlyN, startSplitTower, waitFor, waitForOpenAttempt } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe('fault: Redis restart mid-run', () => {
  it('controller and agent reconnect; exactly N, nothing counted twice', { timeout: 120_000 }, async () => {
    const t = await startSplitTower(cleanups, {
      agentId: 'fault-redis',
      simulated: { count: 3, media: 'CD-R', timeScale: 0.05, autoLoader: true },
    });
    const [image] = await t.api.images();
    const copies = 6;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all' });
    await waitForOpenAttempt(t.api, created.id);
    const before = await t.api.history(created.id);

    await t.redis.restart(1500);

    // Neither process died of it.
    expect(t.serve.child.exitCode).toBeNull();
    expect(t.agent.child.exitCode).toBeNull();
    // The controller answers from Redis again.
    await waitFor(async () => (await t.api.run(created.id)).id === created.id, 20_000, 'the controller to reconnect');

    const { history } = await expectExactlyN(t.api, created.id, copies, 90_000);
    // Nothing recorded before the restart was lost (AOF).
    expect(history.map((a) => a.id)).toEqual(expect.arrayContaining(before.map((a) => a.id)));
    expect(t.serve.child.exitCode).toBeNull();
    expect(t.agent.child.exitCode).toBeNull();
  });
});
