/**
 * A simulated auto-loader runs out of blanks (issue 13 point 5): `tower
 * start` with one drive whose loader holds 3 blanks and a run of 5 copies.
 * The drive stops with "Load blanks into Sim 0", counted among the drives
 * that need a person in the API; `tower load-blanks` puts 2 more in, and
 * the run completes with exactly 5. A full reject bin likewise: the
 * coaster waits in the drive with "Empty the reject bin of Sim 0" until
 * `tower empty-rejects`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DriveView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, OPERATOR_TOKEN, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('a simulated auto-loader out of blanks', () => {
  it('stops the drive with "Load blanks into Sim 0", needing a person, until tower load-blanks refills it; the run ends with exactly N', { timeout: 90_000 }, async () => {
    const tmp = tempDir('tower-e2e-loader-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: {
        id: 'e2e-loader',
        ...FAST.agentTiming,
        simulated: { count: 1, media: 'CD-R', timeScale: 0.01, autoLoader: true, loader: { blanks: 3, rejectBin: 20 } },
      },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const url = await tower.url();
    const api = new Api(url);
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 5, verify: 'all' });

    // Three discs, then the loader is empty: the drive says so, and needs a person.
    const dry = await waitFor(async () => {
      const d = (await api.drives()).find((x) => x.id === 'sim:0');
      return d?.loader?.needsPerson === 'input-empty' ? d : null;
    }, 45_000, 'sim:0 to run out of blanks');
    expect(dry).toMatchObject({
      state: 'empty', needsAttention: true, message: 'Load blanks into Sim 0: its loader has no blank disc left',
      loader: { blanks: 0, passed: 3, rejected: 0, rejectFree: 20, needsPerson: 'input-empty' },
    });
    const needing = (await api.drives()).filter((d: DriveView) => d.needsAttention).map((d) => d.id);
    expect(needing).toEqual(['sim:0']);
    const waiting = await api.run(created.id);
    expect(waiting).toMatchObject({ status: 'running', passed: 3 });

    // A person puts 2 blanks in: the drive takes one at once and goes on.
    const cli = new TowerProcess(['load-blanks', 'sim:0', '2'], { TOWER_URL: url, TOWER_TOKEN: OPERATOR_TOKEN });
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout).toMatch(/^loaded 2 blanks into Sim 0 \(now \w+/);
    const run = await waitForRun(api, created.id, 'completed', 45_000);
    expect(run).toMatchObject({ passed: 5, surplus: 0 });
    expect(countedSlots(await api.history(run.id))).toEqual([1, 2, 3, 4, 5]);
    // Exactly the 5 blanks were burned, and the empty loader needs a person again.
    const after = await waitFor(async () => {
      const d = (await api.drives()).find((x) => x.id === 'sim:0');
      return d?.loader?.needsPerson === 'input-empty' ? d : null;
    }, 20_000, 'sim:0 to run out of blanks again');
    expect(after).toMatchObject({ needsAttention: true, loader: { blanks: 0, passed: 5 } });
    expect((await tower.stop('SIGTERM')).code).toBe(0);
  });

  it('keeps a coaster in the drive with "Empty the reject bin of Sim 0" until tower empty-rejects; the drive then goes on', { timeout: 90_000 }, async () => {
    const tmp = tempDir('tower-e2e-rejects-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: {
        id: 'e2e-rejects',
        quarantineAfter: 3,
        ...FAST.agentTiming,
        simulated: {
          count: 2, media: 'CD-R', timeScale: 0.01, autoLoader: true, loader: { blanks: 50, rejectBin: 1 },
          faults: { 0: { writeErrorAt: 30, sticky: true } },
        },
      },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const url = await tower.url();
    const api = new Api(url);
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 20, verify: 'all', maxAttemptsPerCopy: 5 });

    // The first coaster fills the bin of one; the second stays in the drive, and a person is called.
    const full = await waitFor(async () => {
      const d = (await api.drives()).find((x) => x.id === 'sim:0');
      return d?.loader?.needsPerson === 'reject-full' ? d : null;
    }, 45_000, 'sim:0 to hold a coaster for want of room');
    expect(full).toMatchObject({
      state: 'failed', needsAttention: true, message: 'Empty the reject bin of Sim 0: it is full of coasters',
      loader: { rejected: 1, rejectFree: 0, needsPerson: 'reject-full' },
    });

    const cli = new TowerProcess(['empty-rejects', 'sim:0'], { TOWER_URL: url, TOWER_TOKEN: OPERATOR_TOKEN });
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout).toMatch(/^emptied the reject bin of Sim 0/);
    // The held coaster went to the emptied bin, a blank came in, and the drive burned again: its third coaster quarantines it.
    await waitFor(async () => (await api.history(created.id)).filter((a) => a.driveId === 'sim:0' && a.outcome === 'failed').length === 3, 45_000, 'a third attempt on sim:0');
    const run = await waitForRun(api, created.id, 'completed', 60_000);
    expect(run).toMatchObject({ passed: 20, surplus: 0 });
    expect(countedSlots(await api.history(run.id))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await tower.stop('SIGTERM')).code).toBe(0);
  });
});
