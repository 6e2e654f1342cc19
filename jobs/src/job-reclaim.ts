/**
 * Give the copy jobs of interrupted attempts back to the queue at once,
 * instead of waiting for BullMQ's stalled-job check (lock expiry plus up to
 * two check intervals). Used by an agent that starts again after a crash and
 * by the controller when it declares an agent dead.
 *
 * Only the caller that closed an attempt (`closeInterruptedAttempts` returns
 * the ids it closed, atomically) reclaims its job, and only while the job is
 * still active with no other open attempt of the same job: a job that stall
 * detection already handed to another drive is left alone. Should both ever
 * run it, the run store still counts the slot once; the extra disc is surplus.
 */
import { Queue } from 'bullmq';
import type { RunStore } from './run-store.js';
import type { MediaClass } from 'node-cdrecord-wrapper';

/** Where the copy queues live. */
export interface ReclaimContext {
  readonly store: RunStore;
  readonly redisUrl: string;
  readonly bullPrefix?: string;
}

/** Move the jobs of these (closed, interrupted) attempts from active back to waiting. Returns the job ids moved. */
export async function reclaimInterruptedJobs(ctx: ReclaimContext, attemptIds: readonly string[]): Promise<string[]> {
  if (attemptIds.length === 0) return [];
  const queues = new Map<MediaClass, Queue>();
  const queueFor = (cls: MediaClass): Queue => {
    let q = queues.get(cls);
    if (q === undefined) {
      q = new Queue(ctx.store.keys.copyQueue(cls), {
        connection: { url: ctx.redisUrl },
        ...(ctx.bullPrefix === undefined ? {} : { prefix: ctx.bullPrefix }),
      });
      q.on('error', () => undefined);
      queues.set(cls, q);
    }
    return q;
  };
  const moved: string[] = [];
  try {
    for (const attemptId of attemptIds) {
      const attempt = await ctx.store.getAttempt(attemptId);
      if (attempt === null || attempt.jobId === '') continue;
      const run = await ctx.store.getRun(attempt.runId);
      if (run === null) continue;
      const job = await queueFor(run.mediaClass).getJob(attempt.jobId);
      if (job === undefined || (await job.getState()) !== 'active') continue;
      const others = await ctx.store.listAttempts(run.id);
      if (others.some((a) => a.jobId === attempt.jobId && a.id !== attempt.id && a.outcome === undefined)) continue;
      // Token '0': the dead worker's lock is not ours to match; BullMQ then skips the lock check.
      await job.moveToWait('0');
      moved.push(attempt.jobId);
    }
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
  }
  return moved;
}
