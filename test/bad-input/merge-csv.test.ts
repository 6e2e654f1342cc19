/**
 * Bad input of a run's merge CSV (`POST /api/runs` with `merge.csv`, issue
 * 15) over the real app (apps/controller/test/api/support.ts): malformed
 * CSV (quotes, line ends, NUL), bad headers (duplicates, unsafe paths on the
 * disc, no file column), empty and ragged rows, rows that are not one per
 * copy, source files that escape the import roots (`..`, absolute, a link
 * out, a folder, missing), files too large for the media, a CSV over its
 * cap, serials and a CSV together, and unknown fields. Each gets a clear 400
 * naming the row and column where it is one cell's fault, and changes
 * nothing: no run, no job, no run metadata, no rows in Redis, no folder of
 * copied files, no audit entry.
 */
import { mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, queuedCopies, startEnv } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';

let env: Env;
let mergeDir = '';
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  mergeDir = path.join(env.dir, 'merge-runs');
  mkdirSync(path.join(env.importRoot, 'letters', 'folder'), { recursive: true });
  writeFileSync(path.join(env.importRoot, 'letters', 'a.pdf'), 'letter a');
  writeFileSync(path.join(env.importRoot, 'letters', 'b.pdf'), 'letter b');
  writeFileSync(path.join(env.dir, 'secret.txt'), 'not for a disc');
  symlinkSync(path.join(env.dir, 'secret.txt'), path.join(env.importRoot, 'letters', 'link-out.pdf'));
  // Too large for a CD beside the image (sparse: no disk used).
  writeFileSync(path.join(env.importRoot, 'letters', 'huge.bin'), '');
  truncateSync(path.join(env.importRoot, 'letters', 'huge.bin'), 900 * 1000 ** 2);
});
afterAll(async () => env?.stop());

/** Everything a refused request must leave as it was. */
async function state(): Promise<unknown> {
  return {
    runs: await env.runStore.listRunIds(),
    queued: await queuedCopies(env),
    keys: (await env.redis.keys('tower:run*')).sort(),
    audit: await env.redis.llen('tower:audit'),
    copied: readdirSync(env.dir).includes('merge-runs') ? readdirSync(mergeDir, { recursive: true }) : [],
  };
}

const H = 'name,file:/RECIPIENT/letter.pdf';
/** A run of two copies with `csv` as its merge CSV. */
const run = (csv: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ imageId: env.image.id, copies: 2, merge: { csv }, ...extra });

const CASES: { readonly name: string; readonly body: () => unknown; readonly field: string; readonly message: RegExp }[] = [
  { name: 'a quote inside an unquoted field', body: () => run(`${H}\nA"da,letters/a.pdf\nAlan,letters/b.pdf`), field: 'merge.csv', message: /^merge CSV: line 2: a quote inside an unquoted field/ },
  { name: 'a quoted field never closed', body: () => run(`${H}\n"Ada,letters/a.pdf\nAlan,letters/b.pdf`), field: 'merge.csv', message: /^merge CSV: line 2: a quoted field is not closed/ },
  { name: 'text after a closing quote', body: () => run(`${H}\n"Ada"x,letters/a.pdf\nAlan,letters/b.pdf`), field: 'merge.csv', message: /line 2: text after a closing quote/ },
  { name: 'a lone carriage return', body: () => run(`${H}\rAda,letters/a.pdf\nAlan,letters/b.pdf`), field: 'merge.csv', message: /line 1: a carriage return without a line feed/ },
  { name: 'a NUL byte', body: () => run(`${H}\nAda\0,letters/a.pdf\nAlan,letters/b.pdf`), field: 'merge.csv', message: /line 2: a NUL character/ },
  { name: 'a header only', body: () => run(`${H}\n`), field: 'merge.csv', message: /a header but no rows/ },
  { name: 'duplicate headers', body: () => run('name,file:/A,name\nx,letters/a.pdf,y\nx,letters/b.pdf,y'), field: 'merge.csv', message: /column 3 "name" repeats column 1/ },
  { name: 'two columns at one path on the disc', body: () => run('file:/A,text:/A\nletters/a.pdf,y\nletters/b.pdf,y'), field: 'merge.csv', message: /column 2 "text:\/A" puts a second file at \/A/ },
  { name: 'a path on the disc with ..', body: () => run('file:/../etc/passwd\nletters/a.pdf\nletters/b.pdf'), field: 'merge.csv', message: /column 1 "file:\/..\/etc\/passwd": not a file path on the disc/ },
  { name: 'no file column', body: () => run('name,city\nAda,London\nAlan,Wilmslow'), field: 'merge.csv', message: /names no file for the discs/ },
  { name: 'an empty row', body: () => run(`${H}\nAda,letters/a.pdf\n\nAlan,letters/b.pdf`, { copies: 3 }), field: 'merge.csv', message: /row 2 \(line 3\) is empty/ },
  { name: 'a ragged row', body: () => run(`${H}\nAda,letters/a.pdf\nAlan`), field: 'merge.csv', message: /row 2 \(line 3\) has 1 cells; the header has 2/ },
  { name: 'a file cell left empty', body: () => run(`${H}\nAda,letters/a.pdf\nAlan,`), field: 'merge.csv', message: /row 2 \(line 3\), column 2 "file:\/RECIPIENT\/letter.pdf": no source file named/ },
  { name: 'more rows than copies', body: () => run(`${H}\nAda,letters/a.pdf\nAlan,letters/b.pdf\nGrace,letters/a.pdf`), field: 'copies', message: /the merge CSV has 3 rows, one per disc: copies must be 3, not 2/ },
  { name: 'a source with ..', body: () => run(`${H}\nAda,letters/a.pdf\nAlan,letters/../../secret.txt`), field: 'merge.csv', message: /row 2 \(line 3\), column 2 "file:\/RECIPIENT\/letter.pdf": "letters\/..\/..\/secret.txt" is refused: the path contains '..'/ },
  { name: 'a source outside the import roots', body: () => run(`${H}\nAda,/etc/passwd\nAlan,letters/b.pdf`), field: 'merge.csv', message: /row 1 \(line 2\), column 2 .*"\/etc\/passwd" is refused: the path is outside the import roots/ },
  { name: 'a source that is a link out of the roots', body: () => run(`${H}\nAda,letters/a.pdf\nAlan,letters/link-out.pdf`), field: 'merge.csv', message: /row 2 \(line 3\), column 2 .*is refused: the path leads \(through a link\) outside the import roots/ },
  { name: 'a missing source', body: () => run(`${H}\nAda,letters/a.pdf\nAlan,letters/nope.pdf`), field: 'merge.csv', message: /row 2 \(line 3\), column 2 .*"letters\/nope.pdf" is refused: no such file/ },
  { name: 'a folder as a source', body: () => run(`${H}\nAda,letters/folder\nAlan,letters/b.pdf`), field: 'merge.csv', message: /row 1 \(line 2\), column 2 .*is refused: not a regular file/ },
  { name: 'a source too large for the media', body: () => run(`${H}\nAda,letters/a.pdf\nAlan,letters/huge.bin`), field: 'merge.csv', message: /row 2 \(line 3\): its files \(\d+ bytes\) and the image \(\d+ bytes\) do not fit on cd media/ },
  { name: 'serials and a CSV', body: () => ({ imageId: env.image.id, copies: 2, merge: { csv: `${H}\nAda,letters/a.pdf\nAlan,letters/b.pdf`, serials: { first: 1 } } }), field: 'merge', message: /serials or a csv, not both/ },
  { name: 'an empty merge', body: () => ({ imageId: env.image.id, copies: 2, merge: {} }), field: 'merge', message: /serials or a csv/ },
];

describe('merge CSV bad input: a clear 400, nothing changed', () => {
  it.each(CASES)('$name', async (c) => {
    const before = await state();
    const res = await call(env, 'POST', '/api/runs', { body: c.body() });
    expect(res.status, res.text.slice(0, 500)).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_INPUT');
    expect(res.body.error?.field).toBe(c.field);
    expect(res.body.error?.message).toMatch(c.message);
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await state()).toEqual(before);
  });

  it.each([
    ['a CSV over 512 KiB', (): unknown => run(`${H}\n${'x'.repeat(600 * 1024)},letters/a.pdf\nAlan,letters/b.pdf`)],
    ['a CSV that is not text', (): unknown => run(42 as unknown as string)],
    ['an empty CSV', (): unknown => run('')],
    ['an unknown field beside the CSV', (): unknown => ({ imageId: env.image.id, copies: 2, merge: { csv: `${H}\nAda,letters/a.pdf\nAlan,letters/b.pdf`, dir: '/tmp' } })],
  ])('%s is refused by the schema', async (_name, body) => {
    const before = await state();
    const res = await call(env, 'POST', '/api/runs', { body: body() });
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_INPUT');
    expect(await state()).toEqual(before);
  });

  it('takes a good CSV after all of them, its files copied into the run\'s folder', async () => {
    const res = await call(env, 'POST', '/api/runs', { body: run(`${H},text:/NOTE.TXT\n"Lovelace, Ada",letters/a.pdf,"Dear Ada,\nhello"\nAlan,letters/b.pdf,hi`) });
    expect(res.status, res.text.slice(0, 300)).toBe(201);
    expect(res.body.merge).toBe('2 CSV rows (name, file:/RECIPIENT/letter.pdf, text:/NOTE.TXT)');
    expect(readdirSync(path.join(mergeDir, res.body.id, 'files')).sort()).toEqual(['1-a.pdf', '2-b.pdf']);
    expect(await env.redis.hlen(`tower:run:${res.body.id}:merge-rows`)).toBe(2);
    const row = JSON.parse((await env.redis.hget(`tower:run:${res.body.id}:merge-rows`, '1')) ?? '{}');
    expect(row).toMatchObject({
      row: 1, label: 'row 1 · Lovelace, Ada', fields: { name: 'Lovelace, Ada' },
      files: [{ discPath: '/NOTE.TXT', text: 'Dear Ada,\nhello' }],
      sources: [{ discPath: '/RECIPIENT/letter.pdf', source: path.join(mergeDir, res.body.id, 'files', '1-a.pdf') }],
    });
    expect(await queuedCopies(env)).toBe(2);
  });
});
