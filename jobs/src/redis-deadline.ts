/**
 * Bounded waits on Redis. The agent's connections queue commands while
 * Redis is away and retry them for ever (`maxRetriesPerRequest: null`, what
 * BullMQ needs and what lets a run ride out a Redis restart), so an await on
 * one of them can last as long as the outage. Where a process must not wait
 * that long (starting, stopping), the await goes through `withDeadline`.
 */
import type { Redis } from 'ioredis';

/** Redis did not answer in time (it is down, unreachable, or stopped). */
export class RedisTimeoutError extends Error {
  readonly code = 'REDIS_TIMEOUT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * `promise`, or a `RedisTimeoutError` after `ms` ("Redis did not answer
 * within N s (what)"), or the signal's reason once it is aborted. The
 * promise itself goes on (its rejection, when the connection is closed
 * later, is swallowed).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      done();
      reject(new RedisTimeoutError(`Redis did not answer within ${seconds(ms)} (${what})`));
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => {
      done();
      resolve(v);
    }, (err: unknown) => {
      done();
      reject(err as Error);
    });
  });
}

/** Whether `promise` settles within `ms` (never rejects). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connect (a `lazyConnect` connection) and wait until it is ready, retrying
 * as ioredis does, for at most `ms`; then a `RedisTimeoutError` naming the
 * last connection error. A connection that never answers (a stopped
 * redis-server accepts TCP but replies nothing) fails the same way.
 */
export function connectWithin(redis: Redis, ms: number, where: string, signal?: AbortSignal): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    let lastError = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (e: Error): void => {
      lastError = e.message;
    };
    const onAbort = (): void => {
      cleanup();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisTimeoutError(`Redis at ${where} did not answer within ${seconds(ms)}${lastError === '' ? '' : ` (${lastError})`}`));
    }, ms);
    redis.on('ready', onReady);
    redis.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    // A refused first connect rejects connect(); ioredis keeps retrying by itself, and 'ready' settles this.
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
  });
}

/** A Redis URL with its credentials replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('stopped', 'AbortError');
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
