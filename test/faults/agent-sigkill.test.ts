/**
 * Fault: a `tower agent` SIGKILLed mid-burn and started again. The e2e test
 * (apps/controller/test/e2e/agent-crash.test.ts) proves the interrupted
 * attempt and the quick give-back; this one re-runs the fault and holds the
 * run to the fault suite's invariants (exactly N, nothing counted twice,
 * complete history).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, expectExactlyN, sleep, startSplitTower, waitForOpenAttempt } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe('fault: agent SIGKILL mid-burn, then restart', () => {
  it('ends with exactly N verified discs, the killed attempt interrupted', { timeout: 90_000 }, async () => {
    const t = await startSplitTower(cleanups, {
      agentId: 'fault-agent-kill',
      simulated: { count: 3, media: 'CD-R', timeScale: 0.05, autoLoader: true },
    });
    const [image] = await t.api.images();
    const copies = 5;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all' });
    const open = await waitForOpenAttempt(t.api, created.id);
    await sleep(200);
    expect((await t.agent.stop('SIGKILL')).signal).toBe('SIGKILL');
    await t.startAgent();

    const { history } = await expectExactlyN(t.api, created.id, copies);
    const interrupted = history.filter((a) => a.outcome === 'interrupted');
    expect(interrupted.map((a) => a.id)).toEqual(expect.arrayContaining(open.map((a) => a.id)));
    expect(interrupted.every((a) => a.error?.code === 'INTERRUPTED')).toBe(true);
  });
});
