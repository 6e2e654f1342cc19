/**
 * `tower run --merge-csv FILE`: the CSV is read here and sent in the request
 * (`merge.csv`); its rows are counted (one per disc: they give the copies
 * when `--copies` does not) and checked as the controller checks them, so a
 * bad CSV fails at once with the row and column at fault. Its `file:` cells
 * name files on the controller's host, inside its import roots: those only
 * the controller checks. Loaded only when the option is given.
 */
import { readFile, stat } from 'node:fs/promises';
import { MERGE_CSV_MAX_BYTES, MergeCsvError, parseMergeCsv } from '../shared/merge-csv.js';
import { UsageError } from './cli-output.js';

/** A merge CSV read from a file: its text and its rows. */
export interface MergeCsvFile {
  readonly text: string;
  readonly rows: number;
}

/** Read and check `--merge-csv FILE`; throws `UsageError` naming the file (and the row and column at fault). */
export async function readMergeCsv(file: string): Promise<MergeCsvFile> {
  const size = await stat(file).then((s) => (s.isFile() ? s.size : -1), (err: NodeJS.ErrnoException) => {
    throw new UsageError(`--merge-csv ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (size < 0) throw new UsageError(`--merge-csv ${file}: not a file`);
  if (size > MERGE_CSV_MAX_BYTES) throw new UsageError(`--merge-csv ${file}: larger than ${MERGE_CSV_MAX_BYTES / 1024} KiB`);
  const bytes = await readFile(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--merge-csv ${file}: not UTF-8 text`);
  }
  try {
    return { text, rows: parseMergeCsv(text).rows.length };
  } catch (err) {
    if (err instanceof MergeCsvError) throw new UsageError(`--merge-csv ${file}: ${err.message}`);
    throw err;
  }
}
