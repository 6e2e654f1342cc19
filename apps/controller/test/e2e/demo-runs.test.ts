/**
 * The demo of a simulated tower's first start (issue 13 point 24): when the
 * demo run ends and no operator has acted, another one starts, so the tower
 * is still at work when a newcomer opens the page; pairing a wall screen is
 * only looking; once an operator creates a run of their own, no demo run
 * follows.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../src/shared/api-types.js';
import { Api, FAST, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const DEMO = 'Demo: the sample image';
const FINAL = ['completed', 'failed', 'cancelled'];

describe('tower start: the demo runs', () => {
  it('starts another demo run when the last ends while nobody acted, and none after an operator created a run', { timeout: 120_000 }, async () => {
    const tmp = tempDir('tower-demo-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: path.join(tmp.dir, 'data'), http: FAST.http, tokens: FAST.tokens,
      controller: { ...FAST.controller, demoRunCopies: 2, demoRunRepeats: 50 },
      agent: { id: 'e2e-demo', ...FAST.agentTiming, simulated: { count: 2, media: 'CD-R', timeScale: 0.02, autoLoader: true } },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const first = (await tower.waitForOutput(/demo run (\S+): 2 verified copies of "Sample image"/))[1] as string;

    // Pairing a wall screen is looking, not acting.
    await api.post('/api/screens/pairing', { name: 'wall-1' });
    const done = await waitForRun(api, first, 'completed', 60_000);
    expect(done).toMatchObject({ label: DEMO, passed: 2 });

    // Nobody acted: another demo run follows, by the same operator token.
    const second = await waitFor(async () => (await api.runs()).find((r) => r.label === DEMO && r.id !== first), 30_000, 'a second demo run');
    expect(second).toMatchObject({ copies: 2, createdBy: done.createdBy, imageId: done.imageId });

    // An operator creates a run of their own: the demo in progress ends, and no demo run follows.
    const mine = await api.createRun({ imageId: done.imageId, copies: 1, verify: 'all', label: 'mine' });
    await waitFor(() => /demo: e2e operator acted \(run\.create [^)]+\); no more demo runs/.test(tower.stderr), 90_000, 'the demo to stop');
    await waitFor(async () => (await api.runs()).every((r) => FINAL.includes(r.status)), 60_000, 'every run to end');
    const runs: RunView[] = await api.runs();
    expect(runs.find((r) => r.id === mine.id)?.status).toBe('completed');
    const demos = runs.filter((r) => r.label === DEMO);
    expect(demos.length).toBeGreaterThanOrEqual(2);
    expect(demos.filter((r) => r.createdAt > mine.createdAt)).toEqual([]);
    expect(demos.every((r) => r.status === 'completed')).toBe(true);
  });
});
