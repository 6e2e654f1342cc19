/**
 * What an agent's copy queues hold next, for the build-ahead of its
 * `MergeStaging`: the head of a media class's queue in the order drives fetch
 * from it (BullMQ takes from the `wait` list first, then from the
 * prioritized set, lowest score first). Read only: nothing is fetched, locked
 * or moved. The queues share the agent's command connection.
 */
import { Queue } from 'bullmq';
import type { MediaClass } from 'node-cdrecord-wrapper';
import type { AgentConnections } from './agent-connections.js';
import type { CopyJob } from './job-types.js';

/** Reads the copies waiting at the head of an agent's copy queues. */
export class CopyQueuePeek {
  readonly #pool: AgentConnections;
  readonly #queues = new Map<MediaClass, Queue>();
  readonly #onError: (err: Error) => void;

  constructor(pool: AgentConnections, onError: (err: Error) => void = () => undefined) {
    this.#pool = pool;
    this.#onError = onError;
  }

  /** The first `count` copies (about) waiting in `cls`'s queue, next to be fetched first. */
  async upcoming(cls: MediaClass, count: number): Promise<CopyJob[]> {
    const jobs = await this.#queue(cls).getJobs(['waiting', 'prioritized'], 0, Math.max(0, count - 1), true);
    const out: CopyJob[] = [];
    for (const job of jobs) {
      const data = job?.data as CopyJob | undefined;
      if (data !== undefined && typeof data.runId === 'string' && Number.isSafeInteger(data.copy)) out.push(data);
    }
    return out.slice(0, count);
  }

  /** Close the queue handles (the shared connection stays open). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }

  #queue(cls: MediaClass): Queue {
    let q = this.#queues.get(cls);
    if (q === undefined) {
      const worker = this.#pool.copyWorker(cls);
      q = new Queue(worker.name, {
        connection: this.#pool.redis,
        skipVersionCheck: true,
        ...(worker.opts.prefix === undefined ? {} : { prefix: worker.opts.prefix }),
      });
      q.on('error', (e) => this.#onError(e));
      this.#queues.set(cls, q);
    }
    return q;
  }
}
