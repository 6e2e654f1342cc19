/**
 * Per-disc data merge end to end (issue 15): `tower start` with three
 * cdrskin `stdio:` pseudo drives, and `tower run --serials 01001-01006`.
 * Each disc gets its own image (the master plus SERIAL.TXT), burned for real
 * and verified against that image; every serial is on exactly one counted
 * disc; what each pseudo disc holds at the end is its last disc's image,
 * with that disc's serial in it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCdrskinStdioAsRoot } from '../../../../drivers/test/support/test-images.js';
import type { RunView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, tempDir, TowerProcess, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const TOWER_BIN = path.resolve(import.meta.dirname, '../../bin/tower.js');

/** SERIAL.TXT as the disc image `file` holds it (xorriso reads it back). */
function serialOn(file: string, dir: string): string {
  const out = path.join(dir, `serial-${createHash('sha1').update(file).digest('hex')}.txt`);
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', '/SERIAL.TXT', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xorriso could not read SERIAL.TXT from ${file}: ${r.stderr}`);
  return readFileSync(out, 'utf8');
}

describe('a merged run on stdio: pseudo drives', () => {
  it('burns serials 01001-01006, one per counted disc, each disc verified against its own image', { timeout: 120_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-merge-');
    cleanups.push(tmp.cleanup);
    const discs = [0, 1, 2].map((i) => path.join(tmp.dir, `disc-${i}.img`));
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      agent: { id: 'e2e-merge', ...FAST.agentTiming, drives: discs.map((d, i) => ({ device: `stdio:${d}`, label: `Disc ${i}`, media: 'CD-R' })) },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const [image] = await api.images();
    if (image === undefined) throw new Error('no sample image');

    // Through the CLI, as an operator would: the range gives the copies.
    const cli = spawnSync(process.execPath, [TOWER_BIN, 'run', image.id, '--serials', '01001-01006', '--json'], {
      encoding: 'utf8', env: { ...process.env, TOWER_URL: api.url, TOWER_TOKEN: api.token },
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const created = JSON.parse(cli.stdout) as RunView;
    expect(created.copies).toBe(6);
    const run = await waitForRun(api, created.id, 'completed', 100_000);
    expect(run).toMatchObject({ copies: 6, passed: 6, surplus: 0 });

    const history = await api.history(run.id);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4, 5, 6]);
    const counted = history.filter((a) => a.outcome === 'passed' && a.counted);
    expect(counted.map((a) => a.merge?.label).sort()).toEqual(['01001', '01002', '01003', '01004', '01005', '01006'].map((s) => `serial ${s}`));
    for (const a of history) expect(a.merge?.row).toBe(a.copy);
    expect(counted.every((a) => a.verifyResult === 'passed')).toBe(true);
    expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(6);
    expect(counted.some((a) => a.imageSha256 === image.sha256)).toBe(false);

    // Each pseudo disc holds the last disc its drive burned: that disc's own image, with its serial.
    for (const disc of new Set(counted.map((a) => a.driveId))) {
      const last = counted.filter((a) => a.driveId === disc).sort((x, y) => y.startedAt - x.startedAt)[0]!;
      const serial = (last.merge?.label ?? '').replace(/^serial /, '');
      expect(serialOn(disc, tmp.dir)).toBe(`${serial}\n`);
    }

    // A range that is not one serial per copy is refused before anything is queued.
    const bad = spawnSync(process.execPath, [TOWER_BIN, 'run', image.id, '--serials', '1-5', '--copies', '4'], {
      encoding: 'utf8', env: { ...process.env, TOWER_URL: api.url, TOWER_TOKEN: api.token },
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/serials 1-5 are not one per copy \(4 copies\)/);
    expect((await api.get<RunView[]>('/api/runs')).map((r) => r.id)).toEqual([run.id]);
  });
});
