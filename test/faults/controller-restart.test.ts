/**
 * Fault: the controller (`tower serve`) SIGKILLed mid-run and started again.
 * The e2e test (apps/controller/test/e2e/controller-restart.test.ts) stops it
 * gracefully; this one kills it without warning, then holds the run to the
 * fault suite's invariants.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, expectExactlyN, startSplitTower, waitFor } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe('fault: controller restart mid-run', () => {
  it('the agent keeps burning; after a SIGKILL and restart the run ends with exactly N', { timeout: 90_000 }, async () => {
    const t = await startSplitTower(cleanups, {
      agentId: 'fault-ctl',
      simulated: { count: 3, media: 'CD-R', timeScale: 0.05, autoLoader: true },
    });
    const [image] = await t.api.images();
    const copies = 6;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all' });
    await waitFor(async () => (await t.api.run(created.id)).passed >= 1, 30_000, 'one good copy');
    const before = (await t.api.history(created.id)).filter((a) => a.outcome !== null);

    expect((await t.serve.stop('SIGKILL')).signal).toBe('SIGKILL');
    await t.startServe();

    const { history } = await expectExactlyN(t.api, created.id, copies);
    for (const a of before) expect(history.find((x) => x.id === a.id)).toEqual(a);
    expect(t.agent.child.exitCode).toBeNull();
  });
});
