/**
 * A table fitted to a terminal's width, for live views (`tower watch`,
 * `tower run --wait`): when the columns do not fit, they are narrowed or
 * dropped one step at a time in an order the caller defines (the least
 * important first), text is cut with an ellipsis, and a row never wraps.
 * Widths are counted in UTF-16 code units: one column per character for the
 * Latin text, digits and symbols (`×`, `—`, `…`) these views print.
 */
import type { Cell, Column } from './table.js';
import { cellText } from './table.js';

/** The mark of cut text. */
export const ELLIPSIS = '…';

/** `text` in at most `width` columns: cut, with an ellipsis as its last character, when longer. */
export function ellipsize(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 0) return '';
  return `${text.slice(0, width - 1).trimEnd()}${ELLIPSIS}`;
}

/** A column of a fitted table. */
export interface FitColumn<R> extends Column {
  /** The cell of `row`; `width` is the column's width when it was narrowed (a bar draws itself that wide), else undefined. */
  readonly cell: (row: R, width: number | undefined) => Cell;
}

/** One step of fitting: narrow a column (to at least `to` characters, text cut with an ellipsis), or drop it. */
export type FitStep = { readonly narrow: string; readonly to: number } | { readonly drop: string };

/** Columns are separated by this many spaces. */
const GAP = 2;

/**
 * The widths of `natural` column widths fitted into `width`: `steps` are
 * applied in order until the row fits (a narrowing only as far as needed);
 * then columns narrowed earlier get back what later drops freed, the last
 * narrowed first. Returns null for a dropped column. Too wide still when the
 * steps run out: the caller's line is cut.
 */
export function fitWidths(headers: readonly string[], natural: readonly number[], steps: readonly FitStep[], width: number): (number | null)[] {
  const widths: (number | null)[] = [...natural];
  const total = (): number => {
    const shown = widths.filter((w): w is number => w !== null);
    return shown.reduce((sum, w) => sum + w, 0) + GAP * Math.max(0, shown.length - 1);
  };
  const narrowed: number[] = [];
  for (const step of steps) {
    if (total() <= width) break;
    const i = headers.indexOf('drop' in step ? step.drop : step.narrow);
    const current = widths[i];
    if (i < 0 || current === null || current === undefined) continue;
    if ('drop' in step) {
      widths[i] = null;
    } else if (current > step.to) {
      widths[i] = Math.max(step.to, current - (total() - width));
      narrowed.push(i);
    }
  }
  for (const i of narrowed.reverse()) {
    const current = widths[i];
    if (current === null || current === undefined) continue;
    widths[i] = current + Math.max(0, Math.min(width - total(), (natural[i] ?? 0) - current));
  }
  return widths;
}

/**
 * Rows under headers in at most `width` characters per line (`Infinity`:
 * as wide as they are), fitted by `steps`. Returns the lines, header first;
 * `[empty]` when there are no rows.
 */
export function renderFittedTable<R>(columns: readonly FitColumn<R>[], rows: readonly R[], width: number, steps: readonly FitStep[], empty: string): string[] {
  if (rows.length === 0) return [ellipsize(empty, width)];
  const headers = columns.map((c) => c.header);
  const natural = columns.map((c) => Math.max(c.header.length, c.minWidth ?? 0, ...rows.map((r) => cellText(c.cell(r, undefined)).length)));
  const widths = fitWidths(headers, natural, steps, width);
  const line = (texts: readonly (string | null)[]): string => {
    const cells: string[] = [];
    texts.forEach((text, i) => {
      const w = widths[i];
      if (w === null || w === undefined || text === null) return;
      const cut = ellipsize(text, w);
      cells.push(columns[i]?.align === 'right' ? cut.padStart(w) : cut.padEnd(w));
    });
    return ellipsize(cells.join(' '.repeat(GAP)).trimEnd(), width);
  };
  const body = rows.map((r) => line(columns.map((c, i) => {
    const w = widths[i];
    if (w === null || w === undefined) return null;
    return cellText(c.cell(r, w < (natural[i] ?? 0) ? w : undefined));
  })));
  return [line(headers), ...body];
}
