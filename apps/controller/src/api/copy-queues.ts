/**
 * The BullMQ copy queues, for their depth (the planner owns adding and
 * removing jobs). They share the app's connection, and so fail rather than
 * wait when Redis is away.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RedisUnavailableError } from '@tower/jobs';
import type { RedisSchema } from '@tower/jobs';
import type { MediaClass } from 'node-cdrecord-wrapper';

/** Lazily opened copy queues. */
export class CopyQueues {
  readonly #queues = new Map<MediaClass, Queue>();

  constructor(
    private readonly redis: Redis,
    /** Names of the queues. */
    private readonly schema: RedisSchema,
  ) {}

  /**
   * A media class's copy jobs: `queued` waits for a drive (waiting,
   * prioritized, delayed: a retry's backoff), `active` is held by a drive.
   */
  async depth(mediaClass: MediaClass): Promise<{ readonly queued: number; readonly active: number }> {
    const c = await this.#queue(mediaClass).getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return { queued: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0), active: c.active ?? 0 };
  }

  /** Close every queue opened. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => undefined)));
    this.#queues.clear();
  }

  #queue(cls: MediaClass): Queue {
    let q = this.#queues.get(cls);
    if (q === undefined) {
      // Made only while connected: a BullMQ queue made while Redis is away waits for it at its first use.
      if (this.redis.status !== 'ready') throw new RedisUnavailableError('not connected');
      q = new Queue(this.schema.copyQueue(cls), { connection: this.redis, skipVersionCheck: true });
      q.on('error', () => undefined);
      this.#queues.set(cls, q);
    }
    return q;
  }
}
