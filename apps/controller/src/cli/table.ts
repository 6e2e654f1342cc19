/**
 * Plain-text tables for the terminal: a header row and left-aligned columns
 * (right-aligned for numbers), separated by two spaces, no trailing blanks.
 */

/** One column: its header and how its cells align. */
export interface Column {
  readonly header: string;
  /** Default 'left'. */
  readonly align?: 'left' | 'right';
  /** Least width, so a live view's columns stay put as values change. */
  readonly minWidth?: number;
}

/** Cells that are null or undefined print as `-`. */
export type Cell = string | number | null | undefined;

/** A cell's text: `-` for an empty one, line breaks and tabs as spaces. */
export function cellText(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '-';
  return String(cell).replace(/[\r\n\t]+/g, ' ');
}

/**
 * Render rows under headers. Columns given as plain strings are left-aligned.
 * Returns the table without a final newline; `empty` is returned instead when
 * there are no rows.
 */
export function renderTable(columns: readonly (Column | string)[], rows: readonly (readonly Cell[])[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const texts = rows.map((row) => cols.map((_c, i) => cellText(row[i])));
  const widths = cols.map((c, i) => Math.max(c.header.length, c.minWidth ?? 0, ...texts.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return cols[i]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), ...texts.map(line)].join('\n');
}

/** Render `label: value` lines with the values aligned. */
export function renderFields(fields: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${cellText(value)}`).join('\n');
}
