/**
 * (b) `tower start` on simulated drives with a fault: a drive with a sticky
 * write error is quarantined after K failures in a row, and the run
 * completes with exactly N on the other drives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Api, countedSlots, FAST, tempDir, TowerProcess, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('tower start with a faulty simulated drive', () => {
  it('quarantines the drive with a sticky write error; the run completes with exactly N on the others', { timeout: 60_000 }, async () => {
    const tmp = tempDir('tower-e2e-faults-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: {
        id: 'e2e-faults',
        quarantineAfter: 2,
        ...FAST.agentTiming,
        simulated: { count: 3, media: 'CD-R', timeScale: 0.01, autoLoader: true, faults: { 0: { writeErrorAt: 30, sticky: true } } },
      },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const [image] = await api.images();
    const created = await api.createRun({ imageId: image?.id, copies: 6, verify: 'all', maxAttemptsPerCopy: 3 });
    const run = await waitForRun(api, created.id, 'completed', 45_000);
    expect(run).toMatchObject({ passed: 6, surplus: 0 });

    const history = await api.history(run.id);
    const onBad = history.filter((a) => a.driveId === 'sim:0');
    expect(onBad).toHaveLength(2);
    expect(onBad.every((a) => a.outcome === 'failed' && a.error?.code === 'WRITE_ERROR')).toBe(true);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.filter((a) => a.outcome === 'passed').every((a) => a.driveId !== 'sim:0')).toBe(true);

    const bad = await api.get<{ state: string; quarantine: { reason: string } | null; needsAttention: boolean; message: string | null }>('/api/drives/sim:0');
    expect(bad.state).toBe('quarantined');
    expect(bad.quarantine?.reason).toContain('WRITE_ERROR');
    expect(bad.needsAttention).toBe(true);
    expect(bad.message).toMatch(/quarantined/i);
    expect((await tower.stop('SIGTERM')).code).toBe(0);
  });
});
