/**
 * A merge CSV (issue 15): one row per disc, read strictly as RFC 4180
 * (comma-separated, records ending in CRLF or LF, fields quoted with `"`
 * and a quote inside doubled). The controller reads it for a run; the CLI
 * and the UI read it too, to count its rows before they send it. Pure: no
 * I/O, so the browser can take it.
 *
 * The first record is the header; each column is one of
 * - `file:/PATH`: a file each disc gets at /PATH, its cell the path of the
 *   source file inside the controller's import roots;
 * - `text:/PATH`: a file each disc gets at /PATH holding the cell's text;
 * - a name (letters, digits, `_`, `-`): a text field, `{{row.<name>}}` on a
 *   label; the first non-empty one names the disc beside its row.
 * Data row k goes on copy k.
 */

/** Largest CSV taken, in UTF-8 bytes (the API's body limit is 1 MiB). */
export const MERGE_CSV_MAX_BYTES = 512 * 1024;
/** Most data rows (one per copy: a run's copies at most). */
export const MERGE_CSV_MAX_ROWS = 10_000;
/** Most columns. */
export const MERGE_CSV_MAX_COLUMNS = 64;
/** Longest cell of a `text:` column (characters). */
export const MERGE_CSV_MAX_TEXT = 64 * 1024;
/** Longest cell of a field or `file:` column (characters). */
export const MERGE_CSV_MAX_CELL = 1024;

/** A CSV refused, saying where (row and column when it is one cell's fault). */
export class MergeCsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeCsvError';
  }
}

/** One column of a merge CSV. */
export type MergeColumn =
  | { readonly kind: 'file'; readonly header: string; readonly discPath: string }
  | { readonly kind: 'text'; readonly header: string; readonly discPath: string }
  | { readonly kind: 'field'; readonly header: string; readonly name: string };

/** A merge CSV read and checked. */
export interface MergeCsv {
  readonly columns: readonly MergeColumn[];
  /** Data rows, one cell per column: row k (1-based) is `rows[k - 1]`, copy k's. */
  readonly rows: readonly (readonly string[])[];
  /** The CSV line each data row starts on (1-based; a quoted cell may span lines). */
  readonly lines: readonly number[];
}

/** The records of a CSV and the line each starts on; throws `MergeCsvError`. `maxRecords`: more is refused. */
export function parseCsvRecords(text: string, maxRecords = Number.POSITIVE_INFINITY): { records: string[][]; lines: number[] } {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const record: string[] = [];
    const start = line;
    for (;;) {
      let cell = '';
      if (src[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          if (i >= n) throw new MergeCsvError(`line ${opened}: a quoted field is not closed`);
          const c = src[i];
          if (c === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        const next = src[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r') throw new MergeCsvError(`line ${line}: text after a closing quote (a quote inside a quoted field is doubled: "")`);
      } else {
        const from = i;
        while (i < n && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          if (src[i] === '"') throw new MergeCsvError(`line ${line}: a quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")`);
          i++;
        }
        cell = src.slice(from, i);
      }
      if (cell.includes('\0')) throw new MergeCsvError(`line ${line}: a NUL character`);
      record.push(cell);
      if (i >= n) break;
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (src[i] === '\r') {
        if (src[i + 1] !== '\n') throw new MergeCsvError(`line ${line}: a carriage return without a line feed (records end in CRLF or LF)`);
        i++;
      }
      i++;
      line++;
      break;
    }
    records.push(record);
    lines.push(start);
    if (records.length > maxRecords) throw new MergeCsvError(`more than ${maxRecords - 1} rows`);
  }
  return { records, lines };
}

/** Whether a path on the disc is one a merge may write (as the drivers' `isSafeDiscPath`). */
export function isMergeDiscPath(p: string): boolean {
  if (!p.startsWith('/') || p.length > 240 || /[\p{Cc}\\]/u.test(p)) return false;
  return p.slice(1).split('/').every((s) => s !== '' && s !== '.' && s !== '..' && s.length <= 200);
}

const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `column 3 "file:/X"`. */
function columnPlace(index: number, header: string): string {
  return `column ${index + 1} ${JSON.stringify(header.length > 80 ? `${header.slice(0, 79)}…` : header)}`;
}

/** `row 2 (line 3), column 3 "file:/X"`: where a cell is, for a message. */
export function cellPlace(csv: MergeCsv, row: number, column: number): string {
  const col = csv.columns[column];
  return `row ${row} (line ${csv.lines[row - 1] ?? '?'}), ${columnPlace(column, col?.header ?? '')}`;
}

function columnOf(header: string, index: number): MergeColumn {
  const place = columnPlace(index, header);
  const m = /^(file|text):(.*)$/s.exec(header);
  if (m !== null) {
    const discPath = m[2] ?? '';
    if (!isMergeDiscPath(discPath)) throw new MergeCsvError(`${place}: not a file path on the disc (absolute, no . or .. parts, no control characters, at most 240 characters): ${JSON.stringify(discPath.slice(0, 80))}`);
    return { kind: m[1] === 'file' ? 'file' : 'text', header, discPath };
  }
  if (!FIELD_NAME.test(header)) throw new MergeCsvError(`${place}: a column is file:/PATH, text:/PATH or a field name of 1..64 letters, digits, _ -`);
  return { kind: 'field', header, name: header };
}

function checkHeader(columns: readonly MergeColumn[]): void {
  const paths = new Map<string, number>();
  columns.forEach((c, i) => {
    const same = columns.findIndex((o) => o.header === c.header);
    if (same !== i) throw new MergeCsvError(`${columnPlace(i, c.header)} repeats column ${same + 1}`);
    if (c.kind === 'field') return;
    const other = paths.get(c.discPath);
    if (other !== undefined) throw new MergeCsvError(`${columnPlace(i, c.header)} puts a second file at ${c.discPath} (column ${other + 1})`);
    paths.set(c.discPath, i);
  });
  for (const [p, i] of paths) {
    for (const [q, j] of paths) {
      if (q.startsWith(`${p}/`)) throw new MergeCsvError(`${columnPlace(j, columns[j]?.header ?? '')} puts a file inside ${p}, which column ${i + 1} makes a file`);
    }
  }
  if (paths.size === 0) throw new MergeCsvError('the header names no file for the discs: give a file:/PATH or text:/PATH column');
}

function checkCell(csv: MergeCsv, row: number, column: number, cell: string): void {
  const c = csv.columns[column];
  if (c === undefined) return;
  const place = (): string => cellPlace(csv, row, column);
  if (c.kind === 'text') {
    if (cell.length > MERGE_CSV_MAX_TEXT) throw new MergeCsvError(`${place()}: more than ${MERGE_CSV_MAX_TEXT} characters`);
    return;
  }
  if (cell.length > MERGE_CSV_MAX_CELL) throw new MergeCsvError(`${place()}: more than ${MERGE_CSV_MAX_CELL} characters`);
  if (/\p{Cc}/u.test(cell)) throw new MergeCsvError(`${place()}: a line break or control character (${c.kind === 'file' ? 'a path' : 'a field'} is one line)`);
  if (c.kind === 'file' && cell === '') throw new MergeCsvError(`${place()}: no source file named`);
}

/** Read a merge CSV: header, columns and rows, each checked; throws `MergeCsvError` naming the row and column at fault. */
export function parseMergeCsv(text: string): MergeCsv {
  if (new TextEncoder().encode(text).length > MERGE_CSV_MAX_BYTES) throw new MergeCsvError(`the CSV is larger than ${MERGE_CSV_MAX_BYTES / 1024} KiB`);
  const { records, lines } = parseCsvRecords(text, MERGE_CSV_MAX_ROWS + 1);
  const [header, ...data] = records;
  if (header === undefined) throw new MergeCsvError('the CSV is empty: its first line is the header (file:/PATH, text:/PATH or field names)');
  if (header.length > MERGE_CSV_MAX_COLUMNS) throw new MergeCsvError(`the header has ${header.length} columns; at most ${MERGE_CSV_MAX_COLUMNS}`);
  const columns = header.map(columnOf);
  checkHeader(columns);
  if (data.length === 0) throw new MergeCsvError('the CSV has a header but no rows (one row per disc)');
  const csv: MergeCsv = { columns, rows: data, lines: lines.slice(1) };
  data.forEach((cells, k) => {
    const row = k + 1;
    if (cells.every((c) => c === '')) throw new MergeCsvError(`row ${row} (line ${csv.lines[k] ?? '?'}) is empty`);
    if (cells.length !== columns.length) throw new MergeCsvError(`row ${row} (line ${csv.lines[k] ?? '?'}) has ${cells.length} cells; the header has ${columns.length}`);
    cells.forEach((cell, i) => checkCell(csv, row, i, cell));
  });
  return csv;
}
