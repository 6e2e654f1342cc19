/**
 * The merge CSV reader (issue 15): RFC 4180 records (quotes, doubled quotes,
 * line breaks inside quotes, CRLF and LF, a BOM), the header's columns
 * (file:/PATH, text:/PATH, field names) and every refusal naming the row,
 * line and column at fault.
 */
import { describe, expect, it } from 'vitest';
import {
  MERGE_CSV_MAX_BYTES, MERGE_CSV_MAX_COLUMNS, MERGE_CSV_MAX_ROWS, MergeCsvError, parseCsvRecords, parseMergeCsv,
} from '../../src/shared/merge-csv.js';

/** The message `parseMergeCsv` refuses `text` with. */
function refusal(text: string): string {
  try {
    parseMergeCsv(text);
  } catch (err) {
    if (err instanceof MergeCsvError) return err.message;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(text.slice(0, 80))}`);
}

describe('parseCsvRecords', () => {
  it('reads RFC 4180: quoted fields with commas, doubled quotes and line breaks, CRLF or LF, an optional last line break', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\n1,,3';
    expect(parseCsvRecords(text)).toEqual({
      records: [['a', 'b', 'c'], ['x, y', 'say "hi"', 'two\r\nlines'], ['1', '', '3']],
      lines: [1, 2, 4],
    });
    expect(parseCsvRecords('a,b\n').records).toEqual([['a', 'b']]);
    expect(parseCsvRecords('a,\n,b\n').records).toEqual([['a', ''], ['', 'b']]);
    expect(parseCsvRecords('""').records).toEqual([['']]);
    expect(parseCsvRecords('').records).toEqual([]);
    expect(parseCsvRecords('\uFEFFname\nAda').records).toEqual([['name'], ['Ada']]);
  });

  it('refuses a quote out of place, an unclosed quote, a lone CR and a NUL, naming the line', () => {
    const bad = (text: string): string => {
      try {
        parseCsvRecords(text);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad('a,b\nx"y,z')).toMatch(/^line 2: a quote inside an unquoted field/);
    expect(bad('a\n"abc"d')).toMatch(/^line 2: text after a closing quote/);
    expect(bad('a\n\n"open,\nstill open')).toMatch(/^line 3: a quoted field is not closed/);
    expect(bad('a\rb')).toMatch(/^line 1: a carriage return without a line feed/);
    expect(bad('a\nb\0')).toMatch(/^line 2: a NUL character/);
    expect(bad('a\nb\nc\nd')).toBe('accepted');
    expect(() => parseCsvRecords('a\nb\nc\nd', 3)).toThrow(/more than 2 rows/);
  });
});

describe('parseMergeCsv', () => {
  it('reads the header into file, text and field columns, and the rows (row k is copy k)', () => {
    const csv = parseMergeCsv('name,file:/RECIPIENT/letter.pdf,text:/RECIPIENT/NAME.TXT,city\r\nAda,letters/ada.pdf,"Ada\nLovelace",London\r\nAlan,letters/alan.pdf,Alan Turing,"Wilmslow, Cheshire"\r\n');
    expect(csv.columns).toEqual([
      { kind: 'field', header: 'name', name: 'name' },
      { kind: 'file', header: 'file:/RECIPIENT/letter.pdf', discPath: '/RECIPIENT/letter.pdf' },
      { kind: 'text', header: 'text:/RECIPIENT/NAME.TXT', discPath: '/RECIPIENT/NAME.TXT' },
      { kind: 'field', header: 'city', name: 'city' },
    ]);
    expect(csv.rows).toEqual([
      ['Ada', 'letters/ada.pdf', 'Ada\nLovelace', 'London'],
      ['Alan', 'letters/alan.pdf', 'Alan Turing', 'Wilmslow, Cheshire'],
    ]);
    expect(csv.lines).toEqual([2, 4]);
    // A text cell may be empty (an empty file), and hold any text but NUL.
    expect(parseMergeCsv('text:/A.TXT,n\n,x\n').rows).toEqual([['', 'x']]);
  });

  it('refuses a bad header, naming the column', () => {
    expect(refusal('')).toMatch(/the CSV is empty/);
    expect(refusal('name,file:/X.PDF')).toMatch(/a header but no rows/);
    expect(refusal('name,city\nAda,London')).toMatch(/names no file for the discs/);
    expect(refusal('name,file:/A,name\nx,y,z')).toMatch(/^column 3 "name" repeats column 1/);
    expect(refusal('file:/A,text:/A\nx,y')).toMatch(/^column 2 "text:\/A" puts a second file at \/A \(column 1\)/);
    expect(refusal('file:/A,text:/A/B.TXT\nx,y')).toMatch(/^column 2 "text:\/A\/B.TXT" puts a file inside \/A/);
    for (const path of ['/../etc/passwd', 'RELATIVE.TXT', '/a//b', '/a/./b', '/tab\there', '/back\\slash', `/${'x'.repeat(241)}`]) {
      expect(refusal(`file:${path}\nx`)).toMatch(/^column 1 .*not a file path on the disc/);
    }
    expect(refusal('first name,file:/A\nx,y')).toMatch(/^column 1 "first name": a column is file:\/PATH, text:\/PATH or a field name/);
    expect(refusal('FILE:/A\nx')).toMatch(/^column 1 "FILE:\/A"/);
    expect(refusal(`${Array.from({ length: MERGE_CSV_MAX_COLUMNS + 1 }, (_, i) => `f${i}`).join(',')}\n`)).toMatch(/at most 64/);
  });

  it('refuses bad rows, naming the row, line and column', () => {
    expect(refusal('name,file:/A\nAda,a.pdf\n\nAlan,b.pdf')).toMatch(/^row 2 \(line 3\) is empty/);
    expect(refusal('name,file:/A\nAda,a.pdf\n,\n')).toMatch(/^row 2 \(line 3\) is empty/);
    expect(refusal('name,file:/A\nAda,a.pdf\nAlan')).toMatch(/^row 2 \(line 3\) has 1 cells; the header has 2/);
    expect(refusal('name,file:/A\nAda,a.pdf,extra')).toMatch(/^row 1 \(line 2\) has 3 cells/);
    expect(refusal('name,file:/A\nAda,')).toMatch(/^row 1 \(line 2\), column 2 "file:\/A": no source file named/);
    expect(refusal('name,file:/A\n"Ada\nLovelace",a.pdf')).toMatch(/^row 1 \(line 2\), column 1 "name": a line break/);
    expect(refusal(`name,file:/A\n${'x'.repeat(1025)},a.pdf`)).toMatch(/^row 1 \(line 2\), column 1 "name": more than 1024 characters/);
    expect(refusal(`text:/A\n"${'x'.repeat(64 * 1024 + 1)}"`)).toMatch(/^row 1 \(line 2\), column 1 "text:\/A": more than 65536 characters/);
    expect(refusal('name,file:/A\nAda,"a.pdf"x')).toMatch(/^line 2: text after a closing quote/);
  });

  it('refuses a CSV over its size or row cap', () => {
    expect(refusal(`text:/A\n"${'y'.repeat(MERGE_CSV_MAX_BYTES)}"`)).toMatch(/larger than 512 KiB/);
    const rows = (n: number): string => `n,text:/A\n${Array.from({ length: n }, (_, i) => `${i},t`).join('\n')}`;
    expect(parseMergeCsv(rows(MERGE_CSV_MAX_ROWS)).rows).toHaveLength(MERGE_CSV_MAX_ROWS);
    expect(refusal(rows(MERGE_CSV_MAX_ROWS + 1))).toMatch(/more than 10000 rows/);
  });
});
