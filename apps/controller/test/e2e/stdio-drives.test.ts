/**
 * (a) `tower start` (embedded Redis, controller and agent in one process)
 * with three cdrskin `stdio:` pseudo drives: a run of 4 copies with full
 * verify completes with exactly 4 passed attempts, burned for real.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCdrskinStdioAsRoot } from '../../../../drivers/test/support/test-images.js';
import type { ImageView, MasterView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('tower start with stdio: pseudo drives', () => {
  it('burns 4 verified copies on 3 cdrskin stdio drives: exactly 4 passed attempts', { timeout: 90_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-stdio-');
    cleanups.push(tmp.cleanup);
    const discs = [0, 1, 2].map((i) => path.join(tmp.dir, `disc-${i}.img`));
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: { id: 'e2e-stdio', ...FAST.agentTiming, drives: discs.map((d, i) => ({ device: `stdio:${d}`, label: `Disc ${i}`, media: 'CD-R' })) },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());

    const drives = await api.drives();
    expect(drives.map((d) => d.id).sort()).toEqual([...discs].sort());
    expect(drives.find((d) => d.id === discs[0])?.label).toBe('Disc 0');
    const [image] = await api.images();
    expect(image?.name).toBe('Sample image');
    const created = await api.createRun({ imageId: image?.id, copies: 4, verify: 'all' });
    const run = await waitForRun(api, created.id, 'completed', 75_000);
    expect(run).toMatchObject({ copies: 4, passed: 4, surplus: 0, interrupted: 0 });

    const history = await api.history(run.id);
    const passed = history.filter((a) => a.outcome === 'passed');
    expect(passed).toHaveLength(4);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4]);
    expect(passed.every((a) => a.verifyResult === 'passed' && a.agentId === 'e2e-stdio' && discs.includes(a.driveId))).toBe(true);
    expect(history.every((a) => a.outcome !== null)).toBe(true);
    // What cdrskin wrote into each pseudo disc that took a copy is the image, byte for byte.
    for (const disc of new Set(passed.map((a) => a.driveId))) {
      expect(existsSync(disc)).toBe(true);
      const written = readFileSync(disc).subarray(0, image?.sizeBytes);
      expect(createHash('sha256').update(written).digest('hex')).toBe(image?.sha256);
    }

    // The agent answers commands: eject, and a master read of a burned pseudo disc into the library.
    const res = await fetch(`${api.url}/api/drives/${encodeURIComponent(passed[0]?.driveId ?? '')}/eject`, {
      method: 'POST', headers: { authorization: `Bearer ${api.token}` },
    });
    expect(res.status).toBe(200);
    const master = await api.post<MasterView>('/api/masters', { driveId: passed[0]?.driveId, name: 'Remastered copy' });
    const done = await waitFor(async () => {
      const m = await api.get<MasterView>(`/api/masters/${master.id}`);
      if (m.status === 'failed') throw new Error(`master ended failed: ${JSON.stringify(m.error)}`);
      return m.status === 'done' ? m : null;
    }, 20_000, 'the master read');
    const remastered = await api.get<ImageView>(`/api/images/${done.imageId ?? ''}`);
    expect(remastered.name).toBe('Remastered copy');
    expect(remastered.sizeBytes).toBe(image?.sizeBytes);
    expect(remastered.sha256).toBe(image?.sha256);

    const exit = await tower.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(tower.stderr).toContain('stopping');
  });
});
