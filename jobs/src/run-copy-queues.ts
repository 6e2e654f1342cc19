/**
 * The copy queues as the run planner uses them: one BullMQ queue per media
 * class, all on the planner's command connection, and the jobs of one run
 * in them (its live jobs, their removal, the options each copy job gets).
 */
import { Queue } from 'bullmq';
import type { Job, JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { MEDIA_SIZES } from 'node-cdrecord-wrapper';
import type { MediaClass } from 'node-cdrecord-wrapper';
import type { CopyJob } from './job-types.js';
import { copyJobId, copyJobIdPrefix } from './queue-names.js';
import type { RedisSchema } from './protocol/redis-schema.js';
import type { NewRun, RunRecord } from './run-records.js';

/** Job states of a copy no drive holds. */
export const LIVE_STATES = ['waiting', 'prioritized', 'delayed'] as const;
/** A job state {@link RunCopyQueues.jobsOf} can look in. */
export type CopyJobState = (typeof LIVE_STATES)[number] | 'active' | 'failed' | 'completed';

/** Removals of {@link RunCopyQueues.removeQueued} in flight at once. */
const REMOVE_BATCH = 500;

/** Every media class (each has its copy queue). */
const MEDIA_CLASSES: readonly MediaClass[] = [...new Set(MEDIA_SIZES.map((m) => m.mediaClass))];

/** What {@link RunCopyQueues} needs. */
export interface RunCopyQueuesOptions {
  /** The connection the queues share (and its options). */
  readonly connection: Redis;
  /** Names of the queues. */
  readonly schema: RedisSchema;
  readonly bullPrefix?: string;
  /** BullMQ backoff between attempts of one copy, ms (fixed). Default 5000. */
  readonly retryBackoffMs?: number;
  /** A queue's `error` events. */
  readonly onError: (err: Error) => void;
}

/** The copy queues of every media class, and a run's jobs in them. */
export class RunCopyQueues {
  readonly #o: RunCopyQueuesOptions;
  readonly #queues = new Map<MediaClass, Queue>();

  constructor(options: RunCopyQueuesOptions) {
    this.#o = options;
  }

  /**
   * Make every class's queue and wait until each is ready. Call while the
   * connection is up: a BullMQ queue made while Redis is away would wait
   * for it, however long, at its first use.
   */
  async open(): Promise<void> {
    for (const cls of MEDIA_CLASSES) this.queue(cls);
    await Promise.all([...this.#queues.values()].map((q) => q.waitUntilReady()));
  }

  /** The copy queue of a media class. */
  queue(cls: MediaClass): Queue {
    let q = this.#queues.get(cls);
    if (q === undefined) {
      q = new Queue(this.#o.schema.copyQueue(cls), {
        connection: this.#o.connection,
        skipVersionCheck: true,
        ...(this.#o.bullPrefix === undefined ? {} : { prefix: this.#o.bullPrefix }),
      });
      q.on('error', (e) => this.#o.onError(e));
      this.#queues.set(cls, q);
    }
    return q;
  }

  /** The options of copy `copy`'s job number `replacement` of a run (its id is fixed per slot and replacement). */
  jobOptions(run: NewRun, copy: number, replacement: number): JobsOptions {
    return {
      jobId: copyJobId(run.id, copy, replacement),
      priority: run.priority,
      attempts: run.maxAttemptsPerCopy,
      backoff: { type: 'fixed', delay: this.#o.retryBackoffMs ?? 5000 },
    };
  }

  /** A run's jobs in the given states. */
  async jobsOf(run: RunRecord, states: readonly CopyJobState[]): Promise<Job[]> {
    const jobs = await this.queue(run.mediaClass).getJobs([...states]);
    return jobs.filter((j) => (j.data as Partial<CopyJob> | undefined)?.runId === run.id);
  }

  /**
   * Remove a run's jobs that no drive holds. They are found by their ids,
   * which start with the run's (see {@link copyJobId}), not by reading every
   * job of the class's queue: a queue holding a cancelled 10,000-copy run
   * took 10,000 reads of whole jobs and 10,000 removals one after another,
   * seconds in which the drives kept taking the run's copies only to skip
   * them. The removals go {@link REMOVE_BATCH} at a time.
   */
  async removeQueued(run: Pick<RunRecord, 'id' | 'mediaClass'>): Promise<void> {
    const queue = this.queue(run.mediaClass);
    const prefix = copyJobIdPrefix(run.id);
    const ids = [...new Set(await queue.getRanges([...LIVE_STATES], 0, -1))].filter((id) => id.startsWith(prefix));
    for (let i = 0; i < ids.length; i += REMOVE_BATCH) {
      // A job a drive took meanwhile is locked: BullMQ refuses to remove it, and its drive finds the run cancelled.
      await Promise.all(ids.slice(i, i + REMOVE_BATCH).map((id) => queue.remove(id).catch(() => 0)));
    }
  }

  /** Close every queue. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
  }
}
