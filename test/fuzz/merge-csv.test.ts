/**
 * Property-based fuzzing (fast-check, fixed seeds) of the merge CSV reader
 * (apps/controller/src/shared/merge-csv.ts, issue 15): any records written
 * out as RFC 4180 (quoted when they must be, or at random, CRLF or LF, with
 * or without a last line break) read back as they were; a merge CSV cut,
 * spliced and sprinkled with quotes, commas, line breaks and NULs, and plain
 * random text, is read or refused with a `MergeCsvError`, never anything
 * else, and what is read keeps the reader's promises (a row per line start,
 * one cell per column, paths on the disc that are safe).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMergeDiscPath, MergeCsvError, parseCsvRecords, parseMergeCsv } from '../../apps/controller/src/shared/merge-csv.js';
import { isSafeDiscPath } from '../../drivers/src/image/merged-iso.js';

/** Base seed: every property gets its own seed from it, so CI is reproducible. */
const SEED = 20_261_203;
const RUNS = 1000;

let seedNo = 0;
/**
 * Run a property with a fixed seed; with `refusals`, a `MergeCsvError` is a
 * fine answer (a refusal), anything else thrown fails it. Returns the runs
 * whose input was read (not refused).
 */
function check<T>(name: string, arb: fc.Arbitrary<T>, body: (value: T) => void, numRuns = RUNS, refusals = true): number {
  const seed = SEED + ++seedNo;
  let read = 0;
  fc.assert(fc.property(arb, (v) => {
    try {
      body(v);
      read++;
    } catch (err) {
      if (refusals && err instanceof MergeCsvError) return;
      throw err;
    }
  }), { seed, numRuns, endOnFailure: true });
  console.log(`fuzz ${name}: ${numRuns} runs, ${read} read (seed ${seed})`);
  return read;
}

/** Characters that matter to CSV, and some that do not. */
const CHAR = fc.oneof(
  fc.constantFrom(',', '"', '\r', '\n', ' ', '/', ':', '.', '\t', 'é', '😀', '\uFEFF'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);
const cell = fc.string({ unit: CHAR, maxLength: 12 });

/** One cell as RFC 4180 writes it: quoted when it must be, or when `force`. */
function field(text: string, force: boolean): string {
  return force || /[",\r\n]/.test(text) || text.startsWith('\uFEFF') ? `"${text.replaceAll('"', '""')}"` : text;
}

describe('the merge CSV reader, fuzzed', () => {
  it('reads back any records written as RFC 4180', () => {
    const records = fc.array(fc.array(fc.tuple(cell, fc.boolean()), { minLength: 1, maxLength: 5 }), { maxLength: 6 });
    check('records round trip', fc.tuple(records, fc.constantFrom('\r\n', '\n'), fc.boolean()), ([rows, eol, last]) => {
      // A record of one empty cell is written `""`: an empty line at the end would be the last line break.
      const text = rows.map((r) => r.map(([t, q], _i, all) => field(t, q || (all.length === 1 && t === ''))).join(',')).join(eol) + (last && rows.length > 0 ? eol : '');
      const read = parseCsvRecords(text);
      expect(read.records).toEqual(rows.map((r) => r.map(([t]) => t)));
      expect(read.lines).toHaveLength(rows.length);
      read.lines.forEach((line, i) => expect(line).toBeGreaterThan(i === 0 ? 0 : read.lines[i - 1]!));
    }, RUNS, false);
  });

  it('reads or refuses (MergeCsvError) any text, and what it reads keeps its promises', () => {
    // Merge CSVs the reader may take (a header with a file, rows of its width), and headers and rows of anything.
    const columns = fc.uniqueArray(fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('name', 'city', 'file:/RECIPIENT/letter.pdf', 'text:/NOTE.TXT', 'file:/A', 'text:/B/C', 'n-2') },
      { weight: 1, arbitrary: fc.constantFrom('file:/../x', 'text:/A', 'file:/B', 'first name', '') },
      { weight: 1, arbitrary: fc.string({ unit: CHAR, maxLength: 10 }) },
    ), { minLength: 1, maxLength: 5 });
    const plain = fc.stringMatching(/^[a-z0-9 ,."é/-]{1,10}$/);
    const merge = columns.chain((h) => fc.tuple(
      fc.constant(h),
      fc.array(fc.array(fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: cell }), { minLength: h.length, maxLength: h.length + (h.length > 3 ? 1 : 0) }), { minLength: 0, maxLength: 5 }),
      fc.constantFrom('\r\n', '\n'),
    ));
    const texts = fc.oneof(
      { weight: 4, arbitrary: merge.map(([h, rows, eol]) => [h.map((c) => field(c, false)).join(','), ...rows.map((r) => r.map((c) => field(c, false)).join(','))].join(eol)) },
      { weight: 1, arbitrary: fc.string({ unit: CHAR, maxLength: 200 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    );
    const edit = fc.tuple(fc.nat(), fc.oneof(fc.constantFrom('"', ',', '\r', '\n', '\0', '""', ''), cell));
    // And mutated: a piece cut out, or a character put in, at random places.
    const mutated = fc.tuple(texts, fc.oneof(fc.constant([]), fc.array(edit, { maxLength: 4 }))).map(([t, edits]) =>
      edits.reduce((s, [at, put]) => {
        const i = s.length === 0 ? 0 : at % (s.length + 1);
        return put === '' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + put + s.slice(i);
      }, t));
    const read = check('merge CSV text', mutated, (text) => {
      const csv = parseMergeCsv(text);
      expect(csv.rows.length).toBeGreaterThan(0);
      expect(csv.lines).toHaveLength(csv.rows.length);
      for (const row of csv.rows) expect(row).toHaveLength(csv.columns.length);
      const paths = csv.columns.flatMap((c) => (c.kind === 'field' ? [] : [c.discPath]));
      expect(paths.length).toBeGreaterThan(0);
      expect(new Set(paths).size).toBe(paths.length);
      // The reader's check of a path on the disc is the drivers' (the one the disc's image is built with).
      for (const p of paths) expect(isMergeDiscPath(p) && isSafeDiscPath(p)).toBe(true);
      for (const [i, row] of csv.rows.entries()) {
        expect(row.every((c) => c === '')).toBe(false);
        row.forEach((c, k) => {
          const col = csv.columns[k]!;
          if (col.kind !== 'text') expect(/\p{Cc}/u.test(c), `row ${i + 1} column ${k + 1}`).toBe(false);
          if (col.kind === 'file') expect(c).not.toBe('');
        });
      }
    }, 3000);
    // Enough of them are merge CSVs the reader takes for its promises to have been put to the test.
    expect(read).toBeGreaterThan(100);
  });

  it('agrees with the drivers on which paths on the disc are safe', () => {
    const segment = fc.oneof(fc.constantFrom('.', '..', '', 'a', 'SERIAL.TXT', 'x\\y', 'tab\t'), fc.string({ unit: CHAR, maxLength: 8 }));
    const discPath = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 4 })).map(([abs, parts]) => `${abs ? '/' : ''}${parts.join('/')}`);
    check('disc paths', discPath, (p) => expect(isMergeDiscPath(p)).toBe(isSafeDiscPath(p)));
  });
});
