/**
 * A drive worker's hold on the copy job it is working on, like BullMQ's
 * `LockManager` for one job: while the copy runs (a real burn takes long),
 * the job's lock is extended every half lock duration, and at each renewal
 * the run's status is read, so a cancel that the drive did not hear on
 * pub/sub still aborts its burn. The first renewal comes at a random point
 * of the second half of that interval: the leases of drives that took their
 * copies together (a tower starting a run) would otherwise renew together,
 * every interval, for as long as their burns last. The lease also carries
 * the abort signal of the copy's burn: a cancelled run or a stopping worker
 * aborts it.
 */
import type { Job } from 'bullmq';
import { CancelledError } from 'node-cdrecord-wrapper';
import { copyJobOf } from './job-types.js';
import type { CopyJob } from './job-types.js';
import type { RunStatus } from './run-records.js';

/** Options of a {@link JobLease}. */
export interface JobLeaseOptions {
  readonly job: Job;
  /** The token the job was fetched with (it holds the job's lock). */
  readonly token: string;
  /** The lock's duration, ms; it is extended every half of it (at least every 50 ms). */
  readonly lockDurationMs: number;
  /** The drive's address, named by the `CancelledError` of an aborted burn. */
  readonly device: string;
  /** Reads a run's status (the run store's `getRunStatus`). */
  readonly runStatus: (runId: string) => Promise<RunStatus | null>;
  /** Receives a failed renewal; the lease goes on. */
  readonly onError: (err: unknown) => void;
}

/** The lock on one copy job and the abort signal of its burn, from fetch until the job is given up. */
export class JobLease {
  readonly job: Job;
  readonly data: CopyJob;
  readonly token: string;
  readonly #o: JobLeaseOptions;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout;

  /**
   * Take the lease: renewal starts now. End it with `end()`.
   * @param random - Source of the first renewal's place in its interval (tests); default `Math.random`.
   */
  constructor(options: JobLeaseOptions, random: () => number = Math.random) {
    this.#o = options;
    this.job = options.job;
    this.data = copyJobOf(options.job.data);
    this.token = options.token;
    const lockMs = options.lockDurationMs;
    const every = Math.max(50, lockMs / 2);
    this.#timer = setTimeout(() => {
      this.#timer = setInterval(() => void this.#renew(lockMs), every);
      void this.#renew(lockMs);
    }, every * (0.5 + 0.5 * random()));
  }

  /** The job's id ('' when BullMQ gave none). */
  get jobId(): string {
    return this.job.id ?? '';
  }

  /** Aborted when the copy's burn must stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Abort the burn when this lease's copy belongs to `runId` (not already aborted). */
  cancelRun(runId: string, reason: string): void {
    if (this.data.runId !== runId) return;
    this.abort(reason);
  }

  /** Abort the burn (once). */
  abort(reason: string): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new CancelledError(reason, { device: this.#o.device }));
  }

  /** Stop renewing: the job was completed, failed or given back. */
  end(): void {
    // Before the first renewal the timer is that timeout, after it the interval.
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
  }

  async #renew(lockMs: number): Promise<void> {
    try {
      await this.job.extendLock(this.token, lockMs);
      const status = await this.#o.runStatus(this.data.runId);
      if (status === 'cancelled') this.cancelRun(this.data.runId, 'the run was cancelled');
    } catch (err) {
      this.#o.onError(err);
    }
  }
}
