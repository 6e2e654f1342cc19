/**
 * Faults of a merged run (issue 15: per-disc serials, built ahead in the
 * agent's staging folder): 20 discs with write errors, and 20 discs with the
 * agent SIGKILLed mid-burn and started again. Besides the fault suite's
 * invariants (exactly N, nothing counted twice, every attempt closed), each
 * ends with the 20 serials on 20 counted discs, none missing or doubled,
 * every attempt carrying its own slot's serial (a failed or interrupted
 * disc's serial burned again on a later disc), and the staging folder empty:
 * no image of a crashed agent or a finished run left behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptView } from '../../apps/controller/src/shared/api-types.js';
import { Cleanups, expectExactlyN, sleep, startSplitTower, startWholeTower, waitFor, waitForOpenAttempt } from './support/fault-harness.js';
import type { Api } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const COPIES = 20;
const FIRST = 5001;
const serial = (copy: number): string => `serial SN-${String(FIRST + copy - 1).padStart(6, '0')}`;
const MERGE = { serials: { first: FIRST, last: FIRST + COPIES - 1, pad: 6, prefix: 'SN-' } };

/** The serials of a merged run: one per counted disc, all 20, each attempt with its own slot's. */
function expectEverySerialOnce(history: readonly AttemptView[]): void {
  const counted = history.filter((a) => a.counted);
  expect(counted.map((a) => a.merge?.label).sort()).toEqual(Array.from({ length: COPIES }, (_, i) => serial(i + 1)).sort());
  for (const a of history) expect(a.merge, `attempt ${a.id} of copy ${a.copy}`).toEqual({ row: a.copy, label: serial(a.copy) });
  // Each disc burned its own image, verified against it.
  expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(COPIES);
  // A disc that did not pass gave its serial to a later disc of the same slot.
  for (const f of history.filter((a) => a.outcome !== 'passed')) {
    expect(counted.some((c) => c.copy === f.copy && c.startedAt > f.startedAt), `serial of failed copy ${f.copy} burned again`).toBe(true);
  }
}

/** The agent's staging folder ends with no image left (built ahead and not taken, or a crash's). */
async function expectStagingEmpty(dir: string): Promise<void> {
  await waitFor(() => (!existsSync(dir) || readdirSync(dir).length === 0 ? true : null), 15_000, `the staging folder ${dir} empty`);
}

function stagingOf(towerDir: string, agentId: string): string {
  return path.join(towerDir, 'data', 'staging', 'merged', agentId);
}

async function createMergedRun(api: Api): Promise<string> {
  const [image] = await api.images();
  const created = await api.createRun({ imageId: image?.id, copies: COPIES, verify: 'all', maxAttemptsPerCopy: 3, merge: MERGE });
  return created.id;
}

describe('fault: a merged run of 20 serials', () => {
  it('write errors on two drives: every serial on exactly one counted disc', { timeout: 120_000 }, async () => {
    const agentId = 'fault-merge-write';
    const { api, dir } = await startWholeTower(cleanups, {
      id: agentId,
      quarantineAfter: 2,
      simulated: { count: 3, media: 'CD-R', timeScale: 0.03, autoLoader: true, faults: { 0: { writeErrorAt: 40 }, 1: { writeErrorAt: 70, sticky: true } } },
    });
    const runId = await createMergedRun(api);
    const { history } = await expectExactlyN(api, runId, COPIES, 100_000);
    const failed = history.filter((a) => a.outcome === 'failed');
    expect(failed.filter((a) => a.error?.code === 'WRITE_ERROR').length).toBeGreaterThanOrEqual(2);
    expectEverySerialOnce(history);
    await expectStagingEmpty(stagingOf(dir, agentId));
  });

  it('the agent SIGKILLed mid-burn and started again: every serial on exactly one counted disc', { timeout: 120_000 }, async () => {
    const agentId = 'fault-merge-kill';
    const t = await startSplitTower(cleanups, {
      agentId,
      simulated: { count: 3, media: 'CD-R', timeScale: 0.05, autoLoader: true },
    });
    const staging = stagingOf(t.dir, agentId);
    const runId = await createMergedRun(t.api);
    // Let a few discs pass first, so the kill lands mid-run with images built ahead.
    await waitFor(async () => ((await t.api.run(runId)).passed >= 3 ? true : null), 60_000, 'three discs passed');
    const open = await waitForOpenAttempt(t.api, runId);
    await sleep(150);
    const leftByCrash = readdirSync(staging).filter((n) => n.endsWith('.iso'));
    expect((await t.agent.stop('SIGKILL')).signal).toBe('SIGKILL');
    // The burning drive's image at least: the killed agent could not remove it.
    expect(leftByCrash.length).toBeGreaterThanOrEqual(1);
    await t.startAgent();
    // The agent started again removed what the killed one left.
    const now = readdirSync(staging);
    expect(leftByCrash.filter((n) => now.includes(n))).toEqual([]);

    const { history } = await expectExactlyN(t.api, runId, COPIES, 100_000);
    const interrupted = history.filter((a) => a.outcome === 'interrupted');
    expect(interrupted.map((a) => a.id)).toEqual(expect.arrayContaining(open.map((a) => a.id)));
    expectEverySerialOnce(history);
    await expectStagingEmpty(staging);
  });
});
