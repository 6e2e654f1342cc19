/**
 * The API when Redis cannot be reached. The controller's connections fail
 * their commands instead of queueing them (`failFastRedisOptions`: no
 * offline queue, a deadline on every command), so a handler fails within the
 * deadline; this module turns that failure into a 503 `REDIS_UNAVAILABLE`
 * naming the Redis (`host:port`, never the password) and the reason.
 *
 * A command written to a Redis that has stopped answering is still carried
 * out if that Redis wakes up, whatever the client does meanwhile. So a
 * request that changes something is first admitted by a round trip to Redis
 * within the deadline (`admit`, or the idempotency claim): a request
 * answered 503 because Redis was away never ran its handler, and nothing of
 * it happens later. What a handler had written before Redis went away
 * part-way is undone by a step registered with `later`, tried at once and
 * again whenever Redis is back, until it succeeds.
 */
import type { Redis } from 'ioredis';
import { describeRedisFailure, isRedisUnavailableError, RedisUnavailableError } from '@tower/jobs';
import type { RedisConnectivity } from '@tower/jobs';
import { ApiError } from './api-error.js';

/** Default deadline of the Redis work of one request, ms. */
export const DEFAULT_REQUEST_DEADLINE_MS = 3000;

/** Options of a {@link RedisGuard}. */
export interface RedisGuardOptions {
  readonly redis: Redis;
  readonly connectivity: RedisConnectivity;
  /** Deadline of a request's admission round trip, ms (also the command deadline named in messages). */
  readonly deadlineMs?: number;
}

/** Fail fast and clearly when Redis is away; undo half-done work when it is back. */
export class RedisGuard {
  readonly deadlineMs: number;
  readonly #o: RedisGuardOptions;
  readonly #later = new Map<string, () => Promise<void>>();
  readonly #onUp = (): void => this.#runLater();
  #closed = false;

  constructor(options: RedisGuardOptions) {
    this.#o = options;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
    options.connectivity.on('up', this.#onUp);
  }

  /** `host:port` of the Redis. */
  get target(): string {
    return this.#o.connectivity.target;
  }

  /**
   * Admit a request that changes something: resolves once Redis answered a
   * PING within the deadline, else throws the 503.
   */
  async admit(): Promise<void> {
    await this.within(this.#o.redis.ping());
  }

  /** `work`, or a `RedisUnavailableError` once the deadline has passed (the work itself is not stopped). */
  within<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new RedisUnavailableError(`no answer within ${this.deadlineMs} ms`);
        this.#o.connectivity.failed(this.#o.redis, err);
        reject(err);
      }, this.deadlineMs);
      work.then((v) => {
        clearTimeout(timer);
        resolve(v);
      }, (err: unknown) => {
        clearTimeout(timer);
        reject(err as Error);
      });
    });
  }

  /** The 503 for an error that says Redis is unreachable, or null for any other error. */
  toApiError(err: unknown): ApiError | null {
    if (!isRedisUnavailableError(err)) return null;
    this.#o.connectivity.failed(undefined, err);
    const reason = describeRedisFailure(err, this.deadlineMs);
    const known = this.#o.connectivity.reason;
    const why = reason === 'not connected' && known !== '' && known !== reason ? `not connected (${known})` : reason;
    return new ApiError(503, 'REDIS_UNAVAILABLE', `the controller cannot reach Redis at ${this.target}: ${why}; retry when it is back`);
  }

  /**
   * A step that must be carried out once Redis answers (undoing what a
   * failed request wrote): tried now, then each time Redis is back, until it
   * resolves. A step that fails for another reason than Redis is dropped. A
   * second step under the same key replaces the first.
   */
  later(key: string, step: () => Promise<void>): void {
    if (this.#closed) return;
    this.#later.set(key, step);
    this.#try(key, step);
  }

  /** Steps still waiting for Redis. */
  get pendingSteps(): number {
    return this.#later.size;
  }

  /** Stop retrying (what is left is dropped). */
  close(): void {
    this.#closed = true;
    this.#later.clear();
    this.#o.connectivity.off('up', this.#onUp);
  }

  #runLater(): void {
    for (const [key, step] of this.#later) this.#try(key, step);
  }

  #try(key: string, step: () => Promise<void>): void {
    void step().then(() => {
      if (this.#later.get(key) === step) this.#later.delete(key);
    }, (err: unknown) => {
      if (!isRedisUnavailableError(err) && this.#later.get(key) === step) this.#later.delete(key);
    });
  }
}
