/**
 * Claims of hot-folder job files in Redis, so a job file never starts two
 * runs. A job's identity is the SHA-256 of its folder's real path, its name
 * and its content: the same file seen again (by the next scan, a re-drop of
 * the same file, or after a controller restart) finds its claim. The claim
 * (`RedisSchema.hotFolderJob`) is taken with SET NX before anything is done,
 * with the run id chosen then, and says `started` once that run exists; the
 * hash `hotFolderActive` holds the jobs whose status file is still followed.
 * Claims expire after {@link CLAIM_TTL_MS} (30 days): to run one job file
 * again, change its name or content.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisSchema } from '@tower/jobs';

/** How long a job's claim is kept, ms (30 days). */
export const CLAIM_TTL_MS = 30 * 24 * 3600_000;

/** A job file's claim. */
export interface JobClaim {
  /** The run this job starts (chosen when claimed). */
  readonly runId: string;
  /** The hot folder (its real path) and the job file's name in it. */
  readonly dir: string;
  readonly job: string;
  /** `claimed`: taken, its run maybe not created yet; `started`: its run exists. */
  readonly state: 'claimed' | 'started';
  readonly at: number;
  /** What of the job file was read but not acted on (for its status file). */
  readonly notes?: readonly string[];
}

/** The identity of a job file: SHA-256 of folder, name and content. */
export function jobKey(realDir: string, name: string, content: Buffer): string {
  return createHash('sha256').update(realDir).update('\0').update(name).update('\0').update(content).digest('hex');
}

/** Reads and writes job claims. */
export class JobClaims {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisSchema,
  ) {}

  /** Take the claim of a job; false (and nothing written) when it exists already. */
  async claim(key: string, claim: JobClaim): Promise<boolean> {
    return (await this.redis.set(this.keys.hotFolderJob(key), JSON.stringify(claim), 'PX', CLAIM_TTL_MS, 'NX')) === 'OK';
  }

  /** A job's claim, or null. */
  async get(key: string): Promise<JobClaim | null> {
    const text = await this.redis.get(this.keys.hotFolderJob(key));
    if (text === null) return null;
    try {
      return JSON.parse(text) as JobClaim;
    } catch {
      return null;
    }
  }

  /** The job's run exists: mark it started and follow its status (until its run is final, whether its claim expires or not). */
  async started(key: string, claim: JobClaim): Promise<void> {
    const text = JSON.stringify({ ...claim, state: 'started' });
    await this.redis.multi()
      .set(this.keys.hotFolderJob(key), text, 'PX', CLAIM_TTL_MS)
      .hset(this.keys.hotFolderActive(), key, text)
      .exec();
  }

  /** Give a claim back (the job was refused, or could not be tried now). */
  async release(key: string): Promise<void> {
    await this.redis.del(this.keys.hotFolderJob(key));
  }

  /** The jobs whose status is still followed, by key. */
  async active(): Promise<Map<string, JobClaim>> {
    const all = await this.redis.hgetall(this.keys.hotFolderActive());
    const out = new Map<string, JobClaim>();
    for (const [key, text] of Object.entries(all)) {
      try {
        out.set(key, JSON.parse(text) as JobClaim);
      } catch {
        // Not a claim: never followed.
      }
    }
    return out;
  }

  /** One followed job's claim, or null. */
  async activeOne(key: string): Promise<JobClaim | null> {
    const text = await this.redis.hget(this.keys.hotFolderActive(), key);
    return text === null ? null : JSON.parse(text) as JobClaim;
  }

  /** Stop following a job's status (its run is final, or gone). */
  async finished(key: string): Promise<void> {
    await this.redis.hdel(this.keys.hotFolderActive(), key);
  }
}
