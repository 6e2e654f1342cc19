/**
 * A hot-folder job's status file, `<job file>.status` beside the job file
 * (like PTBurn's status file), JSON:
 *
 * ```json
 * { "job": "order-17.jrq", "runId": "…", "state": "running", "final": false,
 *   "copies": 20, "passed": 7, "failed": 1, "inProgress": 3, "remaining": 13,
 *   "surplus": 0, "cancelled": 0, "interrupted": 0, "statusReason": null,
 *   "errors": ["copy 4 on sim:2: WRITE_ERROR: …"], "notes": [], "updatedAt": "2026-…Z" }
 * ```
 *
 * `state` is the run's status (queued, running, paused, cancelling,
 * completed, cancelled, failed), or `building` while the image of a `Data=`
 * job is built (then `build` says how far: `{ "percent": 40,
 * "estimatedBytes": … }`, the counts are 0), `final` true once it is completed,
 * cancelled or failed (the file is then not written again); `errors` the
 * last 20 failed attempts, oldest first; `set` of a set run `{ "sets": 4,
 * "setsDone": 1, "discs": 3 }`; `notes` what of the job file was
 * read but not acted on. Written atomically (a temp file renamed into
 * place), so a reader never sees half of one.
 */
import path from 'node:path';
import type { AttemptView, RunView } from '../shared/api-types.js';
import { writeFileAtomic } from '../library/atomic-file.js';

/** How many failed attempts a status file lists. */
export const STATUS_ERRORS = 20;

/** The status file's content. */
export interface JobStatus {
  readonly job: string;
  readonly runId: string;
  readonly state: RunView['status'] | 'building';
  readonly final: boolean;
  /** While a `Data=` job's image is built: how far. */
  readonly build?: { readonly percent: number; readonly estimatedBytes: number };
  /** A collated set run's: complete sets wanted and done, discs per set (`copies` then counts discs). */
  readonly set?: { readonly sets: number; readonly setsDone: number; readonly discs: number };
  readonly copies: number;
  readonly passed: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly remaining: number;
  readonly surplus: number;
  readonly cancelled: number;
  readonly interrupted: number;
  readonly statusReason: string | null;
  readonly errors: readonly string[];
  readonly notes: readonly string[];
  readonly updatedAt: string;
}

/** The status file of a job file. */
export function statusPath(dir: string, job: string): string {
  return path.join(dir, `${job}.status`);
}

/** A job's status from its run, the run's attempts and the job's notes. */
export function jobStatus(job: string, run: RunView, attempts: readonly AttemptView[], notes: readonly string[], now: number): JobStatus {
  const errors = attempts
    .filter((a) => a.outcome === 'failed' || a.outcome === 'interrupted')
    .slice(-STATUS_ERRORS)
    .map((a) => `copy ${a.copy} on ${a.driveId}: ${a.error === null ? a.outcome ?? 'failed' : `${a.error.code}: ${a.error.message}`}`);
  return {
    job,
    runId: run.id,
    state: run.status,
    final: run.status === 'completed' || run.status === 'cancelled' || run.status === 'failed',
    ...(run.set === undefined ? {} : { set: { sets: run.set.sets, setsDone: run.set.setsDone, discs: run.set.discs } }),
    copies: run.copies,
    passed: run.passed,
    failed: run.failed,
    inProgress: run.inProgress,
    remaining: run.remaining,
    surplus: run.surplus,
    cancelled: run.cancelled,
    interrupted: run.interrupted,
    statusReason: run.statusReason,
    errors,
    notes,
    updatedAt: new Date(now).toISOString(),
  };
}

/** A `Data=` job's status while its image is built (its run, `runId`, not made yet). */
export function buildingStatus(job: string, runId: string, copies: number, notes: readonly string[], build: { percent: number; estimatedBytes: number }, now: number): JobStatus {
  return {
    job, runId, state: 'building', final: false, build, copies, passed: 0, failed: 0, inProgress: 0, remaining: copies,
    surplus: 0, cancelled: 0, interrupted: 0, statusReason: null, errors: [], notes, updatedAt: new Date(now).toISOString(),
  };
}

/** The part of a status that changes what it says (all but the time). */
export function statusFingerprint(s: JobStatus): string {
  const { updatedAt: _at, ...rest } = s;
  return JSON.stringify(rest);
}

/** Write a status file atomically. */
export async function writeJobStatus(dir: string, status: JobStatus): Promise<void> {
  await writeFileAtomic(statusPath(dir, status.job), `${JSON.stringify(status, null, 2)}\n`);
}
