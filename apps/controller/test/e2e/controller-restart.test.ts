/**
 * (d) The controller (`tower serve`) is stopped with SIGTERM in the middle
 * of a run and started again on the same Redis and data folder: nothing is
 * lost (runs, attempts, images), the agent kept burning meanwhile, and the
 * run completes with exactly N.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Api, countedSlots, startSplitTower, TowerProcess, waitFor, waitForRun } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('a controller restart', () => {
  it('loses nothing: runs, history and images survive and the run completes', { timeout: 60_000 }, async () => {
    const tower = await startSplitTower('restart', 0.05, cleanups);
    const { env, serveConfig } = tower;
    let { serve, api } = tower;

    const images = await api.images();
    expect(images).toHaveLength(1);
    const created = await api.createRun({ imageId: images[0]?.id, copies: 8, verify: 'all', label: 'restart test' });
    await waitFor(async () => (await api.run(created.id)).passed >= 2, 20_000, 'two good copies');
    const before = await api.history(created.id);

    const stopped = await serve.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(serve.stderr).toContain('stopping');

    serve = tower.serve = new TowerProcess(['serve', '--config', serveConfig], env);
    api = new Api(await serve.url());
    // The first start's sample import does not happen again, and the image is still there.
    expect((await api.images()).map((i) => i.id)).toEqual(images.map((i) => i.id));
    expect(serve.stderr).not.toContain('first start');
    const runs = await api.runs();
    expect(runs.map((r) => r.id)).toEqual([created.id]);
    expect(runs[0]).toMatchObject({ label: 'restart test', copies: 8, imageId: images[0]?.id, createdBy: 'e2e operator' });

    const run = await waitForRun(api, created.id, 'completed', 30_000);
    expect(run).toMatchObject({ passed: 8, surplus: 0, inProgress: 0 });
    const after = await api.history(run.id);
    expect(after.map((a) => a.id)).toEqual(expect.arrayContaining(before.map((a) => a.id)));
    for (const a of before.filter((x) => x.outcome !== null)) expect(after.find((x) => x.id === a.id)).toEqual(a);
    expect(countedSlots(after)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
