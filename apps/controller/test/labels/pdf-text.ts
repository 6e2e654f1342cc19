/**
 * The text of a PDF, by poppler's `pdftotext` (the PDF on stdin, the text on stdout).
 */
import { spawnSync } from 'node:child_process';

/** The text of `pdf`; throws when pdftotext fails. */
export function pdfText(pdf: Buffer): string {
  const r = spawnSync('pdftotext', ['-', '-'], { input: pdf, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.error?.message ?? r.stderr.toString()}`);
  return r.stdout.toString('utf8');
}
