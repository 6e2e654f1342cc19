/**
 * A run's per-disc merge as the planner takes it (issue 15): serials pass
 * through; a CSV (`merge.csv`, its text in the request body) becomes one row
 * per copy. The CSV is read strictly (shared/merge-csv.ts); each `file:` cell
 * must name a regular file inside the library's import roots (no `..`, no
 * link leading out, there now), and each distinct source is copied once into
 * the run's own folder under the controller's data dir (`merge-runs/<run>`),
 * so a later change of a source never changes a disc. Copy jobs carry those
 * local paths and the agent reads them: an agent on another host needs that
 * folder at the same path, as it needs the library's images. Every refusal
 * is a 400 naming the row and column; a refused CSV leaves no folder.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { removeMergeRows } from '@tower/jobs';
import type { MergeRequest, MergeRowRequest } from '@tower/jobs';
import { mediaClassesFor } from 'node-cdrecord-wrapper';
import type { MediaClass } from 'node-cdrecord-wrapper';
import { ImportPathError } from '../library/index.js';
import { cellPlace, MergeCsvError, parseMergeCsv } from '../shared/merge-csv.js';
import type { MergeCsv } from '../shared/merge-csv.js';
import type { CreateRunRequest } from '../shared/api-types.js';
import { ApiError, invalidInput } from './api-error.js';
import type { ApiServices } from './api-services.js';

/** Most bytes a run's CSV may have copied (all its distinct source files together). */
export const MERGE_FILES_MAX_BYTES = 32 * 1024 ** 3;
/** Room a file takes in an ISO 9660 image beyond its bytes (its sector rounding and directory records), generously. */
const PER_FILE_OVERHEAD = 8 * 1024;

/** The run's image, as far as its discs' images must still fit its media. */
export interface MergeImage {
  readonly sizeBytes: number;
  readonly mediaClass: MediaClass;
}

/** Where runs of a CSV keep their copied files: `mergeDir`, default `merge-runs` beside the library's folder (the data dir's). */
export function mergeRunsDir(s: ApiServices): string {
  return s.deps.mergeDir ?? path.join(path.dirname(s.deps.library.dir), 'merge-runs');
}

/**
 * The planner's merge of a run request's `merge` (undefined: none); throws
 * `ApiError` 400. Copies a CSV's files into the run's folder. Its rows are
 * one per copy, or with `per` 'set' one per set of a set run (`copies` sets).
 */
export async function runMergeOf(
  s: ApiServices, input: CreateRunRequest['merge'], runId: string, copies: number, image: MergeImage, per: 'copy' | 'set' = 'copy',
): Promise<MergeRequest | undefined> {
  if (input === undefined) return undefined;
  if (input.csv !== undefined && input.serials !== undefined) throw invalidInput('merge', 'a merge has serials or a csv, not both');
  if (input.csv === undefined) {
    if (input.serials === undefined) throw invalidInput('merge', 'a merge has serials or a csv');
    return { serials: input.serials };
  }
  const csv = readCsv(input.csv);
  const n = csv.rows.length;
  if (n !== copies) {
    const what = per === 'copy' ? 'one per disc: copies must be' : 'one per set (set k carries row k on every disc): copies (sets) must be';
    throw invalidInput('copies', `the merge CSV has ${n} row${n === 1 ? '' : 's'}, ${what} ${n}, not ${copies}`);
  }
  // A run id is letters, digits, _ . - (validated before): only these two would not name a folder of its own.
  if (runId === '.' || runId === '..') throw invalidInput('id', `a run of a merge CSV cannot have the id ${runId}`);
  const dir = path.join(mergeRunsDir(s), runId);
  await mkdir(mergeRunsDir(s), { recursive: true });
  // The run's own folder, new: a folder already there is another attempt's at this run id, left alone.
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EEXIST' ? new ApiError(409, 'RUN_EXISTS', `run ${runId} already has a folder of merge files`, 'id') : err;
  });
  try {
    return { rows: await rowsOf(s, csv, dir, image), columns: csv.columns.map((c) => c.header), dir };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Take back what `runMergeOf` left for a run that was not made: its folder and its rows' key. */
export async function dropRunMerge(s: ApiServices, runId: string): Promise<void> {
  if (runId !== '.' && runId !== '..') await rm(path.join(mergeRunsDir(s), runId), { recursive: true, force: true });
  await removeMergeRows(s.deps.redis, s.keys, runId);
}

function readCsv(text: string): MergeCsv {
  try {
    return parseMergeCsv(text);
  } catch (err) {
    if (err instanceof MergeCsvError) throw invalidInput('merge.csv', `merge CSV: ${err.message}`);
    throw err;
  }
}

/** A source file: its real path inside the import roots and its size. */
interface Source {
  readonly real: string;
  readonly bytes: number;
}

async function rowsOf(s: ApiServices, csv: MergeCsv, dir: string, image: MergeImage): Promise<MergeRowRequest[]> {
  const resolve = async (row: number, column: number, cell: string): Promise<Source> => {
    let real: string;
    try {
      real = await s.deps.library.roots.resolveFile(cell);
    } catch (err) {
      if (!(err instanceof ImportPathError)) throw err;
      const reason = err.message.startsWith(`cannot import ${cell}: `) ? err.message.slice(`cannot import ${cell}: `.length) : err.message;
      throw invalidInput('merge.csv', `merge CSV: ${cellPlace(csv, row, column)}: ${JSON.stringify(cell)} is refused: ${reason}`);
    }
    return { real, bytes: (await stat(real)).size };
  };
  // Every source is checked (and each row's fit on the media) before anything is copied.
  const sources: Source[][] = [];
  const distinct = new Map<string, number>();
  for (const [k, cells] of csv.rows.entries()) {
    const row: Source[] = [];
    let bytes = 0;
    for (const [i, col] of csv.columns.entries()) {
      const cell = cells[i] ?? '';
      if (col.kind === 'field') continue;
      if (col.kind === 'text') {
        bytes += Buffer.byteLength(cell) + PER_FILE_OVERHEAD;
        continue;
      }
      const src = await resolve(k + 1, i, cell);
      row.push(src);
      distinct.set(src.real, src.bytes);
      bytes += src.bytes + PER_FILE_OVERHEAD;
    }
    if (!mediaClassesFor({ format: 'iso', sizeBytes: image.sizeBytes + bytes }).includes(image.mediaClass)) {
      throw invalidInput('merge.csv', `merge CSV: row ${k + 1} (line ${csv.lines[k] ?? '?'}): its files (${bytes} bytes) and the image (${image.sizeBytes} bytes) do not fit on ${image.mediaClass} media`);
    }
    sources.push(row);
  }
  const total = [...distinct.values()].reduce((a, b) => a + b, 0);
  if (total > MERGE_FILES_MAX_BYTES) throw invalidInput('merge.csv', `merge CSV: its files come to ${total} bytes, more than ${MERGE_FILES_MAX_BYTES / 1024 ** 3} GiB`);
  // Each distinct source once, into the run's own folder.
  const local = new Map<string, string>();
  for (const real of distinct.keys()) {
    const files = path.join(dir, 'files');
    await mkdir(files, { recursive: true });
    const to = path.join(files, `${local.size + 1}-${path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_').slice(-100)}`);
    await copyFile(real, to, constants.COPYFILE_EXCL);
    local.set(real, to);
  }
  return csv.rows.map((cells, k) => {
    const fields: Record<string, string> = {};
    const files: { discPath: string; text: string }[] = [];
    const copied: { discPath: string; source: string }[] = [];
    const row = [...(sources[k] ?? [])];
    csv.columns.forEach((col, i) => {
      const cell = cells[i] ?? '';
      if (col.kind === 'field') fields[col.name] = cell;
      else if (col.kind === 'text') files.push({ discPath: col.discPath, text: cell });
      else copied.push({ discPath: col.discPath, source: local.get(row.shift()?.real ?? '') ?? '' });
    });
    return { fields, files, ...(copied.length === 0 ? {} : { sources: copied }) };
  });
}
