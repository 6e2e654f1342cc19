/**
 * `tower run --merge-csv FILE` (issue 15): the CLI reads the CSV and sends
 * its text as `merge.csv`, its rows giving the copies; a CSV it cannot take
 * (malformed, missing, not UTF-8, rows that are not the copies asked for,
 * beside --serials or --template) is one line on stderr, exit 2, nothing sent.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { EXIT } from '../../src/cli/cli-output.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { makeRun } from './fixtures.js';

let tmp: { dir: string; cleanup: () => void };
const CSV = 'name,file:/RECIPIENT/letter.pdf,text:/NOTE.TXT\r\n"Lovelace, Ada",letters/ada.pdf,"Dear Ada,\r\nhello"\r\nAlan,letters/alan.pdf,hi\r\nGrace,letters/grace.pdf,\r\n';
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(tmp.dir, name);
  writeFileSync(p, content);
  return p;
};

beforeAll(() => {
  tmp = makeTempDir('tower-cli-merge-csv-');
});
afterAll(() => tmp?.cleanup());

describe('tower run --merge-csv', () => {
  it('sends the CSV\'s text, its rows giving the copies', async () => {
    const { fetch, sent } = fakeFetch((req) => json(201, makeRun({ id: 'r-csv', ...JSON.parse(req.body ?? '{}') as object })));
    const result = await runCli(['run', 'img-1', '--merge-csv', file('rows.csv', CSV), '--json'], { fetch });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ imageId: 'img-1', copies: 3, merge: { csv: CSV } });
    // --copies may say the same.
    const again = await runCli(['run', 'img-1', '--merge-csv', file('rows.csv', CSV), '--copies', '3'], { fetch });
    expect(again.code).toBe(EXIT.ok);
  });

  it.each([
    ['a malformed CSV', (): string[] => ['--merge-csv', file('bad.csv', 'name,file:/A\nAda,"a.pdf"x\n')], /^tower: --merge-csv .*bad\.csv: line 2: text after a closing quote/],
    ['a ragged row', (): string[] => ['--merge-csv', file('ragged.csv', 'name,file:/A\nAda,a.pdf\nAlan\n')], /ragged\.csv: row 2 \(line 3\) has 1 cells; the header has 2/],
    ['a missing file', (): string[] => ['--merge-csv', path.join(tmp.dir, 'nope.csv')], /^tower: --merge-csv .*nope\.csv: no such file/],
    ['a folder', (): string[] => ['--merge-csv', tmp.dir], /: not a file\n$/],
    ['text that is not UTF-8', (): string[] => ['--merge-csv', file('latin1.csv', Buffer.from('name,file:/A\nJos\xe9,a.pdf\n', 'latin1'))], /latin1\.csv: not UTF-8 text/],
    ['rows that are not the copies', (): string[] => ['--merge-csv', file('rows.csv', CSV), '--copies', '2'], /^tower: --merge-csv has 3 rows, one per disc, but --copies is 2\n$/],
    ['serials beside it', (): string[] => ['--merge-csv', file('rows.csv', CSV), '--serials', '1-3'], /^tower: give --serials or --merge-csv, not both\n$/],
    ['a template beside it', (): string[] => ['--merge-csv', file('rows.csv', CSV), '--template', 'weekly'], /give --template NAME or --merge-csv FILE, not both/],
  ])('refuses %s with one line, exit 2, nothing sent', async (_name, args, message) => {
    const { fetch, sent } = fakeFetch(() => json(201, makeRun()));
    const argv = args();
    const result = await runCli(argv.includes('--template') ? ['run', ...argv] : ['run', 'img-1', ...argv], { fetch });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });
});
