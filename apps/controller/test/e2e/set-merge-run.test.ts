/**
 * Collated sets with per-disc serials end to end (issue 15): `tower start`
 * with two cdrskin `stdio:` pseudo drives and two simulated drives with
 * auto-loaders (one fails its first burn), two images uploaded with the CLI,
 * and `tower run --set a,b --serials 01-03`: 3 numbered sets of 2 discs.
 * Every disc of set k carries serial k (disc j = image j plus SERIAL.TXT),
 * each of the 6 slots is counted once, each disc verified against its own
 * image, the failed disc redone with its set's serial; the history records
 * each disc's set position and serial. The same sets saved as a template
 * with `tower template save --set --serials` start with `tower run
 * --template`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCdrskinStdioAsRoot, makeIso } from '../../../../drivers/test/support/test-images.js';
import type { ImageView, RunView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, tempDir, TOWER_BIN, TowerProcess, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A file of the disc image `file` as xorriso reads it back. */
function fileOn(file: string, discPath: string, out: string): Buffer {
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', discPath, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xorriso could not read ${discPath} from ${file}: ${r.stderr}`);
  return readFileSync(out);
}

describe('a set run with serials on stdio: pseudo drives and simulated drives', () => {
  it('burns 3 numbered sets of 2 discs: every disc of set k carries serial k, each slot counted once', { timeout: 150_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-set-merge-');
    cleanups.push(tmp.cleanup);
    const stdio = [0, 1].map((i) => path.join(tmp.dir, `disc-${i}.img`));
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: {
        id: 'e2e-set-merge', ...FAST.agentTiming,
        drives: stdio.map((d, i) => ({ device: `stdio:${d}`, label: `Disc ${i}`, media: 'CD-R' })),
        simulated: { count: 2, media: 'CD-R', timeScale: 0.01, autoLoader: true, faults: { 0: { writeErrorAt: 40 } } },
      },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const cli = (...args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } =>
      spawnSync(process.execPath, [TOWER_BIN, ...args], { encoding: 'utf8', env: { ...process.env, TOWER_URL: api.url, TOWER_TOKEN: api.token } });

    // Two discs told apart by their payload's size.
    const payloads = [200 * 1024, 300 * 1024];
    const images = payloads.map((payloadBytes, i) => {
      const iso = makeIso(tmp.dir, { name: `set-merge-${i + 1}.iso`, payloadBytes, label: `SETMERGE${i + 1}` });
      const up = cli('images', 'upload', iso, '--name', `Set merge disc ${i + 1}`, '--json');
      expect(up.status, up.stderr).toBe(0);
      return JSON.parse(up.stdout) as ImageView;
    });

    // The range gives the sets: one serial per set.
    const made = cli('run', '--set', images.map((i) => i.id).join(','), '--serials', '01-03', '--json');
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const created = JSON.parse(made.stdout) as RunView;
    expect(created).toMatchObject({ copies: 6, merge: 'serials 01 to 03 in /SERIAL.TXT', set: { discs: 2, sets: 3, setsDone: 0 } });
    const run = await waitForRun(api, created.id, 'completed', 130_000);
    expect(run).toMatchObject({ copies: 6, passed: 6, surplus: 0 });
    expect(run.set?.setsDone).toBe(3);

    const history = await api.history(run.id);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4, 5, 6]);
    // Every attempt, failed ones included, burned its set's serial on its disc's image.
    for (const a of history) {
      const set = Math.ceil(a.copy / 2);
      const disc = ((a.copy - 1) % 2) + 1;
      expect(a.set).toEqual({ set, disc, discs: 2, label: `set ${set} · disc ${disc}/2` });
      expect(a.merge).toEqual({ row: set, label: `serial 0${set}` });
    }
    const counted = history.filter((a) => a.outcome === 'passed' && a.counted);
    expect(counted.every((a) => a.verifyResult === 'passed')).toBe(true);
    // Six discs, six images of their own: none is a plain disc image.
    expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(6);
    expect(counted.some((a) => images.some((i) => i.sha256 === a.imageSha256))).toBe(false);

    // The loader drive's failed disc was redone with its set's serial.
    const failed = history.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    const redo = counted.find((a) => a.copy === failed[0]!.copy)!;
    expect(redo.merge).toEqual(failed[0]!.merge);

    // What a stdio: pseudo disc holds: its last disc, image j's payload with its set's serial.
    const burners = new Set(counted.map((a) => a.driveId).filter((d) => !d.startsWith('sim:')));
    expect(burners.size).toBeGreaterThan(0);
    for (const drive of burners) {
      const last = counted.filter((a) => a.driveId === drive).sort((x, y) => y.startedAt - x.startedAt)[0]!;
      // A stdio: drive's id is its file's path.
      const disc = drive;
      expect(stdio).toContain(disc);
      expect(fileOn(disc, '/SERIAL.TXT', path.join(tmp.dir, `${drive}-serial.txt`)).toString('utf8')).toBe(`0${last.set!.set}\n`);
      expect(fileOn(disc, '/payload.bin', path.join(tmp.dir, `${drive}-payload.bin`)).length).toBe(payloads[last.set!.disc - 1]);
    }

    // The history's CSV gives each disc's row and serial beside its set and place in the set.
    const csv = await (await fetch(`${api.url}/api/runs/${run.id}/report?format=csv`, { headers: { authorization: `Bearer ${api.token}` } })).text();
    const [header, ...lines] = csv.trim().split('\r\n');
    expect(header).toMatch(/,mergeRow,mergeLabel,setNumber,setDisc$/);
    expect(lines).toHaveLength(history.length);
    for (const line of lines) expect(line).toMatch(/,([1-3]),serial 0\1,\1,[12]$/);

    // The CLI refuses a range that is not one serial per set, with one line; nothing is created.
    const bad = cli('run', '--set', images.map((i) => i.id).join(','), '--serials', '1-5', '--sets', '3');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/serials 1-5 are not one per set \(3 sets\)/);
    expect((await api.runs()).map((r) => r.id)).toEqual([run.id]);

    // The same numbered sets as a template: saved and started with the CLI, the run has the saved set and serials.
    const ids = images.map((i) => i.id).join(',');
    const save = cli('template', 'save', 'boxes', '--set', ids, '--copies', '3', '--serials', '01-03', '--verify', 'off');
    expect(save.stderr).toBe('');
    expect(save.status).toBe(0);
    expect(save.stdout).toMatch(/template boxes: 3 sets of 2 discs/);
    expect(save.stdout).toMatch(/serials from 1 to 3, one per set/);
    const started = cli('run', '--template', 'boxes', '--json');
    expect(started.status, started.stderr).toBe(0);
    const fromTemplate = JSON.parse(started.stdout) as RunView;
    expect(fromTemplate).toMatchObject({ copies: 6, verify: 'off', merge: 'serials 01 to 03 in /SERIAL.TXT', set: { discs: 2, sets: 3, imageIds: images.map((i) => i.id) } });
    await waitForRun(api, fromTemplate.id, 'completed', 100_000);
    const again = await api.history(fromTemplate.id);
    expect(countedSlots(again)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const a of again) expect(a.merge?.row).toBe(a.set?.set);
    // Serials that are not one per set are refused when the template is saved.
    const badSave = cli('template', 'save', 'bad', '--set', ids, '--copies', '3', '--serials', '1-6');
    expect(badSave.status).not.toBe(0);
    expect(badSave.stderr).toMatch(/serials 1-6 are not one per set \(3 sets\)/);
  });
});
