/**
 * A run of rows (issue 15, a CSV's as the controller hands them over): each
 * copy slot's disc gets its own row's files, copied from local files and
 * given as text, built into its own image just before the burn and
 * verified against it. The rows live in a Redis key of their own (the
 * run's hash holds only their count and columns); slot k always carries
 * row k (a replacement job reads it back), so a failed disc's row is burned
 * again on the next disc, and what
 * each counted disc holds (read back with xorriso) is its row's files.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisSchema, RunValidationError, validateRun } from '../src/index.js';
import type { MergeRowRequest } from '../src/index.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';

let env: RedisEnv;
let tower: Tower | null = null;

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(tower?.errors ?? []).toEqual([]);
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

/** A file's bytes as the disc image `iso` holds it (xorriso reads it back). */
function extract(iso: string, discPath: string, out: string): Buffer {
  const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', discPath, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xorriso could not read ${discPath} from ${iso}: ${r.stderr}`);
  return readFileSync(out);
}

const NAMES = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'];

/** Six rows: a letter of its own (a local file), the name as a text file, and fields. */
function rows(dir: string): MergeRowRequest[] {
  mkdirSync(dir, { recursive: true });
  return NAMES.map((name, i) => {
    const letter = path.join(dir, `letter-${i + 1}.pdf`);
    writeFileSync(letter, Buffer.concat([Buffer.from(`%PDF letter for ${name}\n`), Buffer.alloc(3000 + i * 517, i + 1)]));
    return {
      fields: { name, city: `City ${i + 1}` },
      files: [{ discPath: '/RECIPIENT/NAME.TXT', text: `${name}\n` }],
      sources: [{ discPath: '/RECIPIENT/letter.pdf', source: letter }],
    };
  });
}

describe('a run of rows', () => {
  it('burns each row on exactly one counted disc of its own, with its row\'s files, a failed disc\'s row again on the next', async () => {
    const staging = path.join(env.dir, 'staging-rows');
    const saved = path.join(env.dir, 'burned');
    mkdirSync(saved, { recursive: true });
    tower = await startTower(env.server.url, 2, { worker: { stagingDir: staging } });
    tower.drives[0]!.setFaults({ writeError: { atPercent: 50 } });
    // While a disc is verified, its own image is still there: keep a copy of it, by copy slot.
    const shown: string[] = [];
    const missing: string[] = [];
    tower.workers.forEach((w, i) => w.on('state', (s) => {
      if (s.discLabel !== undefined && (s.state === 'burning' || s.state === 'done')) shown.push(`${s.copy ?? 0}:${s.discLabel}`);
      const image = tower!.drives[i]!.disc?.content?.path;
      if (s.state !== 'verifying' || image === null || image === undefined || s.copy === undefined) return;
      if (existsSync(image)) copyFileSync(image, path.join(saved, `copy-${s.copy}.iso`));
      else missing.push(image);
    }));
    const input = rows(path.join(env.dir, 'rows'));
    // One attempt per job: the failed copy is replaced, and its replacement job reads its slot's row back from Redis.
    const replaced: number[] = [];
    tower.planner.on('copy:replaced', (r) => replaced.push(r.copy));
    const run = await tower.planner.createRun(runInput(env.image, { copies: 6, maxAttemptsPerCopy: 1, merge: { rows: input, columns: ['name', 'city', 'text:/RECIPIENT/NAME.TXT', 'file:/RECIPIENT/letter.pdf'] } }));

    // The run's hash holds the count and columns; the rows are in their own key, one per slot.
    const keys = new RedisSchema();
    expect(JSON.parse((await env.client.hget(keys.run(run.id), 'merge')) ?? '{}')).toEqual({
      kind: 'rows', rows: 6, columns: ['name', 'city', 'text:/RECIPIENT/NAME.TXT', 'file:/RECIPIENT/letter.pdf'],
    });
    expect(await env.client.hlen(keys.runMergeRows(run.id))).toBe(6);
    expect(await tower.planner.store.slotMerge(run, 4)).toMatchObject({ row: 4, label: 'row 4 · Edsger Dijkstra', fields: { name: 'Edsger Dijkstra', city: 'City 4' } });

    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');
    const attempts = await tower.planner.store.listAttempts(run.id);
    const counted = attempts.filter((a) => a.counted === true);
    expect(counted.map((a) => a.merge?.label).sort()).toEqual(NAMES.map((n, i) => `row ${i + 1} · ${n}`).sort());
    for (const a of attempts) expect(a.merge?.row).toBe(a.copy);
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === a.imageSha256)).toBe(true);
    expect(new Set(counted.map((a) => a.imageSha256)).size).toBe(6);
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(counted.some((a) => a.copy === failed[0]!.copy && a.startedAt > failed[0]!.startedAt)).toBe(true);
    expect(replaced).toEqual([failed[0]!.copy]);
    for (let copy = 1; copy <= 6; copy++) expect(shown).toContain(`${copy}:row ${copy} · ${NAMES[copy - 1]}`);

    // Each disc holds its own row's files: the letter byte for byte, the name as text, the master's files beside them.
    expect(missing).toEqual([]);
    for (let copy = 1; copy <= 6; copy++) {
      const iso = path.join(saved, `copy-${copy}.iso`);
      const letter = extract(iso, '/RECIPIENT/letter.pdf', path.join(saved, `letter-${copy}.pdf`));
      expect(letter.equals(readFileSync(input[copy - 1]!.sources![0]!.source))).toBe(true);
      expect(extract(iso, '/RECIPIENT/NAME.TXT', path.join(saved, `name-${copy}.txt`)).toString()).toBe(`${NAMES[copy - 1]}\n`);
    }
    expect(spawnSync('ls', ['-A', staging], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });

  it('is refused when its rows are not one per copy or give a disc a bad file', () => {
    const bad = (merge: object, copies = 2): string => {
      try {
        validateRun(runInput(env.image, { copies, merge }));
        return 'accepted';
      } catch (err) {
        return err instanceof RunValidationError ? `${err.field}: ${err.message}` : String(err);
      }
    };
    const row = (over: Partial<MergeRowRequest> = {}): MergeRowRequest => ({ fields: { name: 'x' }, files: [{ discPath: '/A.TXT', text: 'a' }], ...over });
    expect(bad({ rows: [row()] })).toBe('merge.rows: 1 rows are not one per copy (2 copies)');
    expect(bad({ rows: [row(), row({ files: [] })] })).toMatch(/^merge\.rows\[1\]: row 2 gives its disc no file/);
    expect(bad({ rows: [row(), row({ files: [{ discPath: '/../A', text: 'a' }] })] })).toMatch(/^merge\.rows\[1\]\.files\[0\]\.discPath/);
    expect(bad({ rows: [row(), row({ sources: [{ discPath: '/A.TXT', source: '/tmp/a' }] })] })).toMatch(/^merge\.rows\[1\]\.sources\[0\]\.discPath: row 2: \/A\.TXT is given twice/);
    expect(bad({ rows: [row(), row({ sources: [{ discPath: '/B', source: 'relative/a' }] })] })).toMatch(/^merge\.rows\[1\]\.sources\[0\]\.source/);
    expect(bad({ rows: [row(), row({ fields: { 'bad name': 'x' } })] })).toMatch(/^merge\.rows\[1\]\.fields: row 2: a field name/);
    expect(bad({ rows: [row(), row()], serials: { first: 1 } })).toBe('merge: a merge has serials or rows, not both');
    expect(bad({ rows: [row(), row({ fields: {} })] })).toBe('accepted');
  });
});
