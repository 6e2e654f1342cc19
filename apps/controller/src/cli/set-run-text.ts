/**
 * Collated set runs in the CLI: `--set IMG1,IMG2,IMG3` (the discs' images in
 * order) and the words for a set run's progress (sets done, each failed disc
 * of each set and whether it was redone).
 */
import type { RunView } from '../shared/api-types.js';
import { UsageError } from './cli-output.js';

/** Most discs in a set (as the API allows). */
const MAX_SET_DISCS = 99;

/** `--set`: the set's library image ids, in disc order, comma-separated. */
export function parseSetImages(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((id) => id === '')) throw new UsageError(`--set needs the set's image ids in disc order, comma-separated, e.g. --set img-1,img-2,img-3; got '${value}'`);
  if (ids.length > MAX_SET_DISCS) throw new UsageError(`--set: a set has at most ${MAX_SET_DISCS} discs, got ${ids.length}`);
  return ids;
}

/** `4/4 sets` for a set run's counts; '' for another run. */
export function setCounts(run: RunView): string {
  return run.set === undefined ? '' : `${run.set.setsDone}/${run.set.sets} sets of ${run.set.discs} discs, `;
}

/** Which disc of which set failed, and whether it was redone: `set 2 disc 1 (redone)`; null when none failed. */
export function failedDiscsText(run: RunView): string | null {
  const failed = run.set?.failedDiscs ?? [];
  if (failed.length === 0) return null;
  return failed.map((f) => `set ${f.set} disc ${f.disc} (${f.redone ? 'redone' : 'not redone yet'})`).join(', ');
}

/** The set lines of `tower runs show`. */
export function setFields(run: RunView): [string, string | null][] {
  if (run.set === undefined) return [];
  return [
    ['Sets', `${run.set.setsDone}/${run.set.sets} done, ${run.set.discs} discs each (${run.set.imageIds.join(', ')})`],
    ['Failed discs', failedDiscsText(run) ?? 'none'],
  ];
}

/** The part of `tower run`'s options a set run reads. */
interface SetRunOptions {
  readonly copies?: number;
  readonly template?: string;
  readonly serials?: unknown;
  readonly mergeCsv?: string;
  readonly set?: string[];
  readonly sets?: number;
}

/**
 * `tower run --set a,b,c --sets K`: disc 1 is the run's image and the count
 * is of sets (`copies` in the request). Other runs pass through unchanged.
 */
export function withSetRun<O extends SetRunOptions>(imageId: string | undefined, opts: O): { imageId: string | undefined; opts: O } {
  if (opts.set === undefined) {
    if (opts.sets !== undefined) throw new UsageError('--sets needs --set IMG1,IMG2,...');
    return { imageId, opts };
  }
  if (imageId !== undefined || opts.template !== undefined) throw new UsageError('--set names the set\'s images: give no image id or --template with it');
  if (opts.sets !== undefined && opts.copies !== undefined) throw new UsageError('give --sets or --copies, not both');
  const sets = opts.sets ?? opts.copies;
  // With --serials FIRST-LAST (or --merge-csv) the range (the rows) gives the sets: one serial (row) per set, on each of its discs.
  if (sets === undefined && opts.serials === undefined && opts.mergeCsv === undefined) throw new UsageError("required option '--sets <n>' not specified: how many complete sets");
  return { imageId: opts.set[0], opts: sets === undefined ? opts : { ...opts, copies: sets } };
}
