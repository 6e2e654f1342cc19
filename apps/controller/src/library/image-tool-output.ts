/**
 * What the image tools print while they build: xorriso (`xorriso : UPDATE :
 * 14.36% done, estimate finish …`) and genisoimage (` 14.36% done, estimate
 * finish …`) on standard error; xorriso's `N files added` (the tree read,
 * nothing written yet) counts as 0 %. A line is a progress figure, a message of
 * the tool's own about a file that changed while it was read (libisofs:
 * `Size of file "…" has changed`, `Content of file '…' changed while it was
 * written into the image`), an error or warning, or nothing of interest.
 */

/** One line of a tool's output, read. */
export type ToolLine =
  | { readonly kind: 'progress'; readonly percent: number }
  | { readonly kind: 'changed'; readonly text: string }
  | { readonly kind: 'problem'; readonly text: string }
  | { readonly kind: 'other' };

const PROGRESS = /^(?:xorriso : UPDATE :)?\s*(\d{1,3}(?:\.\d+)?)% done\b/;
/** xorriso's `UPDATE : 4 files added in 1 seconds`: the tree is read, no data written yet. */
const ADDED = /^xorriso : UPDATE :\s+\d+ files added\b/;
const CHANGED = /has changed|changed while it was (?:read|written)|content changes/i;
const PROBLEM = /^(?:xorriso|libisofs|libburn)\s*: (?:WARNING|SORRY|FAILURE|FATAL|MISHAP|ABORT)\b|^genisoimage: |^(?:Warning|Error): /i;

/** Read one line of xorriso's or genisoimage's standard error. */
export function readToolLine(line: string): ToolLine {
  const progress = PROGRESS.exec(line);
  if (progress) return { kind: 'progress', percent: Math.min(100, Number(progress[1])) };
  if (ADDED.test(line)) return { kind: 'progress', percent: 0 };
  if (CHANGED.test(line)) return { kind: 'changed', text: line.trim() };
  if (PROBLEM.test(line.trim())) return { kind: 'problem', text: line.trim() };
  return { kind: 'other' };
}

/**
 * Sectors from `-print-size` output: the last line that is a bare number
 * (xorriso and genisoimage both print the count alone on a line), or null.
 */
export function printedSectors(output: string): number | null {
  const numbers = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^\d+$/.test(l));
  const last = numbers.at(-1);
  return last === undefined ? null : Number(last);
}
