/**
 * What a drive worker does with a copy job it fetched or was handed, from
 * routing to the job's end:
 *
 * - holds the job under a {@link JobLease} (lock renewal, cancel polling,
 *   the burn's abort signal) for as long as it works on it;
 * - routes it ({@link CopyRouting}): a copy this drive will not burn is handed
 *   to a waiting drive of the agent or put back to the queue;
 * - burns and verifies it with `processCopy`, publishing the drive's state;
 * - settles the job: completed (passed, cancelled, skipped), failed (BullMQ
 *   retries it, with a backoff that lets another drive win), or put back
 *   (paused run, refused disc, a stopping worker, an error);
 * - reports the attempt's end and an exhausted copy on the run events
 *   channel, and counts the drive's faults ({@link FaultTracker}), which
 *   quarantine it at K in a row;
 * - a copy the burn refused for its media or the drive's capabilities
 *   (`WRONG_MEDIA`, `MEDIA_TOO_SMALL`: nothing written) is no drive fault and
 *   no failure of the copy: its attempt is closed failed (the drive counts
 *   leave it out), the drive takes no more copies of that run, and the copy
 *   goes on to another drive, its BullMQ attempts untouched.
 */
import { UnrecoverableError } from 'bullmq';
import type { Job } from 'bullmq';
import type { MediaClass, MediaStatus } from 'node-cdrecord-wrapper';
import { processCopy } from './copy-processor.js';
import { CopyFailedError } from './copy-failed-error.js';
import type { CopyOutcome, CopyProgress } from './copy-processor.js';
import { routedCopyOf } from './copy-routing.js';
import type { CopyRoute, CopyRouting, RoutingFacts } from './copy-routing.js';
import { isMediaRefusal } from './copy-suitability.js';
import { setLabel } from './disc-set.js';
import { claimSet, readSetFacts } from './set-owners.js';
import type { DriveContext } from './drive-context.js';
import { readAllDriveStatuses } from './drive-state.js';
import type { DriveWorkerEvents } from './drive-worker-options.js';
import type { FaultTracker } from './fault-tracker.js';
import { JobLease } from './job-lease.js';
import type { CopyJobResult } from './job-types.js';
import { PhaseReporter } from './phase-progress.js';
import type { PhaseFigures } from './phase-progress.js';
import type { RunEvent } from './run-events.js';
import type { AttemptRecord } from './run-records.js';
import type { DriveCounts } from './attempt-results.js';
import type { RunStore } from './run-store.js';

/** Options of a {@link CopyHandler}. */
export interface CopyHandlerOptions {
  readonly ctx: DriveContext;
  readonly store: RunStore;
  readonly routing: CopyRouting;
  readonly faults: FaultTracker;
  /** Report to the worker's listeners. */
  readonly emit: <K extends keyof DriveWorkerEvents>(event: K, ...args: DriveWorkerEvents[K]) => void;
  /** The disc in the drive was refused for a copy before anything was recorded (null: it could not be read). */
  readonly onMediaRefused: (media: MediaStatus | null) => void;
}

/** Works on one copy job at a time for one drive. */
export class CopyHandler {
  readonly #o: CopyHandlerOptions;
  readonly #ctx: DriveContext;
  readonly #facts: RoutingFacts;
  #lease: JobLease | null = null;
  /** The phase of the copy in flight, with its own percent, speed and ETA, published as the drive's state. */
  readonly #phases = new PhaseReporter((f) => this.#publishPhase(f));
  /** The words beside the phase of the copy in flight (a test burn's). */
  #stageWords: string | undefined;
  /** The burn in flight was aborted because the worker stops: its job goes back to the queue. */
  #stopping = false;

  constructor(options: CopyHandlerOptions) {
    this.#o = options;
    this.#ctx = options.ctx;
    const { pool } = options.ctx;
    this.#facts = {
      lastFailedDrive: (runId, copy) => options.store.lastFailedDrive(runId, copy),
      drives: () => readAllDriveStatuses(pool.redis, pool.keys),
      setFacts: (runId) => readSetFacts(pool.redis, pool.keys, runId),
      claimSet: (runId, set, driveId, previous) => claimSet(pool.redis, pool.keys, runId, set, driveId, previous),
    };
  }

  /** Whether a copy is being worked on. */
  get busy(): boolean {
    return this.#lease !== null;
  }

  /** A run was cancelled: abort its burn in flight here, if any (the attempt is recorded `cancelled`). */
  cancelRun(runId: string, reason: string): void {
    this.#lease?.cancelRun(runId, reason);
  }

  /** The worker stops: abort the burn in flight (attempt `cancelled`) and give its job back for another drive. */
  abortForStop(): void {
    if (this.#lease === null) return;
    this.#stopping = true;
    this.#lease.abort('the drive worker is stopping');
  }

  /** Work on a copy; false when it was put back to the queue for another drive instead. */
  async handle(job: Job, token: string, cls: MediaClass, media: MediaStatus): Promise<boolean> {
    const ctx = this.#ctx;
    const lease = new JobLease({
      job, token, lockDurationMs: ctx.pool.lockDurationMs, device: ctx.drive.address,
      runStatus: (runId) => this.#o.store.getRunStatus(runId), onError: (e) => ctx.error(e),
    });
    this.#lease = lease;
    try {
      const route = await this.#route(lease);
      if (route.kind === 'elsewhere') return await this.#elsewhere(lease, cls, route);
      return await this.#burn(lease, cls, media);
    } catch (err) {
      ctx.error(err);
      // Put the job back if we still hold it (when the lock is gone this fails quietly and the stalled check recovers it).
      await ctx.putBack(job, token, 'error').catch(() => undefined);
      return true;
    } finally {
      lease.end();
      this.#phases.end(false);
      this.#lease = null;
    }
  }

  /** A copy this drive will not burn: to a waiting drive of the agent that may (true), else back to the queue (false). */
  async #elsewhere(lease: JobLease, cls: MediaClass, route: Extract<CopyRoute, { kind: 'elsewhere' }>): Promise<boolean> {
    const { pool } = this.#ctx;
    this.#o.emit('passed-on', { runId: lease.data.runId, copy: lease.data.copy, jobId: lease.jobId, why: route.why });
    if (pool.waiting.handOff(cls, lease.job, lease.token, route.handOffTo) !== null) return true;
    await this.#ctx.putBack(lease.job, lease.token, route.why);
    if (route.callDrives !== null) {
      pool.callDrives(lease.jobId, lease.data.runId, route.callDrives, Date.now() + this.#o.routing.putBackDelayMs(route.why));
    }
    return false;
  }

  async #burn(lease: JobLease, cls: MediaClass, media: MediaStatus): Promise<boolean> {
    const ctx = this.#ctx;
    const { job, token, data } = lease;
    let outcome: CopyOutcome;
    try {
      outcome = await processCopy(data, ctx.drive, {
        store: this.#o.store,
        driveId: ctx.driveId,
        ...(ctx.options.driveLabel === undefined ? {} : { driveLabel: ctx.options.driveLabel }),
        agentId: ctx.options.agentId,
        jobId: lease.jobId,
        signal: lease.signal,
        media,
        onAttemptBegin: (a) => {
          // Preparing from the start: no "0% 0×" before the drive's first report.
          ctx.set({ state: 'burning', mediaType: a.mediaType, phase: 'preparing', phaseSeconds: 0, runId: a.runId, copy: a.copy, attemptId: a.id, ...discLabelOf(a) });
          this.#o.emit('attempt-begin', a);
        },
        onProgress: (p) => this.#progress(p),
        mediaClass: cls,
        ...(ctx.options.stagingDir === undefined ? {} : { stagingDir: ctx.options.stagingDir }),
        ...(ctx.options.imageStaging === undefined ? {} : { imageStaging: ctx.options.imageStaging }),
        ...(ctx.options.mergeStaging === undefined ? {} : { discImages: ctx.options.mergeStaging }),
        ...(ctx.loader === null ? {} : { afterDisc: ctx.loader.afterDisc.bind(ctx.loader) }),
      });
    } catch (err) {
      this.#phases.end(false);
      if (!(err instanceof CopyFailedError)) throw err;
      await this.#onFailure(lease, err, media, cls);
      return true;
    }
    this.#phases.end(outcome.kind === 'passed');
    if (outcome.kind === 'skipped') {
      if (outcome.reason === 'run-paused') await ctx.putBack(job, token, 'run-paused');
      else await job.moveToCompleted({ kind: 'skipped', reason: outcome.reason } satisfies CopyJobResult, token, false);
      return true;
    }
    // A good disc ends the drive's run of faults (a failure to say so must not touch the job).
    await this.#o.faults.success().catch((e: unknown) => ctx.error(e));
    const { attempt, end } = outcome;
    ctx.set({
      state: 'done', mediaType: attempt.mediaType, runId: attempt.runId, copy: attempt.copy, attemptId: attempt.id, ...discLabelOf(attempt),
      message: end.counted ? 'good disc: take it out' : 'good disc beyond the run\'s count (surplus): take it out', ...countsOf(end.driveCounts),
    });
    await this.#announce({
      kind: 'attempt-end', runId: data.runId, copy: data.copy, attemptId: attempt.id, driveId: ctx.driveId,
      outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted,
    });
    const result: CopyJobResult = { kind: 'passed', attemptId: attempt.id, counted: end.counted, runCompleted: end.runCompleted };
    await job.moveToCompleted(result, token, false);
    return true;
  }

  async #onFailure(lease: JobLease, failure: CopyFailedError, media: MediaStatus, cls: MediaClass): Promise<void> {
    const ctx = this.#ctx;
    const { job, token, data } = lease;
    const { attempt, error } = failure;
    if (attempt === null && !isMediaRefusal(error)) {
      // Nothing was burned and the disc is fine: the copy itself could not be made (a merged disc's image failed to build).
      ctx.set({ state: 'blank', mediaType: media.type });
      const reason = `${error.code}: ${error.message}`;
      await job.moveToFailed(error.retryable ? new Error(reason) : new UnrecoverableError(reason), token, false);
      if ((await job.getState()) === 'failed') {
        await this.#announce({
          kind: 'copy-exhausted', runId: data.runId, copy: data.copy, jobId: lease.jobId, replacement: data.replacement ?? 0,
          errorCode: error.code, errorMessage: error.message, retryable: error.retryable,
        });
      }
      return;
    }
    if (attempt === null) {
      // The disc was refused before anything was recorded (the disc the look found): wait for another disc, let another drive take the job.
      this.#o.onMediaRefused(media);
      ctx.set({ state: 'wrong-media', mediaType: media.type, message: `${error.message}: take the disc out and insert a suitable blank` });
      await ctx.putBack(job, token, 'media-refused');
      return;
    }
    const base = { runId: data.runId, copy: data.copy, attemptId: attempt.id, mediaType: attempt.mediaType, ...discLabelOf(attempt), ...countsOf(failure.driveCounts) };
    await this.#announce({
      kind: 'attempt-end', runId: data.runId, copy: data.copy, attemptId: attempt.id, driveId: ctx.driveId,
      outcome: failure.cancelled ? 'cancelled' : 'failed', counted: false, surplus: false, runCompleted: false, errorCode: error.code,
    });
    if (failure.cancelled) {
      ctx.set({ ...base, state: 'failed', message: 'burn cancelled: the disc is a coaster, take it out' });
      if (this.#stopping) await ctx.putBack(job, token, 'stopping');
      else await job.moveToCompleted({ kind: 'cancelled', attemptId: attempt.id } satisfies CopyJobResult, token, false);
      return;
    }
    if (isMediaRefusal(error)) {
      await this.#refused(lease, cls, failure);
      return;
    }
    ctx.set({ ...base, state: 'failed', message: `${error.code}: ${error.message}. The disc is a coaster: take it out` });
    const reason = `${error.code}: ${error.message}`;
    await job.moveToFailed(error.retryable ? new Error(reason) : new UnrecoverableError(reason), token, false);
    // A retry is queued (after its backoff): this agent's idle drives look again.
    ctx.pool.reopen();
    if ((await job.getState()) === 'failed') {
      await this.#announce({
        kind: 'copy-exhausted', runId: data.runId, copy: data.copy, jobId: lease.jobId, replacement: data.replacement ?? 0,
        errorCode: error.code, errorMessage: error.message, retryable: error.retryable,
      });
    }
    if (!error.driveFault) return;
    // Counted in Redis beside the quarantine entry: a release by anyone starts the count afresh.
    const quarantined = await this.#o.faults.fault(error.code);
    if (quarantined === null) return;
    ctx.pool.invalidateQuarantine();
    ctx.set({ state: 'quarantined', message: `${quarantined.reason}. Check the drive and its discs, then release it.` });
    this.#o.emit('quarantined', quarantined);
  }

  /**
   * The burn refused the copy for its media or the drive's capabilities after
   * its attempt was recorded (a race: a disc swapped, a capability nobody
   * declared). Nothing was written. Not a drive fault, not a failure of the
   * copy: the drive takes no more copies of the run and the copy goes on, to
   * a waiting drive of the agent that can take it, else back to the queue.
   */
  async #refused(lease: JobLease, cls: MediaClass, failure: CopyFailedError): Promise<void> {
    const { data } = lease;
    const { attempt, error } = failure;
    this.#o.routing.refused(data.runId);
    this.#ctx.set({
      state: 'wrong-media', mediaType: attempt?.mediaType ?? null, runId: data.runId, copy: data.copy,
      message: `${error.code}: ${error.message}. Nothing was written: this drive takes no more copies of this run, other drives burn them`,
    });
    const route = await this.#route(lease);
    if (route.kind === 'elsewhere') await this.#elsewhere(lease, cls, route);
    else await this.#ctx.putBack(lease.job, lease.token, 'unsuitable');
  }

  /** Where the copy a lease holds goes ({@link CopyRouting.route}). */
  #route(lease: JobLease): Promise<CopyRoute> {
    return this.#o.routing.route({ ...routedCopyOf(lease.job), jobId: lease.jobId }, this.#facts);
  }

  #progress(p: CopyProgress): void {
    this.#stageWords = stageMessage(p);
    const phase = p.phase === 'verifying' ? 'verifying' : (p.stage ?? 'writing');
    // Without byte counts the percent stands in: the phase's rate, and so its ETA, come out the same.
    this.#phases.report({
      phase, bytesDone: p.bytesDone ?? p.percent, bytesTotal: p.bytesTotal ?? 100,
      ...(p.speedX === undefined ? {} : { speedX: p.speedX }),
      ...(p.speedMBps === undefined ? {} : { speedMBps: p.speedMBps }),
    }, this.#ctx.status()?.mediaType ?? null);
  }

  #publishPhase(f: PhaseFigures): void {
    const s = this.#ctx.status();
    const message = this.#stageWords;
    this.#ctx.set({
      state: f.phase === 'verifying' ? 'verifying' : 'burning',
      mediaType: s?.mediaType ?? null,
      ...f,
      ...(s?.runId === undefined ? {} : { runId: s.runId }),
      ...(s?.copy === undefined ? {} : { copy: s.copy }),
      ...(s?.attemptId === undefined ? {} : { attemptId: s.attemptId }),
      ...(s?.discLabel === undefined ? {} : { discLabel: s.discLabel }),
      ...(message === undefined ? {} : { message }),
    });
  }

  async #announce(event: RunEvent): Promise<void> {
    if (event.kind === 'attempt-end') this.#o.emit('attempt-end', event);
    try {
      await this.#ctx.pool.redis.publish(this.#ctx.pool.keys.runEvents(), JSON.stringify(event));
    } catch (err) {
      this.#ctx.error(err);
    }
  }
}

/** What an operator reads beside a burn's percentage: the stages where the bar does not move. */
function stageMessage(p: CopyProgress): string | undefined {
  const test = p.phase === 'test-burning' ? 'test burn (laser off)' : undefined;
  if (p.stage === 'preparing') return test === undefined ? 'preparing the drive' : `${test}: preparing the drive`;
  if (p.stage === 'fixating') return test === undefined ? 'closing the disc' : `${test}: closing the disc`;
  return test;
}

/** A merged copy's disc label (`serial 01003`), a set run's disc's (`set 2 · disc 1/3`), for the drive's status. */
function discLabelOf(a: AttemptRecord): { discLabel?: string } {
  if (a.set !== undefined) return { discLabel: setLabel(a.set) };
  return a.merge === undefined ? {} : { discLabel: a.merge.label };
}

/** The drive's counts for the status that closes an attempt (see `DriveStatus.counts`). */
function countsOf(counts: DriveCounts | null): { counts?: DriveCounts } {
  return counts === null ? {} : { counts };
}
