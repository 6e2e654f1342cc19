/**
 * Keeps every unfinished copy slot of an active run served by a live job:
 * a copy whose job exhausted its attempts gets the next job (or, when the
 * error is not retryable or the failure budget is spent, the run fails),
 * and reconciliation brings a run's queued jobs in line with its state,
 * catching up on worker events no planner heard. The run planner's part
 * that reacts to how copies went.
 */
import type { Job } from 'bullmq';
import type { CopyJob } from './job-types.js';
import { copyJobId } from './queue-names.js';
import type { RunCopyQueues } from './run-copy-queues.js';
import type { CopyExhaustedEvent } from './run-events.js';
import type { RunRecord } from './run-records.js';
import { slotJob } from './run-request.js';
import type { RunStore } from './run-store.js';

/** A run that may still burn discs. */
export function isRunActive(status: RunRecord['status']): boolean {
  return status === 'queued' || status === 'running' || status === 'paused';
}

/** What {@link CopySlotUpkeep} works with. */
export interface CopySlotUpkeepOptions {
  readonly store: RunStore;
  readonly queues: RunCopyQueues;
  /** Tell the drives a run has work. */
  readonly signalWork: (runId: string) => Promise<void>;
  /** Finish a cancel that waited for its burns in flight, once none is open. */
  readonly settle: (runId: string) => Promise<unknown>;
  /** A run changed: report it. */
  readonly changed: (runId: string) => Promise<unknown>;
  /** A replacement copy job was added. */
  readonly replaced: (info: { readonly runId: string; readonly copy: number; readonly jobId: string }) => void;
}

/** Replacement jobs for exhausted copies, and reconciliation of a run's jobs. */
export class CopySlotUpkeep {
  readonly #o: CopySlotUpkeepOptions;

  constructor(options: CopySlotUpkeepOptions) {
    this.#o = options;
  }

  /**
   * Bring one run's queued jobs in line with its state: a finished run has
   * none; a cancelling one has none and is cancelled once no attempt is
   * open; an active run has a live job for every slot without a pass.
   */
  async reconcileRun(run: RunRecord): Promise<void> {
    if (!isRunActive(run.status)) {
      await this.#o.queues.removeQueued(run);
      return;
    }
    if (run.finishing === true) {
      await this.#o.queues.removeQueued(run);
      await this.#o.settle(run.id);
      return;
    }
    const passed = new Set(await this.#o.store.passedSlots(run.id));
    const jobs = await this.#o.queues.jobsOf(run, ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed']);
    const bySlot = new Map<number, Job[]>();
    for (const job of jobs) {
      const copy = (job.data as CopyJob).copy;
      bySlot.set(copy, [...(bySlot.get(copy) ?? []), job]);
    }
    for (let copy = 1; copy <= run.copies; copy++) {
      if (passed.has(copy)) continue;
      const slotJobs = bySlot.get(copy) ?? [];
      const states = await Promise.all(slotJobs.map((j) => j.getState()));
      if (states.some((state) => state !== 'failed' && state !== 'completed')) continue;
      const last = slotJobs.reduce<Job | null>(
        (a, j) => (a === null || ((j.data as CopyJob).replacement ?? 0) > ((a.data as CopyJob).replacement ?? 0) ? j : a),
        null,
      );
      await this.onExhausted({
        kind: 'copy-exhausted',
        runId: run.id,
        copy,
        jobId: last?.id ?? copyJobId(run.id, copy, 0),
        replacement: last === null ? -1 : ((last.data as CopyJob).replacement ?? 0),
        errorCode: 'RECONCILED',
        errorMessage: last?.failedReason ?? 'the copy had no queued job',
        retryable: true,
      });
    }
  }

  /**
   * A copy exhausted its job's attempts: give the slot its next job, unless
   * it passed meanwhile, the run is no longer active, the error is one
   * another attempt will not fix or the run's failure budget is spent (then
   * the run fails). Idempotent: the next job's id is fixed.
   */
  async onExhausted(event: CopyExhaustedEvent): Promise<void> {
    const run = await this.#o.store.getRun(event.runId);
    if (run === null || !isRunActive(run.status) || run.finishing === true) return;
    if ((await this.#o.store.passedSlots(run.id)).includes(event.copy)) return;
    let failReason: string | null = null;
    if (!event.retryable) {
      failReason = `copy ${event.copy} failed with ${event.errorCode}, which another attempt will not fix: ${event.errorMessage}`;
    } else if (run.counters.failed >= run.failureBudget) {
      failReason = `failure budget spent (${run.counters.failed} failed attempts, last ${event.errorCode}): check the drives and media`;
    }
    if (failReason !== null) {
      if (await this.#o.store.setRunStatus(run.id, 'failed', { from: ['queued', 'running', 'paused'], reason: failReason })) {
        await this.#o.queues.removeQueued(run);
        await this.#o.changed(run.id);
      }
      return;
    }
    const k = event.replacement + 1;
    const jobId = copyJobId(run.id, event.copy, k);
    const queue = this.#o.queues.queue(run.mediaClass);
    if ((await queue.getJob(jobId)) !== undefined) return;
    await this.#o.store.nextReplacement(run.id);
    // Slot k always carries row k: a run of rows reads the slot's row back (its replacement burns the same row).
    const row = await this.#o.store.slotMerge(run, event.copy);
    if (run.merge !== undefined && row === undefined) throw new Error(`run ${run.id}: copy ${event.copy} has no merge row to burn again`);
    await queue.add('copy', slotJob(run, event.copy, k, row), this.#o.queues.jobOptions(run, event.copy, k));
    await this.#o.signalWork(run.id);
    this.#o.replaced({ runId: run.id, copy: event.copy, jobId });
  }
}
