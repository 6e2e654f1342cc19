/**
 * `--wait` for runs and masters: poll the controller (every 250 ms by
 * default) and draw progress (one line per active drive, plus the run's
 * counts) until the work ends. Ctrl-C stops waiting; the work goes on on the
 * controller.
 *
 * A run is read by long poll (`GET /api/runs/:id?waitFor=final`): the
 * controller answers as soon as the run is completed, cancelled or failed,
 * so `--wait` learns of the end when the controller does, not at its next
 * poll. While progress is drawn each hold lasts one poll period (the drives'
 * lines are read after it); with nothing drawn (`--json`) it lasts up to
 * `QUIET_WAIT_MS`, one request instead of eighty: on a slow host each
 * request costs the CPU that the burns need too.
 */
import { CancelledError } from 'node-cdrecord-wrapper/errors';
import type { MasterView, RunStatusName, RunView } from '../shared/api-types.js';
import { formatBytes, formatDuration, formatMBps } from '../shared/units.js';
import type { ApiClient } from './api-client.js';
import { ApiCallError } from './api-call-error.js';
import type { ControllerCliContext, OutputStream } from './controller-context.js';
import { sleep } from './controller-context.js';
import { LiveRegion } from './live-region.js';
import { ProgressBar } from './progress-bar.js';
import { fittedRunLine, renderDriveLines } from './live-lines.js';

/** Run statuses after which nothing more happens. */
export const FINAL_RUN_STATUSES: readonly RunStatusName[] = ['completed', 'cancelled', 'failed'];

/** Longest hold of a run's long poll when no progress is drawn, ms. */
export const QUIET_WAIT_MS = 20_000;

/** Consecutive failed polls (no answer, 5xx) tolerated before giving up. */
const MAX_POLL_FAILURES = 30;

/** A run or master that ended without success. Exit code 1. */
export class WorkFailedError extends Error {
  override readonly name = 'WorkFailedError';
  constructor(message: string, readonly code: string) {
    super(`${message} [${code}]`);
  }
}

function transient(err: unknown): boolean {
  return err instanceof ApiCallError && (err.status === 0 || err.status >= 500);
}

/**
 * Poll `read` until `finished` says so, starting a read at most once per poll
 * period (a read the controller held for a period, a long poll, is followed
 * by the next at once). Transient failures (controller unreachable, 5xx) are
 * retried a period later; Ctrl-C rejects with `CancelledError(stopMessage)`.
 */
async function poll<T>(ctx: ControllerCliContext, read: () => Promise<T>, show: (value: T) => void, finished: (value: T) => boolean, stopMessage: string): Promise<T> {
  const period = ctx.pollIntervalMs ?? 250;
  let failures = 0;
  for (;;) {
    const began = Date.now();
    let rest: number;
    try {
      const value = await read();
      failures = 0;
      show(value);
      if (finished(value)) return value;
      rest = period - (Date.now() - began);
    } catch (err) {
      if (ctx.signal.aborted || err instanceof CancelledError) throw new CancelledError(stopMessage);
      if (!transient(err) || ++failures >= MAX_POLL_FAILURES) throw err;
      rest = period;
    }
    if (rest <= 0) continue;
    try {
      await sleep(rest, ctx.signal);
    } catch {
      throw new CancelledError(stopMessage);
    }
  }
}

/** The live lines for a run: its active drives, then its counts; each at most `width` characters. */
export function runProgressLines(run: RunView, drives: Awaited<ReturnType<ApiClient['listDrives']>>, width = Number.POSITIVE_INFINITY): string[] {
  const mine = drives.filter((d) => d.runId === run.id);
  const lines = mine.length > 0 ? renderDriveLines(mine, width) : [];
  return [...lines, fittedRunLine(run, width)];
}

/**
 * Follow a run until it completes, fails or is cancelled, drawing progress
 * on `stream` (none when null). Resolves with the final run.
 */
export async function followRun(ctx: ControllerCliContext, client: ApiClient, runId: string, stream: OutputStream | null): Promise<RunView> {
  const region = stream ? new LiveRegion({ stream }) : null;
  let lastStatus: RunStatusName | null = null;
  const wait = { timeoutMs: region === null ? QUIET_WAIT_MS : (ctx.pollIntervalMs ?? 250) };
  const read = async (): Promise<{ run: RunView; lines: string[] }> => {
    const run = await client.getRun(runId, wait);
    if (region === null) return { run, lines: [] };
    const drives = await client.listDrives().catch((err: unknown) => {
      if (transient(err)) return [];
      throw err;
    });
    return { run, lines: runProgressLines(run, drives, region.width) };
  };
  try {
    const { run } = await poll(
      ctx,
      read,
      ({ run, lines }) => {
        const changed = run.status !== lastStatus;
        lastStatus = run.status;
        region?.render(lines, changed || FINAL_RUN_STATUSES.includes(run.status));
      },
      ({ run }) => FINAL_RUN_STATUSES.includes(run.status),
      `stopped waiting; run ${runId} goes on (see: tower runs show ${runId})`,
    );
    return run;
  } finally {
    region?.done();
  }
}

/** Throw `WorkFailedError` unless the run completed with exactly its copies passed. */
export function assertRunSucceeded(run: RunView): void {
  if (run.status === 'completed' && run.passed === run.copies) return;
  const reason = run.statusReason ? ` (${run.statusReason})` : '';
  const counts = `${run.passed}/${run.copies} passed, ${run.failed} failed`;
  const code = run.status === 'cancelled' ? 'RUN_CANCELLED' : run.status === 'failed' ? 'RUN_FAILED' : 'RUN_INCOMPLETE';
  throw new WorkFailedError(`run ${run.id} ${run.status}${reason}: ${counts}`, code);
}

/** Follow a master read until it ends, with a progress bar on `stream` (none when null). */
export async function followMaster(ctx: ControllerCliContext, client: ApiClient, masterId: string, stream: OutputStream | null): Promise<MasterView> {
  const bar = stream ? new ProgressBar({ stream, label: 'master' }) : null;
  try {
    return await poll(
      ctx,
      () => client.getMaster(masterId),
      (m) => {
        if (m.bytesTotal > 0) {
          const bad = m.unreadableSectors > 0 ? ` ${m.unreadableSectors} bad sectors` : '';
          bar?.update(m.bytesRead, m.bytesTotal, `${m.status} ${formatMBps(m.speedMBps ?? 0)}${bad}`, (m.speedMBps ?? 0) * 1e6);
        }
      },
      (m) => m.status === 'done' || m.status === 'failed' || m.status === 'cancelled',
      `stopped waiting; master ${masterId} goes on`,
    );
  } finally {
    bar?.done();
  }
}

/** Throw `WorkFailedError` unless the master read is done. */
export function assertMasterSucceeded(m: MasterView): void {
  if (m.status === 'done') return;
  const why = m.error ? `: ${m.error.message} (${m.error.code})` : '';
  throw new WorkFailedError(`master ${m.id} ${m.status}${why}`, m.status === 'cancelled' ? 'MASTER_CANCELLED' : 'MASTER_FAILED');
}

/** Summary line of a finished master read. */
export function masterSummary(m: MasterView): string {
  const took = m.endedAt === null ? '' : ` in ${formatDuration((m.endedAt - m.startedAt) / 1000)}`;
  return `mastered ${formatBytes(m.bytesRead)}${took}: image ${m.imageId ?? '-'}`;
}
