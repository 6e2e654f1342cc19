/**
 * The BullMQ copy queues, for removing a run's queued jobs (the planner owns
 * adding them).
 */
import { Queue } from 'bullmq';
import { copyQueueName } from '@tower/jobs';
import type { CopyJob } from '@tower/jobs';
import type { MediaClass } from 'node-cdrecord-wrapper';

/** Lazily opened copy queues. */
export class CopyQueues {
  readonly #queues = new Map<MediaClass, Queue>();

  constructor(private readonly redisUrl: string) {}

  /** Remove a run's jobs no drive holds (waiting, prioritized, delayed). Returns how many. */
  async removeQueued(runId: string, mediaClass: MediaClass): Promise<number> {
    const jobs = await this.#queue(mediaClass).getJobs(['waiting', 'prioritized', 'delayed']);
    let removed = 0;
    for (const job of jobs) {
      if ((job.data as Partial<CopyJob> | undefined)?.runId !== runId) continue;
      await job.remove().then(() => removed++, () => undefined);
    }
    return removed;
  }

  /** Close every queue opened. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => undefined)));
    this.#queues.clear();
  }

  #queue(cls: MediaClass): Queue {
    let q = this.#queues.get(cls);
    if (q === undefined) {
      q = new Queue(copyQueueName(cls), { connection: { url: this.redisUrl } });
      q.on('error', () => undefined);
      this.#queues.set(cls, q);
    }
    return q;
  }
}
