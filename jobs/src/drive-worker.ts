/**
 * One drive's worker: fetches copy jobs by hand, only while its drive holds
 * a blank disc of a class whose queue it reads, runs them one at a time with
 * `processCopy`, and publishes the drive's state.
 *
 * - Manual fetching (`getNextJob` with the worker's own token on the agent's
 *   processor-less BullMQ Worker of each media class): the worker never holds
 *   a job while it waits for a disc.
 * - Idle polling: when one drive of the agent finds a class's queue empty,
 *   the agent's other idle drives skip asking Redis for half a poll interval
 *   (less when a delayed job falls due sooner); new work, a put-back or a
 *   retry of this agent's reopens at once.
 * - Connections: the workers of an agent share one `AgentConnections` (one
 *   command and one subscriber connection, one BullMQ Worker and stalled-job
 *   checker per class, one state outbox). A worker made without one opens a
 *   private set and closes it with itself.
 * - The job lock is extended while the copy runs (real burns take long).
 * - Hand-off: a copy the drive may not burn (a run restricted to other
 *   drives) goes straight to an idle drive of the same agent that may and
 *   holds a blank, if one waits (`AgentConnections.waiting`); only otherwise
 *   back to the queue. Drawing it again from the queue would be a lottery
 *   among every idle drive.
 * - Retry steering: when it fetches a job whose slot last failed on this very
 *   drive and another usable drive exists, it hands the job to another
 *   waiting drive of the agent or else delays it once by
 *   `sameDriveRetryDelayMs` so another drive takes it.
 * - K drive-fault failures in a row quarantine the drive (reason in Redis);
 *   it takes no work until released (`release()` or `releaseDrive()`).
 * - A run cancelled by the planner (pub/sub, and a status check at each lock
 *   renewal) aborts its burn in flight; the attempt is recorded `cancelled`.
 */
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CancelledError, DriveGoneError, mediaClassOf, TypedEmitter } from 'node-cdrecord-wrapper';
import type { Drive, MediaClass, MediaStatus } from 'node-cdrecord-wrapper';
import { AgentConnections } from './agent-connections.js';
import { CopyFailedError, processCopy } from './copy-processor.js';
import type { CopyOutcome, CopyProgress } from './copy-processor.js';
import { quarantineDrive, releaseDrive } from './drive-quarantine.js';
import type { QuarantineInfo } from './drive-quarantine.js';
import { DriveStatePublisher, readAllDriveStatuses } from './drive-state.js';
import type { DriveStatus, DriveStatusUpdate } from './drive-state.js';
import type { CopyJob, CopyJobResult } from './job-types.js';
import { MEDIA_CLASSES, RUN_EVENTS_CHANNEL } from './queue-names.js';
import type { KeySpace } from './queue-names.js';
import type { AttemptRecord } from './run-records.js';
import type { AttemptEndEvent, RunControlMessage, RunEvent } from './run-events.js';
import { RunStore } from './run-store.js';

/** Options of a {@link DriveWorker}. */
export interface DriveWorkerOptions {
  readonly drive: Drive;
  /** Stable drive id; default `(await drive.info()).stableId`. */
  readonly driveId?: string;
  /** Host running this worker (recorded with each attempt). */
  readonly agentId: string;
  /** What the operator calls the drive (recorded with each attempt). */
  readonly driveLabel?: string;
  /**
   * The agent's shared connections. When given, `redisUrl`, `prefix`,
   * `bullPrefix`, `lockDurationMs` and `stalledIntervalMs` are theirs and
   * ignored here; the worker leaves them open when it closes.
   */
  readonly connections?: AgentConnections;
  /** Redis of a worker without shared `connections` (it then opens its own). */
  readonly redisUrl?: string;
  /** Prefix of this package's keys; default `tower`. */
  readonly prefix?: string;
  /** BullMQ key prefix; default BullMQ's (`bull`). */
  readonly bullPrefix?: string;
  /** Media classes this drive takes copies for; default all. */
  readonly classes?: readonly MediaClass[];
  /** How often to look at the drive and the queue while idle, ms. Default 1000. */
  readonly pollIntervalMs?: number;
  /** BullMQ lock duration, ms; extended every half of it. Default 30 000. */
  readonly lockDurationMs?: number;
  /** K: drive-fault failures in a row that quarantine the drive. Default 3. */
  readonly quarantineAfter?: number;
  /** Delay for a retry fetched by the drive it last failed on, ms. Default 5000. */
  readonly sameDriveRetryDelayMs?: number;
  /** Delay for a job put back (paused run, refused disc, not an allowed drive), ms. Default 2000. */
  readonly putBackDelayMs?: number;
  /** Minimum ms between progress-only state publications. Default 250. */
  readonly progressIntervalMs?: number;
  /**
   * The drive has an auto-loader: finished discs are taken out and blanks put
   * in without a person, so `done`/`failed` give way to `empty` after the eject.
   */
  readonly autoLoader?: boolean;
  /** How often BullMQ looks for stalled jobs (a crashed worker's), ms. Default: the lock duration. */
  readonly stalledIntervalMs?: number;
  /**
   * Subscribe to the drive's media changes (a disc inserted, the tray closed)
   * so an idle worker looks at once instead of at its next poll; returns the
   * unsubscribe function. Polling still runs as the fallback.
   */
  readonly watchMedia?: (onChange: () => void) => () => void;
}

/** What a drive worker reports. */
export interface DriveWorkerEvents {
  /** The drive's state changed (progress throttled to 4/s, state changes never dropped). */
  state: [status: DriveStatus];
  /** An attempt was recorded; the burn starts now. */
  'attempt-begin': [attempt: AttemptRecord];
  /** An attempt was closed. */
  'attempt-end': [event: AttemptEndEvent];
  /** The drive was quarantined. */
  quarantined: [info: QuarantineInfo];
  /** Something went wrong outside a copy (Redis, BullMQ); the worker goes on. */
  error: [error: Error];
}

/** A copy another drive of the agent drew and handed to this one. */
interface Handed {
  readonly job: Job;
  readonly token: string;
  readonly cls: MediaClass;
}

interface Current {
  readonly job: Job;
  readonly data: CopyJob;
  readonly controller: AbortController;
}

/** The worker of one drive. Create, `start()`, and `close()` when done. */
export class DriveWorker extends TypedEmitter<DriveWorkerEvents> {
  readonly #o: DriveWorkerOptions;
  readonly #pool: AgentConnections;
  /** The pool is this worker's own (no shared connections were given): it closes it. */
  readonly #ownsPool: boolean;
  readonly #keys: KeySpace;
  readonly #redis: Redis;
  readonly #store: RunStore;
  readonly #deferred = new Set<string>();
  #driveId = '';
  #publisher: DriveStatePublisher | null = null;
  #current: Current | null = null;
  #consecutiveFailures = 0;
  #refusedMedia: string | null = null;
  #closing = false;
  #closeCancels = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #unwatchMedia: (() => void) | null = null;
  #offRunControl: (() => void) | null = null;
  /** A copy handed to this drive while it waited, taken at its next look. */
  #handed: Handed | null = null;
  /** Withdraws this drive from the agent's waiting drives. */
  #withdraw: (() => void) | null = null;

  constructor(options: DriveWorkerOptions) {
    super();
    this.#o = options;
    if (options.connections !== undefined) {
      this.#pool = options.connections;
      this.#ownsPool = false;
    } else {
      if (options.redisUrl === undefined) throw new TypeError('a DriveWorker needs shared connections or a redisUrl');
      this.#pool = new AgentConnections({
        redisUrl: options.redisUrl,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.bullPrefix === undefined ? {} : { bullPrefix: options.bullPrefix }),
        ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
        ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
        onError: (e) => this.#error(e),
      });
      this.#ownsPool = true;
    }
    this.#keys = this.#pool.keys;
    this.#redis = this.#pool.redis;
    this.#store = new RunStore(this.#redis, { prefix: this.#keys.prefix });
  }

  /** The drive's id (after `start()`). */
  get driveId(): string {
    return this.#driveId;
  }

  /** The last published state. */
  get status(): DriveStatus | null {
    return this.#publisher?.current ?? null;
  }

  /** Drive-fault failures in a row so far. */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Connect, subscribe to run control and start the fetch loop. */
  async start(): Promise<void> {
    if (this.#loop !== null) return;
    await this.#pool.start();
    this.#driveId = this.#o.driveId ?? (await this.#o.drive.info()).stableId;
    this.#publisher = new DriveStatePublisher({
      driveId: this.#driveId,
      agentId: this.#o.agentId,
      outbox: this.#pool.outbox,
      minIntervalMs: this.#o.progressIntervalMs ?? 250,
      onStatus: (s) => this.emit('state', s),
      onError: (e) => this.#error(e),
    });
    this.#offRunControl = await this.#pool.onRunControl((msg) => this.#onRunControl(msg));
    this.#unwatchMedia = this.#o.watchMedia?.(() => this.#wake?.()) ?? null;
    this.#loop = this.#run();
  }

  /** Release the drive from quarantine and reset its failure count. */
  async release(): Promise<boolean> {
    this.#consecutiveFailures = 0;
    const released = await releaseDrive(this.#redis, this.#keys, this.#driveId);
    this.#pool.invalidateQuarantine();
    this.#wake?.();
    return released;
  }

  /** Quarantine the drive by an operator's choice. */
  async quarantine(reason: string): Promise<void> {
    const info: QuarantineInfo = { reason, failures: 0, at: Date.now() };
    await quarantineDrive(this.#redis, this.#keys, this.#driveId, info);
    this.#pool.invalidateQuarantine();
    this.emit('quarantined', info);
    this.#wake?.();
  }

  /**
   * Stop fetching and close the connections. By default the copy in flight is
   * let finish; with `cancelInFlight` its burn is aborted (attempt recorded
   * `cancelled`) and the job goes back to the queue for another drive.
   * The drive is published `offline` unless `publishOffline` is false (its
   * agent id went to another process, which publishes this drive now).
   */
  async close(options: { cancelInFlight?: boolean; publishOffline?: boolean } = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#unwatchMedia?.();
    this.#unwatchMedia = null;
    if (options.cancelInFlight === true && this.#current !== null) {
      this.#closeCancels = true;
      this.#current.controller.abort(new CancelledError('the drive worker is stopping', { device: this.#o.drive.address }));
    }
    this.#wake?.();
    await this.#loop;
    this.#withdraw?.();
    this.#withdraw = null;
    const handed = this.#handed;
    this.#handed = null;
    if (handed !== null) await this.#putBack(handed.job, handed.token, 0).catch((e: unknown) => this.#error(e));
    this.#offRunControl?.();
    this.#offRunControl = null;
    if (this.#publisher !== null) {
      if (options.publishOffline !== false) this.#publisher.update({ state: 'offline', message: 'the agent stopped this drive' });
      await this.#publisher.flush();
      this.#publisher.close();
    }
    if (this.#ownsPool) await this.#pool.close();
  }

  #onRunControl(msg: RunControlMessage): void {
    if (msg.action === 'cancel') {
      this.#cancelRun(msg.runId, msg.reason);
      return;
    }
    if (msg.drives !== undefined && !msg.drives.includes(this.#driveId)) return;
    // New, resumed or replaced work: an idle drive holding a blank looks now, or when the copy is back in the queue.
    const wait = Math.min(MAX_WORK_WAIT_MS, (msg.at ?? 0) - Date.now());
    if (wait <= 0) {
      if (this.#current === null) this.#wake?.();
      return;
    }
    setTimeout(() => {
      this.#pool.reopen();
      if (this.#current === null) this.#wake?.();
    }, wait).unref();
  }

  async #run(): Promise<void> {
    const poll = this.#o.pollIntervalMs ?? 1000;
    while (!this.#closing) {
      let wait = poll;
      try {
        wait = await this.#tick(poll);
      } catch (err) {
        this.#error(err);
      }
      // ±10 % so the drives of an agent, woken together, drift apart again: their looks
      // at Redis spread out (and share readings), and no drive always asks first.
      if (wait > 0 && !this.#closing) await this.#sleep(wait * (0.9 + 0.2 * Math.random()));
    }
  }

  /** One look at the drive and, when it holds a usable blank, at the queue. Returns ms to wait. */
  async #tick(poll: number): Promise<number> {
    this.#withdraw?.();
    this.#withdraw = null;
    const handed = this.#handed;
    this.#handed = null;
    if (handed === null) return this.#look(poll, null);
    let taken = false;
    try {
      return await this.#look(poll, (cls) => {
        taken = cls === handed.cls;
        return taken ? handed : null;
      });
    } finally {
      // The drive could not take what it was handed after all (quarantined, disc gone): back to the queue at once.
      if (!taken) await this.#putBack(handed.job, handed.token, 0).catch((e: unknown) => this.#error(e));
    }
  }

  /** The body of a look; `take` yields the copy handed to this drive, if it suits the blank's class. */
  async #look(poll: number, take: ((cls: MediaClass) => Handed | null) | null): Promise<number> {
    // One read of the quarantine hash serves the agent's drives that look within a tenth of a second (or a quarter poll).
    const q = await this.#pool.quarantineOf(this.#driveId, Math.min(100, poll / 4));
    if (q !== null) {
      this.#set({ state: 'quarantined', message: `${q.reason}. Check the drive and its discs, then release it.` });
      return poll;
    }
    let media: MediaStatus;
    try {
      media = await this.#o.drive.media();
    } catch (err) {
      if (!(err instanceof DriveGoneError)) throw err;
      this.#set({ state: 'offline', message: 'the drive does not answer: check its cable and power' });
      return poll;
    }
    const last = this.status?.state;
    if (media.status === 'none' || media.type === null) {
      this.#refusedMedia = null;
      if (this.#o.autoLoader === true) this.#set({ state: 'empty', message: 'the auto-loader is putting in a blank disc' });
      else if (last !== 'done' && last !== 'failed') this.#set({ state: 'empty', message: 'insert a blank disc' });
      return poll;
    }
    const cls = mediaClassOf(media.type);
    const classes = this.#o.classes ?? MEDIA_CLASSES;
    if (media.status !== 'blank' || cls === null || !classes.includes(cls)) {
      const what = media.status !== 'blank' ? `the ${media.type} is not blank` : `this drive takes no ${media.type} copies`;
      if (last !== 'done' && last !== 'failed') this.#set({ state: 'wrong-media', mediaType: media.type, message: `${what}: take it out and insert a blank disc` });
      return poll;
    }
    if (this.#refusedMedia === mediaKey(media)) return poll;
    this.#set({ state: 'blank', mediaType: media.type });
    const handed = take?.(cls) ?? null;
    const token = handed?.token ?? randomUUID();
    // When another drive of this agent just found the queue empty, this asks nobody (see AgentConnections.fetchCopy).
    const job = handed?.job ?? await this.#pool.fetchCopy(cls, token, poll / 2);
    if (job === undefined) {
      this.#waitForHandOff(cls);
      return poll;
    }
    if (await this.#handle(job, token, cls)) return 0;
    // A copy this drive may not take went back to the queue: step aside for a
    // poll interval so a drive that may take it gets it first, but take what
    // other drives of the agent hand over meanwhile.
    this.#waitForHandOff(cls);
    return poll;
  }

  /** Until its next look, this idle drive with a blank of `cls` takes copies other drives of the agent hand it. */
  #waitForHandOff(cls: MediaClass): void {
    if (!this.#closing) this.#withdraw = this.#pool.waiting.wait(cls, this.#driveId, (j, t) => this.#receive(j, t, cls));
  }

  /** Take a copy another drive of the agent drew; false when this drive cannot now. */
  #receive(job: Job, token: string, cls: MediaClass): boolean {
    if (this.#closing || this.#current !== null || this.#handed !== null) return false;
    this.#handed = { job, token, cls };
    this.#withdraw = null;
    this.#wake?.();
    return true;
  }

  /** Give a copy to a waiting drive of the agent that `allowed` accepts; true when one took it. */
  #handOff(job: Job, token: string, cls: MediaClass, allowed: (driveId: string) => boolean): boolean {
    return this.#pool.waiting.handOff(cls, job, token, (id) => id !== this.#driveId && allowed(id)) !== null;
  }

  /** Process a fetched copy; false when it was put back to the queue for another drive instead. */
  async #handle(job: Job, token: string, cls: MediaClass): Promise<boolean> {
    const data = job.data as CopyJob;
    const current: Current = { job, data, controller: new AbortController() };
    this.#current = current;
    const lockMs = this.#pool.lockDurationMs;
    const renew = setInterval(() => void this.#renew(current, token, lockMs), Math.max(50, lockMs / 2));
    const putBack = this.#o.putBackDelayMs ?? 2000;
    try {
      const allowed = (id: string): boolean => data.allowedDrives === undefined || data.allowedDrives.includes(id);
      if (!allowed(this.#driveId)) {
        if (this.#handOff(job, token, cls, allowed)) return true;
        // Back almost at once: the drives that may take it are not kept waiting.
        const delay = Math.min(putBack, 50);
        await this.#putBack(job, token, delay);
        if (data.allowedDrives !== undefined) this.#pool.callDrives(job.id ?? '', data.runId, data.allowedDrives, Date.now() + delay);
        return false;
      }
      if (await this.#shouldDefer(job, data)) {
        if (this.#handOff(job, token, cls, allowed)) return true;
        await this.#putBack(job, token, this.#o.sameDriveRetryDelayMs ?? 5000);
        return false;
      }
      let outcome: CopyOutcome;
      try {
        outcome = await processCopy(data, this.#o.drive, {
        store: this.#store,
        driveId: this.#driveId,
        ...(this.#o.driveLabel === undefined ? {} : { driveLabel: this.#o.driveLabel }),
        agentId: this.#o.agentId,
        jobId: job.id ?? '',
        signal: current.controller.signal,
        onAttemptBegin: (a) => {
          this.#set({ state: 'burning', mediaType: a.mediaType, percent: 0, runId: a.runId, copy: a.copy, attemptId: a.id });
          this.emit('attempt-begin', a);
        },
        onProgress: (p) => this.#progress(p),
        mediaClass: cls,
      });
      } catch (err) {
        if (!(err instanceof CopyFailedError)) throw err;
        await this.#onFailure(job, token, data, err);
        return true;
      }
      if (outcome.kind === 'skipped') {
        if (outcome.reason === 'run-paused') await this.#putBack(job, token, putBack);
        else await job.moveToCompleted({ kind: 'skipped', reason: outcome.reason } satisfies CopyJobResult, token, false);
        return true;
      }
      this.#consecutiveFailures = 0;
      const { attempt, end } = outcome;
      this.#set({
        state: 'done', mediaType: attempt.mediaType, runId: attempt.runId, copy: attempt.copy, attemptId: attempt.id,
        message: end.counted ? 'good disc: take it out' : 'good disc beyond the run\'s count (surplus): take it out',
      });
      await this.#announce({
        kind: 'attempt-end', runId: data.runId, copy: data.copy, attemptId: attempt.id, driveId: this.#driveId,
        outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted,
      });
      const result: CopyJobResult = { kind: 'passed', attemptId: attempt.id, counted: end.counted, runCompleted: end.runCompleted };
      await job.moveToCompleted(result, token, false);
      return true;
    } catch (err) {
      this.#error(err);
      // Put the job back if we still hold it (when the lock is gone this fails quietly and the stalled check recovers it).
      await this.#putBack(job, token, putBack).catch(() => undefined);
      return true;
    } finally {
      clearInterval(renew);
      this.#current = null;
    }
  }

  async #onFailure(job: Job, token: string, data: CopyJob, failure: CopyFailedError): Promise<void> {
    const { attempt, error } = failure;
    if (attempt === null) {
      // The disc was refused before anything was recorded: wait for another disc, let another drive take the job.
      const media = await this.#o.drive.media().catch(() => null);
      this.#refusedMedia = media === null ? null : mediaKey(media);
      this.#set({ state: 'wrong-media', mediaType: media?.type ?? null, message: `${error.message}: take the disc out and insert a suitable blank` });
      await this.#putBack(job, token, this.#o.putBackDelayMs ?? 2000);
      return;
    }
    const base = { runId: data.runId, copy: data.copy, attemptId: attempt.id, mediaType: attempt.mediaType };
    await this.#announce({
      kind: 'attempt-end', runId: data.runId, copy: data.copy, attemptId: attempt.id, driveId: this.#driveId,
      outcome: failure.cancelled ? 'cancelled' : 'failed', counted: false, surplus: false, runCompleted: false, errorCode: error.code,
    });
    if (failure.cancelled) {
      this.#set({ ...base, state: 'failed', message: 'burn cancelled: the disc is a coaster, take it out' });
      if (this.#closeCancels) await this.#putBack(job, token, 0);
      else await job.moveToCompleted({ kind: 'cancelled', attemptId: attempt.id } satisfies CopyJobResult, token, false);
      return;
    }
    this.#set({ ...base, state: 'failed', message: `${error.code}: ${error.message}. The disc is a coaster: take it out` });
    if (error.driveFault) this.#consecutiveFailures++;
    const reason = `${error.code}: ${error.message}`;
    await job.moveToFailed(error.retryable ? new Error(reason) : new UnrecoverableError(reason), token, false);
    // A retry is queued (after its backoff): this agent's idle drives look again.
    this.#pool.reopen();
    if ((await job.getState()) === 'failed') {
      await this.#announce({
        kind: 'copy-exhausted', runId: data.runId, copy: data.copy, jobId: job.id ?? '', replacement: data.replacement ?? 0,
        errorCode: error.code, errorMessage: error.message, retryable: error.retryable,
      });
    }
    const k = this.#o.quarantineAfter ?? 3;
    if (this.#consecutiveFailures >= k) {
      const info: QuarantineInfo = {
        reason: `${this.#consecutiveFailures} failed attempts in a row, the last ${error.code}`,
        failures: this.#consecutiveFailures, lastErrorCode: error.code, at: Date.now(),
      };
      await quarantineDrive(this.#redis, this.#keys, this.#driveId, info);
      this.#pool.invalidateQuarantine();
      this.#set({ state: 'quarantined', message: `${info.reason}. Check the drive and its discs, then release it.` });
      this.emit('quarantined', info);
    }
  }

  /** Delay a retry fetched by the drive its slot last failed on, once per attempt, when another drive can take it. */
  async #shouldDefer(job: Job, data: CopyJob): Promise<boolean> {
    const last = await this.#store.lastFailedDrive(data.runId, data.copy);
    if (last !== this.#driveId) return false;
    const key = `${job.id ?? ''}#${job.attemptsMade}`;
    if (this.#deferred.has(key)) return false;
    const others = await readAllDriveStatuses(this.#redis, this.#keys);
    const usable = others.some((s) => s.driveId !== this.#driveId && s.state !== 'offline' && s.state !== 'quarantined');
    if (!usable) return false;
    if (this.#deferred.size > 1000) this.#deferred.clear();
    this.#deferred.add(key);
    return true;
  }

  async #renew(current: Current, token: string, lockMs: number): Promise<void> {
    try {
      await current.job.extendLock(token, lockMs);
      const status = await this.#store.getRunStatus(current.data.runId);
      if (status === 'cancelled') this.#cancelRun(current.data.runId, 'the run was cancelled');
    } catch (err) {
      this.#error(err);
    }
  }

  /** Give a job back to the queue after `delayMs`; this agent's idle drives then look again. */
  async #putBack(job: Job, token: string, delayMs: number): Promise<void> {
    try {
      await job.moveToDelayed(Date.now() + delayMs, token);
    } finally {
      this.#pool.reopen();
    }
  }

  #cancelRun(runId: string, reason: string): void {
    const cur = this.#current;
    if (cur === null || cur.data.runId !== runId || cur.controller.signal.aborted) return;
    cur.controller.abort(new CancelledError(reason, { device: this.#o.drive.address }));
  }

  #progress(p: CopyProgress): void {
    const s = this.status;
    this.#set({
      state: p.phase === 'verifying' ? 'verifying' : 'burning',
      mediaType: s?.mediaType ?? null,
      percent: p.percent,
      ...(p.speedX === undefined ? {} : { speedX: p.speedX }),
      ...(p.speedMBps === undefined ? {} : { speedMBps: p.speedMBps }),
      ...(s?.runId === undefined ? {} : { runId: s.runId }),
      ...(s?.copy === undefined ? {} : { copy: s.copy }),
      ...(s?.attemptId === undefined ? {} : { attemptId: s.attemptId }),
      ...(stageMessage(p) === undefined ? {} : { message: stageMessage(p) }),
    });
  }

  async #announce(event: RunEvent): Promise<void> {
    if (event.kind === 'attempt-end') this.emit('attempt-end', event);
    try {
      await this.#redis.publish(RUN_EVENTS_CHANNEL, JSON.stringify(event));
    } catch (err) {
      this.#error(err);
    }
  }

  #set(update: DriveStatusUpdate): void {
    this.#publisher?.update(this.#o.autoLoader === true ? { ...update, autoLoader: true } : update);
  }

  #sleep(ms: number): Promise<void> {
    // Handed a copy between the look and this sleep: take it now.
    if (this.#handed !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  #error(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }
}

/** Longest wait for the due time a `work` message names, ms. */
const MAX_WORK_WAIT_MS = 10_000;

function mediaKey(m: MediaStatus): string {
  return `${m.type ?? ''}|${m.status}|${m.capacitySectors}|${m.freeSectors}`;
}

/** What an operator reads beside a burn's percentage: the stages where the bar does not move. */
function stageMessage(p: CopyProgress): string | undefined {
  const test = p.phase === 'test-burning' ? 'test burn (laser off)' : undefined;
  if (p.stage === 'preparing') return test === undefined ? 'preparing the drive' : `${test}: preparing the drive`;
  if (p.stage === 'fixating') return test === undefined ? 'closing the disc' : `${test}: closing the disc`;
  return test;
}
