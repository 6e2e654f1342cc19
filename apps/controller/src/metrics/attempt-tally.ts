/**
 * AttemptTally: every closed attempt in the run store, taken once each.
 *
 * Attempts are append-only: written when they begin, closed once, never
 * rewritten nor removed (see run-store.ts). So what a closed attempt says
 * never changes, and a reader that takes each closed attempt exactly once,
 * by its id, counts every disc once. The tally holds no count of its own
 * across restarts: a new one reads the whole history from Redis again and
 * reaches the same totals, so nothing is lost or counted twice when the
 * controller restarts (Prometheus sees a counter reset, which it handles).
 *
 * Each `sync` reads the attempts index only when it grew (its size is
 * compared with the ids already known), and the hashes only of attempts new
 * to it or still open at the last look.
 */
import type { Redis } from 'ioredis';
import type { AttemptOutcome, RedisSchema } from '@tower/jobs';

/** What the metrics take of a closed attempt. */
export interface ClosedAttempt {
  readonly id: string;
  readonly driveId: string;
  /** `unknown` when the attempt began without a known disc. */
  readonly mediaType: string;
  readonly outcome: AttemptOutcome;
  /** The copy was refused for its media before anything was written: no disc was used. */
  readonly refusal: boolean;
  /** The burn's duration (the test burn left out), s; null when the burn did not finish. */
  readonly burnSeconds: number | null;
  /** The read-back verify's duration, s; null when no verify passed. */
  readonly verifySeconds: number | null;
}

const FIELDS = ['id', 'driveId', 'mediaType', 'outcome', 'endedAt', 'refusal', 'durationMs', 'verifyDurationMs'] as const;
const OUTCOMES: readonly string[] = ['passed', 'failed', 'cancelled', 'interrupted'];

/** Takes each closed attempt once. */
export class AttemptTally {
  /** Closed attempts already handed on (and ids whose hash is gone): never read again. */
  readonly #done = new Set<string>();
  /** Attempts seen open: read again at each sync until they close. */
  readonly #open = new Set<string>();
  #syncing: Promise<number> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisSchema,
    /** Called once for each attempt the first time it is seen closed. */
    private readonly onClosed: (attempt: ClosedAttempt) => void,
  ) {}

  /** Attempts handed on so far. */
  get closedCount(): number {
    return this.#done.size;
  }

  /**
   * Read what changed since the last sync and hand on each newly closed
   * attempt. Calls made while one runs share it. Returns how many were handed on.
   */
  sync(): Promise<number> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #sync(): Promise<number> {
    const index = this.keys.attemptsByTime();
    const total = await this.redis.zcard(index);
    const look = [...this.#open];
    if (total > this.#done.size + this.#open.size) {
      for (const id of await this.redis.zrange(index, '0', '-1')) {
        if (!this.#done.has(id) && !this.#open.has(id)) look.push(id);
      }
    }
    if (look.length === 0) return 0;
    const pipe = this.redis.pipeline();
    for (const id of look) pipe.hmget(this.keys.attempt(id), ...FIELDS);
    const replies = (await pipe.exec()) ?? [];
    // Nothing is handed on until every read is in: a failed read leaves the tally as it was.
    const rows = replies.map(([err, values]) => {
      if (err) throw err;
      return values as (string | null)[];
    });
    let handed = 0;
    rows.forEach((values, i) => {
      const id = look[i] ?? '';
      const [hashId, driveId, mediaType, outcome, endedAt, refusal, durationMs, verifyDurationMs] = values;
      if (hashId === null || hashId === undefined) {
        // No hash under an indexed id: nothing to count, now or later.
        this.#open.delete(id);
        this.#done.add(id);
        return;
      }
      if (endedAt === null || endedAt === undefined || outcome === null || outcome === undefined || !OUTCOMES.includes(outcome)) {
        this.#open.add(id);
        return;
      }
      this.#open.delete(id);
      this.#done.add(id);
      handed++;
      this.onClosed({
        id,
        driveId: driveId ?? '',
        mediaType: mediaType === null || mediaType === undefined || mediaType === '' ? 'unknown' : mediaType,
        outcome: outcome as AttemptOutcome,
        refusal: refusal === '1',
        burnSeconds: seconds(durationMs),
        verifySeconds: seconds(verifyDurationMs),
      });
    });
    return handed;
  }
}

function seconds(ms: string | null | undefined): number | null {
  if (ms === null || ms === undefined || ms === '') return null;
  const n = Number(ms);
  return Number.isFinite(n) && n >= 0 ? n / 1000 : null;
}
