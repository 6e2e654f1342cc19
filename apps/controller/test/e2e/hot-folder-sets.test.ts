/**
 * Set runs from hot-folder job files end to end (issue 15): `tower start`
 * with two simulated drives with auto-loaders and a hot folder. A `.json`
 * job naming a set by paths inside the import roots (imported in disc order)
 * with serials one per set, and a `.jrq` naming a set by `SetImageId=`
 * lines, each create a set run; their status files end final with the sets
 * done, every slot counted once with its disc's image (and its set's serial).
 * A job naming a template that holds a set starts that set run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeIso } from '../../../../drivers/test/support/test-images.js';
import type { JobStatus } from '../../src/hot-folder/job-status.js';
import { Api, countedSlots, FAST, tempDir, TowerProcess, waitFor, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function finalStatus(dir: string, job: string, timeoutMs: number): Promise<JobStatus> {
  return waitFor(() => {
    const file = path.join(dir, `${job}.status`);
    const s = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as JobStatus : null;
    return s?.final === true ? s : null;
  }, timeoutMs, `${job}'s final status`);
}

describe('set runs from hot-folder job files', () => {
  it('a JSON job with a set of paths (and serials) and a JRQ with SetImageId lines each complete their sets', { timeout: 120_000 }, async () => {
    const tmp = tempDir('tower-e2e-hot-sets-');
    cleanups.push(tmp.cleanup);
    const importRoot = path.join(tmp.dir, 'import');
    mkdirSync(importRoot);
    const hot = path.join(tmp.dir, 'hot');
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      library: { importRoots: ['import'] },
      hotFolders: [{ dir: 'hot', settleMs: 500, pollMs: 200 }],
      agent: { id: 'e2e-hot-sets', ...FAST.agentTiming, simulated: { count: 2, media: 'CD-R', timeScale: 0.02, autoLoader: true } },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    await waitFor(async () => (await api.drives()).length === 2, 20_000, 'two drives');
    const isos = [1, 2].map((n) => makeIso(importRoot, { name: `disc-${n}.iso`, payloadBytes: (100 + 60 * n) * 1024, label: `HOTSET${n}` }));

    writeFileSync(path.join(hot, 'boxes.json'), JSON.stringify({ set: { imagePaths: isos }, copies: 2, label: 'e2e-boxes', merge: { serials: { first: 11 } } }));
    const boxes = await finalStatus(hot, 'boxes.json', 90_000);
    expect(boxes).toMatchObject({ state: 'completed', copies: 4, passed: 4, remaining: 0, surplus: 0, set: { sets: 2, setsDone: 2, discs: 2 } });
    const run = await api.run(boxes.runId);
    expect(run).toMatchObject({ label: 'e2e-boxes', createdBy: 'hot-folder', merge: 'serials 11 to 12 in /SERIAL.TXT', set: { discs: 2, sets: 2, setsDone: 2 } });
    // The paths were imported in disc order: disc j of the run is isos[j].
    const images = await api.images();
    const names = run.set!.imageIds.map((id) => images.find((i) => i.id === id)?.name);
    expect(names).toEqual(['disc-1.iso', 'disc-2.iso'].map((n) => expect.stringContaining(n.replace('.iso', ''))));
    const history = await api.history(run.id);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4]);
    for (const a of history) {
      const set = Math.ceil(a.copy / 2);
      expect(a.set).toMatchObject({ set, disc: ((a.copy - 1) % 2) + 1, discs: 2 });
      expect(a.merge).toEqual({ row: set, label: `serial ${10 + set}` });
    }

    // The JRQ names the discs by id, in its own order.
    const [first, second] = run.set!.imageIds;
    writeFileSync(path.join(hot, 'reverse.jrq'), `SetImageId=${second}\nSetImageId=${first}\nCopies=1\nJobID=e2e-reverse\nVerifyDisc=YES\n`);
    const reverse = await finalStatus(hot, 'reverse.jrq', 60_000);
    expect(reverse).toMatchObject({ state: 'completed', copies: 2, passed: 2, set: { sets: 1, setsDone: 1, discs: 2 } });
    const again = await api.run(reverse.runId);
    expect(again).toMatchObject({ imageId: second, label: 'e2e-reverse', set: { imageIds: [second, first] } });
    const byImage = new Map(images.map((i) => [i.id, i.sha256]));
    for (const a of await api.history(again.id)) expect(a.imageSha256).toBe(byImage.get(a.set!.disc === 1 ? second! : first!));

    // A job file naming a template that holds a set (and serials) starts that set run.
    const put = await fetch(`${api.url}/api/templates/hot-boxes`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ imageId: first, copies: 5, set: { imageIds: [first, second] }, merge: { serials: { first: 1 } }, verify: 'off' }),
    });
    expect(put.status, await put.text()).toBe(201);
    writeFileSync(path.join(hot, 'from-template.json'), JSON.stringify({ template: 'hot-boxes', copies: 2, label: 'e2e-template' }));
    const templated = await finalStatus(hot, 'from-template.json', 60_000);
    expect(templated).toMatchObject({ state: 'completed', copies: 4, passed: 4, set: { sets: 2, setsDone: 2, discs: 2 } });
    expect(await api.run(templated.runId)).toMatchObject({ label: 'e2e-template', verify: 'off', merge: 'serials 1 to 2 in /SERIAL.TXT', set: { imageIds: [first, second] } });
  });
});
