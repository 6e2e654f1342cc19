/**
 * Per-disc rows from a CSV end to end (issue 15): `tower start` with three
 * cdrskin `stdio:` pseudo drives and an import root, and `tower run
 * --merge-csv rows.csv` (the CLI reads the file and sends it). Each row
 * names a letter inside the import root (copied into the run's folder
 * under the data dir when the run is made), a text file and fields; each
 * disc gets its own image (the master plus its row's files), burned for
 * real and verified against it; every row is on exactly one counted disc,
 * labelled `row k · <name>`; a source changed after the run was made
 * changes no disc. A CSV naming a file outside the import roots is refused
 * with its row and column, and nothing is made.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

/** A file's bytes as the disc image `file` holds it (xorriso reads it back). */
function fileOn(file: string, discPath: string, dir: string): Buffer {
  const out = path.join(dir, `extract-${createHash('sha1').update(file + discPath).digest('hex')}`);
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', discPath, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xorriso could not read ${discPath} from ${file}: ${r.stderr}`);
  return readFileSync(out);
}

const PEOPLE = [['Ada Lovelace', 'London'], ['Alan Turing', 'Wilmslow, Cheshire'], ['Grace "Amazing" Hopper', 'Arlington'], ['Edsger Dijkstra', 'Nuenen']] as const;

describe('a run of CSV rows on stdio: pseudo drives', () => {
  it('burns each row\'s files on exactly one counted disc, each verified against its own image', { timeout: 120_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-rows-');
    cleanups.push(tmp.cleanup);
    const root = path.join(tmp.dir, 'import');
    mkdirSync(path.join(root, 'letters'), { recursive: true });
    const letters = PEOPLE.map(([name], i) => {
      const bytes = Buffer.concat([Buffer.from(`%PDF-1.4 letter to ${name}\n`), Buffer.alloc(2000 + 700 * i, 0x41 + i)]);
      writeFileSync(path.join(root, 'letters', `letter-${i + 1}.pdf`), bytes);
      return bytes;
    });
    const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;
    const csvFile = path.join(tmp.dir, 'rows.csv');
    writeFileSync(csvFile, [
      'name,city,file:/RECIPIENT/letter.pdf,text:/RECIPIENT/ADDRESS.TXT',
      ...PEOPLE.map(([name, city], i) => `${q(name)},${q(city)},letters/letter-${i + 1}.pdf,${q(`${name}\r\n${city}\r\n`)}`),
    ].join('\r\n') + '\r\n');
    const discs = [0, 1, 2].map((i) => path.join(tmp.dir, `disc-${i}.img`));
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data',
      http: FAST.http,
      tokens: FAST.tokens,
      controller: FAST.controller,
      library: { importRoots: ['import'] },
      agent: { id: 'e2e-rows', ...FAST.agentTiming, drives: discs.map((d, i) => ({ device: `stdio:${d}`, label: `Disc ${i}`, media: 'CD-R' })) },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const [image] = await api.images();
    if (image === undefined) throw new Error('no sample image');
    const cliEnv = { ...process.env, TOWER_URL: api.url, TOWER_TOKEN: api.token };

    // A CSV naming a file outside the import root (through a link) is refused, naming the row and column; nothing is made.
    symlinkSync(path.join(tmp.dir, 'tower.json'), path.join(root, 'letters', 'escape.pdf'));
    const badCsv = path.join(tmp.dir, 'bad.csv');
    writeFileSync(badCsv, 'name,file:/RECIPIENT/letter.pdf\nAda,letters/letter-1.pdf\nAlan,letters/escape.pdf\n');
    const bad = spawnSync(process.execPath, [TOWER_BIN, 'run', image.id, '--merge-csv', badCsv], { encoding: 'utf8', env: cliEnv });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/row 2 \(line 3\), column 2 "file:\/RECIPIENT\/letter\.pdf": "letters\/escape\.pdf" is refused: the path leads \(through a link\) outside the import roots/);
    expect(await api.get<RunView[]>('/api/runs')).toEqual([]);
    expect(existsSync(path.join(tmp.dir, 'data', 'merge-runs')) ? readdirSync(path.join(tmp.dir, 'data', 'merge-runs')) : []).toEqual([]);

    // Through the CLI, as an operator would: the rows give the copies.
    const cli = spawnSync(process.execPath, [TOWER_BIN, 'run', image.id, '--merge-csv', csvFile, '--json'], { encoding: 'utf8', env: cliEnv });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const created = JSON.parse(cli.stdout) as RunView;
    expect(created.copies).toBe(4);
    expect(created.merge).toBe('4 CSV rows (name, city, file:/RECIPIENT/letter.pdf, text:/RECIPIENT/ADDRESS.TXT)');
    // The sources change once the run is made: the discs keep what the run copied.
    for (let i = 1; i <= 4; i++) writeFileSync(path.join(root, 'letters', `letter-${i}.pdf`), 'changed after the run was made');
    expect(readdirSync(path.join(tmp.dir, 'data', 'merge-runs', created.id, 'files')).sort()).toEqual(['1-letter-1.pdf', '2-letter-2.pdf', '3-letter-3.pdf', '4-letter-4.pdf']);

    const run = await waitForRun(api, created.id, 'completed', 100_000);
    expect(run).toMatchObject({ copies: 4, passed: 4, surplus: 0 });
    const history = await api.history(run.id);
    expect(countedSlots(history)).toEqual([1, 2, 3, 4]);
    const counted = history.filter((a) => a.outcome === 'passed' && a.counted);
    expect(counted.map((a) => a.merge?.label).sort()).toEqual(PEOPLE.map(([name], i) => `row ${i + 1} · ${name}`).sort());
    for (const a of history) expect(a.merge?.row).toBe(a.copy);
    expect(counted.every((a) => a.verifyResult === 'passed')).toBe(true);
    expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(4);
    expect(counted.some((a) => a.imageSha256 === image.sha256)).toBe(false);

    // Each pseudo disc holds the last disc its drive burned: its row's letter (as it was when the run was made) and address.
    for (const disc of new Set(counted.map((a) => a.driveId))) {
      const last = counted.filter((a) => a.driveId === disc).sort((x, y) => y.startedAt - x.startedAt)[0]!;
      const k = last.merge?.row ?? 0;
      const [name, city] = PEOPLE[k - 1]!;
      expect(fileOn(disc, '/RECIPIENT/letter.pdf', tmp.dir).equals(letters[k - 1]!)).toBe(true);
      expect(fileOn(disc, '/RECIPIENT/ADDRESS.TXT', tmp.dir).toString()).toBe(`${name}\r\n${city}\r\n`);
    }

    // The history's CSV says which row each disc carries, beside its image's SHA-256.
    const csv = await (await fetch(`${api.url}/api/runs/${run.id}/report?format=csv`, { headers: { authorization: `Bearer ${api.token}` } })).text();
    const [header, ...lines] = csv.trim().split('\r\n');
    expect(header).toMatch(/,imageSha256,.*,mergeRow,mergeLabel,setNumber,setDisc$/);
    expect(lines.filter((l) => l.includes(',row 1 · Ada Lovelace'))).not.toEqual([]);
  });
});
