/**
 * Collated sets end to end (issue 15): `tower start` with two cdrskin
 * `stdio:` pseudo drives and two simulated drives with auto-loaders (one
 * fails its first burn), three images uploaded with the CLI, and
 * `tower run --set a,b,c --sets 4`. The run completes as 4 full sets: each
 * of the 12 slots counted once with its disc's own image; the failed disc is
 * redone by the loader drive that holds its set, before that set's next
 * disc; a loader drive's discs of a set come out together, in order.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCdrskinStdioAsRoot, makeIso } from '../../../../drivers/test/support/test-images.js';
import type { AttemptView, ImageView, RunView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, sleep, tempDir, TOWER_BIN, TowerProcess, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('a set run on stdio: pseudo drives and simulated drives', () => {
  it('completes a 3-disc set × 4 as 4 full sets, the failed disc redone on its set\'s drive', { timeout: 150_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-set-');
    cleanups.push(tmp.cleanup);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: {
        id: 'e2e-set', ...FAST.agentTiming,
        drives: [0, 1].map((i) => ({ device: `stdio:${path.join(tmp.dir, `disc-${i}.img`)}`, label: `Disc ${i}`, media: 'CD-R' })),
        simulated: { count: 2, media: 'CD-R', timeScale: 0.01, autoLoader: true, faults: { 0: { writeErrorAt: 40 } } },
      },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const cli = (...args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } =>
      spawnSync(process.execPath, [TOWER_BIN, ...args], { encoding: 'utf8', env: { ...process.env, TOWER_URL: api.url, TOWER_TOKEN: api.token } });

    // The set's three discs, uploaded as an operator would.
    const images = [1, 2, 3].map((n) => {
      const iso = makeIso(tmp.dir, { name: `set-disc-${n}.iso`, payloadBytes: (200 + 50 * n) * 1024, label: `SETDISC${n}` });
      const up = cli('images', 'upload', iso, '--name', `Set disc ${n}`, '--json');
      expect(up.status, up.stderr).toBe(0);
      return JSON.parse(up.stdout) as ImageView;
    });
    const ids = images.map((i) => i.id);

    const made = cli('run', '--set', ids.join(','), '--sets', '4', '--json');
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const created = JSON.parse(made.stdout) as RunView;
    // What the tiles show while the run goes on (the drives' views, as the UI gets them).
    const tiles = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const d of await api.drives().catch(() => [])) if (d.discLabel !== null && d.runId === created.id) tiles.add(d.discLabel);
        await sleep(50);
      }
    })();
    cleanups.push(async () => {
      watching = false;
      await watch;
    });
    expect(created.copies).toBe(12);
    expect(created.set).toMatchObject({ discs: 3, sets: 4, setsDone: 0, imageIds: ids });
    const run = await waitForRun(api, created.id, 'completed', 130_000);
    watching = false;
    await watch;
    expect(run).toMatchObject({ copies: 12, passed: 12, surplus: 0 });
    expect(run.set?.setsDone).toBe(4);

    const history = await api.history(run.id);
    expect(countedSlots(history)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const a of history) {
      const set = Math.ceil(a.copy / 3);
      const disc = ((a.copy - 1) % 3) + 1;
      expect(a.set).toEqual({ set, disc, discs: 3, label: `set ${set} · disc ${disc}/3` });
      expect(a.imageSha256).toBe(images[disc - 1]!.sha256);
    }
    const counted = history.filter((a) => a.outcome === 'passed' && a.counted);
    expect(counted.every((a) => a.verifyResult === 'passed')).toBe(true);

    // The loader drive's failed disc: redone by the same drive, before its set's next disc there; the run names it.
    const failed = history.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    const f = failed[0]!;
    expect(f.driveId).toBe('sim:0');
    const redo = counted.find((a) => a.copy === f.copy)!;
    expect(redo.driveId).toBe('sim:0');
    const laterThere = counted.filter((a) => a.driveId === 'sim:0' && a.set!.set === f.set!.set && a.set!.disc > f.set!.disc);
    expect(laterThere.every((a) => a.startedAt > redo.startedAt)).toBe(true);
    expect(run.set?.failedDiscs).toEqual([{ set: f.set!.set, disc: f.set!.disc, redone: true }]);

    // A loader drive keeps a set together: its discs of a set are of one set at a time, in disc order.
    for (const drive of ['sim:0', 'sim:1']) {
      const mine = history.filter((a) => a.driveId === drive).sort((x, y) => x.startedAt - y.startedAt);
      const sets = mine.map((a) => a.set!.set).filter((s, i, all) => i === 0 || s !== all[i - 1]);
      expect(new Set(sets).size).toBe(sets.length);
      for (const s of sets) {
        const discs = mine.filter((a) => a.set!.set === s && a.counted).map((a: AttemptView) => a.set!.disc);
        expect(discs).toEqual([...discs].sort((x, y) => x - y));
      }
    }
    // A loader drive and the stdio: drives took part. Which loader drives claim the four sets is up to which
    // looks first: in one run of the full suite (a loaded host) sim:1 burned none, and the run was right.
    const burners = new Set(history.map((a) => a.driveId));
    expect(burners.has('sim:0')).toBe(true);
    expect([...burners].some((d) => !d.startsWith('sim:'))).toBe(true);

    // The tiles named the set and disc each drive held; the CLI shows sets done and the redone disc.
    expect(tiles.size).toBeGreaterThan(0);
    for (const label of tiles) expect(label).toMatch(/^set [1-4] · disc [1-3]\/3$/);
    const show = cli('runs', 'show', run.id);
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/Sets:\s+4\/4 done, 3 discs each/);
    expect(show.stdout).toContain(`set ${f.set!.set} disc ${f.set!.disc} (redone)`);

    // Bad input: refused with one line, nothing created.
    const tooMany = cli('run', '--set', ids.join(','), '--sets', '4000');
    expect(tooMany.status).not.toBe(0);
    expect(tooMany.stderr).toMatch(/4000 sets of 3 discs is 12000 discs/);
    const unknown = cli('run', '--set', `${ids[0]},no-such-image`, '--sets', '2');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/no-such-image/);
    const noCount = cli('run', '--set', ids.join(','));
    expect(noCount.status).toBe(2);
    expect(noCount.stderr).toMatch(/--sets/);
    expect((await api.runs()).map((r) => r.id)).toEqual([run.id]);
  });
});
