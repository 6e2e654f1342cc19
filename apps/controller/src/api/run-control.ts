/**
 * Pause, resume and cancel through the planner, plus a cancel that lets the
 * burns in flight finish: the run is paused (no new burn starts), its queued
 * jobs are removed, and once no attempt is open it becomes `cancelled`.
 * (The planner's own cancel stops burns in flight.)
 */
import type { RunPlanner, RunRecord, RunStore } from '@tower/jobs';
import { conflict, notFound } from './api-error.js';
import type { CopyQueues } from './copy-queues.js';
import type { RunMetaStore } from './run-meta.js';

/** What an operator can do to a run. */
export class RunControl {
  constructor(
    private readonly planner: RunPlanner,
    private readonly store: RunStore,
    private readonly meta: RunMetaStore,
    private readonly queues: CopyQueues,
    private readonly onChanged: (runId: string) => void,
  ) {}

  /** Pause; 404 unknown, 409 when not queued or running. */
  async pause(runId: string, by: string): Promise<void> {
    const run = await this.#require(runId);
    if (!(await this.planner.pauseRun(runId, `paused by ${by}`))) throw conflict(`run ${runId} is ${run.status}: only a queued or running run can be paused`);
  }

  /** Resume; 404 unknown, 409 when not paused (or while a cancel is finishing). */
  async resume(runId: string): Promise<void> {
    const run = await this.#require(runId);
    if ((await this.meta.get(runId)).finishing) throw conflict(`run ${runId} is being cancelled: it cannot be resumed`);
    if (!(await this.planner.resumeRun(runId))) throw conflict(`run ${runId} is ${run.status}: only a paused run can be resumed`);
  }

  /** Cancel; `finish` lets burns in flight end first. 404 unknown, 409 when already finished. */
  async cancel(runId: string, inFlight: 'cancel' | 'finish', by: string): Promise<void> {
    const run = await this.#require(runId);
    const reason = `cancelled by ${by}`;
    const finished = (): Error => conflict(`run ${runId} is already ${run.status}`);
    if (inFlight === 'cancel' || run.counters.open === 0) {
      if (!(await this.planner.cancelRun(runId, reason))) throw finished();
      await this.meta.setFinishing(runId, false);
      return;
    }
    if (!['queued', 'running', 'paused'].includes(run.status)) throw finished();
    if (run.status !== 'paused' && !(await this.store.setRunStatus(runId, 'paused', { from: ['queued', 'running'], reason: `${reason}: letting the burns in flight finish` }))) {
      throw finished();
    }
    await this.meta.setFinishing(runId, true);
    await this.queues.removeQueued(runId, run.mediaClass);
    this.onChanged(runId);
    await this.settle(runId);
  }

  /** Complete a finishing cancel once no attempt is open. Safe to call any time. */
  async settle(runId: string): Promise<void> {
    const meta = await this.meta.get(runId);
    if (!meta.finishing) return;
    const run = await this.store.getRun(runId);
    if (run === null || run.status !== 'paused') {
      await this.meta.setFinishing(runId, false);
      return;
    }
    if (run.counters.open > 0) return;
    await this.planner.cancelRun(runId, run.statusReason?.replace(/: letting the burns in flight finish$/, '') ?? 'cancelled');
    await this.meta.setFinishing(runId, false);
    await this.queues.removeQueued(runId, run.mediaClass);
  }

  async #require(runId: string): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (run === null) throw notFound('run', runId, 'id');
    return run;
  }
}
