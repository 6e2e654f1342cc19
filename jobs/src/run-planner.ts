/**
 * The run planner: validates and creates runs, adds their copy jobs, adds a
 * replacement job when a copy exhausts its attempts (until the run's failure
 * budget is spent), cleans up when a run completes, and pauses, resumes and
 * cancels runs.
 *
 * It learns about attempt ends and exhausted copies from the drive workers'
 * `tower:run-events` channel; `handleRunEvent` is idempotent, so a relay may
 * feed it events too.
 *
 * Its command connection takes `redisOptions` (the controller's make its
 * commands fail instead of waiting while Redis is away), and the copy queues
 * share it, so a queue add never waits for Redis either. Events missed while
 * Redis was away are caught up by a `reconcile()` when it is back.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Job, JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { MEDIA_SIZES, mediaClassesFor, TypedEmitter } from 'node-cdrecord-wrapper';
import type { MediaClass } from 'node-cdrecord-wrapper';
import type { CopyJob, VerifyPolicy } from './job-types.js';
import { RedisConnectivity } from './redis-connectivity.js';
import { copyJobId, copyQueueName, RUN_CONTROL_CHANNEL, RUN_EVENTS_CHANNEL } from './queue-names.js';
import type { NewRun, RunRecord } from './run-records.js';
import { parseMessage } from './run-events.js';
import type { CopyExhaustedEvent, RunControlMessage, RunEvent } from './run-events.js';
import type { RunControlAction, RunControlResult } from './run-control.js';
import { RunImageGoneError, RunStore } from './run-store.js';

/** Largest run the planner accepts. */
export const MAX_COPIES = 10_000;

/** What an operator asks for. */
export interface CreateRunInput {
  readonly image: {
    readonly path: string;
    readonly sha256: string;
    readonly bytes: number;
    /** Sectors on disc; default: bytes rounded up to 2048-byte sectors (required for CUE images). */
    readonly sectors?: number;
    readonly format?: 'iso' | 'cue';
    /** The file's identity when `sha256` was computed (`identityText` of node-cdrecord-wrapper); lets verification skip re-hashing. */
    readonly identity?: string;
  };
  /** Good discs wanted, 1..10000. */
  readonly copies: number;
  /** Default `{ mode: 'all' }`. */
  readonly verify?: VerifyPolicy;
  readonly speed?: number;
  /** 1 (first) .. 1000; default 100. Lower runs first (BullMQ priority). */
  readonly priority?: number;
  readonly dummyFirst?: boolean;
  readonly allowedDrives?: readonly string[];
  /** The blank media class the copies go on; default the smallest class the image fits. */
  readonly mediaClass?: MediaClass;
  /** Attempts of one copy job before it is replaced. Default 3. */
  readonly maxAttemptsPerCopy?: number;
  /** Failed attempts the run may spend. Default max(3, copies): then it stops and asks for a person. */
  readonly failureBudget?: number;
  /** Run id; default a new UUID. */
  readonly id?: string;
  /** The library image of `image`: the run and the image's reference are written in one step, and a claimed delete refuses the run. */
  readonly imageId?: string;
}

/** Options of `RunPlanner.createRun`. */
export interface CreateRunOptions {
  /**
   * Asked once the run is stored (and holds its image), before any job is
   * queued: is the image still there? False takes the run back and throws
   * `RunImageGoneError` (a delete finished between the caller's look and the store).
   */
  readonly imageStillThere?: () => Promise<boolean>;
}

/** A run request that cannot be planned. */
export class RunValidationError extends Error {
  readonly code = 'INVALID_RUN';
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RunValidationError';
  }
}

/** Options of a {@link RunPlanner}. */
export interface RunPlannerOptions {
  readonly redisUrl: string;
  readonly prefix?: string;
  readonly bullPrefix?: string;
  /** BullMQ backoff between attempts of one copy, ms (fixed). Default 5000. */
  readonly retryBackoffMs?: number;
  /** When a run completes with burns in flight: let them finish as surplus (default) or cancel them. */
  readonly onCompleteInFlight?: 'finish' | 'cancel';
  /** ioredis options of the command connection, which the copy queues share (e.g. `failFastRedisOptions()`). */
  readonly redisOptions?: RedisOptions;
  /** Watches the planner's connections (an outage is logged once, and caught up on when it ends); default: a silent one of its own. */
  readonly connectivity?: RedisConnectivity;
}

/** What the planner reports. */
export interface RunPlannerEvents {
  /** A run changed (created, completed, failed, paused, resumed, cancelled). */
  'run:update': [run: RunRecord];
  /** A replacement copy job was added. */
  'copy:replaced': [info: { readonly runId: string; readonly copy: number; readonly jobId: string }];
  error: [error: Error];
}

const LIVE_STATES = ['waiting', 'prioritized', 'delayed'] as const;
/** Every media class (each has its copy queue). */
const MEDIA_CLASSES: readonly MediaClass[] = [...new Set(MEDIA_SIZES.map((m) => m.mediaClass))];
/** Copy jobs added to the queue in one transaction when a run is created. */
const ADD_BATCH = 100;

/** Plans runs onto the copy queues. */
export class RunPlanner extends TypedEmitter<RunPlannerEvents> {
  readonly store: RunStore;
  readonly #o: RunPlannerOptions;
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #queues = new Map<MediaClass, Queue>();
  readonly #connectivity: RedisConnectivity;
  #events: Promise<void> = Promise.resolve();
  #reconcilePending = false;
  #started = false;
  #closed = false;

  constructor(options: RunPlannerOptions) {
    super();
    this.#o = options;
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true, enableAutoPipelining: true, ...options.redisOptions });
    this.#sub = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    // Also their `error` listeners: without one, ioredis prints every failed reconnection.
    this.#connectivity = options.connectivity ?? new RedisConnectivity({ url: options.redisUrl, log: () => undefined });
    this.#connectivity.watch(this.#redis, 'planner');
    this.#connectivity.watch(this.#sub, 'planner events');
    this.store = new RunStore(this.#redis, options.prefix === undefined ? {} : { prefix: options.prefix });
  }

  /** The command connection (the copy queues use it too). */
  get redis(): Redis {
    return this.#redis;
  }

  /** Connect and listen to the workers' run events. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await Promise.all([this.#redis.connect(), this.#sub.connect()]);
    // The queues share the command connection (its options too), made while it is up: a
    // BullMQ queue made while Redis is away would wait for it, however long, at its first use.
    for (const cls of MEDIA_CLASSES) this.#queue(cls);
    await Promise.all([...this.#queues.values()].map((q) => q.waitUntilReady()));
    // Back from an outage: catch up on the run events missed meanwhile.
    const back = (): void => this.#reconcileSoon();
    this.#redis.on('ready', back);
    this.#connectivity.on('up', back);
    this.#sub.on('message', (channel: string, text: string) => {
      if (channel !== RUN_EVENTS_CHANNEL) return;
      const event = parseMessage<RunEvent>(text, 'kind');
      if (event !== null) void this.handleRunEvent(event);
    });
    await this.#sub.subscribe(RUN_EVENTS_CHANNEL);
    await this.reconcile().catch((err: unknown) => {
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
    });
  }

  /**
   * Catch up on events published while no planner listened (pub/sub does not
   * keep them): a finished run's queued jobs are removed, and an unfinished
   * run's copy slot with neither a pass nor a live job gets its replacement.
   */
  async reconcile(): Promise<void> {
    for (const runId of await this.store.listRunIds()) {
      const run = await this.store.getRun(runId);
      if (run !== null) await this.#reconcileRun(run);
    }
  }

  /**
   * Bring one run's queued jobs in line with its state: a finished run has
   * none; a cancelling one has none and is cancelled once no attempt is
   * open; an active run has a live job for every slot without a pass.
   */
  async #reconcileRun(run: RunRecord): Promise<void> {
    if (!isActive(run.status)) {
      await this.#removeQueued(run.id);
      return;
    }
    if (run.finishing === true) {
      await this.#removeQueued(run.id);
      await this.settleRun(run.id);
      return;
    }
    const passed = new Set(await this.store.passedSlots(run.id));
    const jobs = (await this.#queue(run.mediaClass).getJobs(['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed']))
      .filter((j) => (j.data as Partial<CopyJob> | undefined)?.runId === run.id);
    const bySlot = new Map<number, Job[]>();
    for (const job of jobs) {
      const copy = (job.data as CopyJob).copy;
      bySlot.set(copy, [...(bySlot.get(copy) ?? []), job]);
    }
    for (let copy = 1; copy <= run.copies; copy++) {
      if (passed.has(copy)) continue;
      const slotJobs = bySlot.get(copy) ?? [];
      const states = await Promise.all(slotJobs.map((j) => j.getState()));
      if (states.some((state) => state !== 'failed' && state !== 'completed')) continue;
      const last = slotJobs.reduce<Job | null>(
        (a, j) => (a === null || ((j.data as CopyJob).replacement ?? 0) > ((a.data as CopyJob).replacement ?? 0) ? j : a),
        null,
      );
      await this.#onExhausted({
        kind: 'copy-exhausted',
        runId: run.id,
        copy,
        jobId: last?.id ?? copyJobId(run.id, copy, 0),
        replacement: last === null ? -1 : ((last.data as CopyJob).replacement ?? 0),
        errorCode: 'RECONCILED',
        errorMessage: last?.failedReason ?? 'the copy had no queued job',
        retryable: true,
      });
    }
  }

  /**
   * Validate a request, store the run and add its N copy jobs. A run of a
   * library image (`imageId`) is refused with `RunImageGoneError` while the
   * image's delete is claimed, or when `imageStillThere` says it went away.
   */
  async createRun(input: CreateRunInput, options: CreateRunOptions = {}): Promise<RunRecord> {
    const plan = validateRun(input);
    await this.store.createRun(plan.run);
    if (options.imageStillThere !== undefined && !(await options.imageStillThere())) {
      await this.store.discardRun(plan.run.id);
      throw new RunImageGoneError(plan.run.imageId ?? plan.run.image.path, 'deleted');
    }
    const queue = this.#queue(plan.run.mediaClass);
    // In batches: building one transaction of thousands of jobs holds the event loop for
    // a tenth of a second or more. Job ids are fixed per slot, and reconcile() adds what a
    // crash between batches left out.
    for (let first = 1; first <= plan.run.copies; first += ADD_BATCH) {
      const last = Math.min(plan.run.copies, first + ADD_BATCH - 1);
      await queue.addBulk(
        Array.from({ length: last - first + 1 }, (_, i) => ({
          name: 'copy',
          data: { ...plan.job, copy: first + i, replacement: 0 } satisfies CopyJob,
          opts: this.#jobOpts(plan.run, first + i, 0),
        })),
      );
      // Drives start on the first batch while the rest is added; idle drives look again after the last.
      if (first === 1 || last === plan.run.copies) await this.#signalWork(plan.run.id);
    }
    return this.#changed(plan.run.id);
  }

  /**
   * One run control transition (see run-control.ts for the table): the state
   * is written atomically first, then the queues follow it. Pausing leaves the
   * jobs (drives put them back until resumed); resuming promotes the put-back
   * jobs and queues again any slot whose job is gone; cancelling removes the
   * queued jobs (and, for cancel-now, aborts the burns in flight). The queue
   * work converges on the state found after it, so a transition racing it
   * cannot leave a cancelled run with queued jobs or an active run without.
   */
  async controlRun(runId: string, action: RunControlAction, reason?: string): Promise<RunControlResult> {
    const result = await this.store.controlRun(runId, action, reason === undefined ? {} : { reason });
    if (!result.ok) return result;
    if (result.to === 'running') await this.#requeue(runId);
    else if (result.to === 'cancelling' || result.to === 'cancelled') {
      const run = await this.store.getRun(runId);
      if (result.to === 'cancelled' && action === 'cancel-now') await this.#signalCancel(runId, run?.statusReason ?? 'cancelled');
      await this.#removeQueued(runId);
    }
    await this.#changed(runId);
    return result;
  }

  /** Pause a run: its jobs are put back as drives fetch them, until resumed. */
  async pauseRun(runId: string, reason = 'paused by an operator'): Promise<boolean> {
    return (await this.controlRun(runId, 'pause', reason)).ok;
  }

  /** Resume a paused run (not one whose cancel waits for its burns in flight): promote its put-back jobs, queue any missing. */
  async resumeRun(runId: string): Promise<boolean> {
    return (await this.controlRun(runId, 'resume')).ok;
  }

  /**
   * Cancel a run: no new burns start, its queued jobs are removed and burns in
   * flight are aborted (their attempts are recorded `cancelled`).
   */
  async cancelRun(runId: string, reason = 'cancelled by an operator'): Promise<boolean> {
    return (await this.controlRun(runId, 'cancel-now', reason)).ok;
  }

  /** Finish a cancel that waited for its burns in flight, once none is open. True when the run was cancelled now. */
  async settleRun(runId: string): Promise<boolean> {
    return (await this.controlRun(runId, 'settle')).ok;
  }

  /** Run `reconcile()` after the events in hand (once, however often asked meanwhile). */
  #reconcileSoon(): void {
    if (this.#reconcilePending || this.#closed) return;
    this.#reconcilePending = true;
    this.#events = this.#events.then(async () => {
      this.#reconcilePending = false;
      if (!this.#closed) await this.reconcile().catch((err: unknown) => this.#error(err));
    });
  }

  /** An error: Redis being away is the connectivity's to log (once, and caught up on after), anything else goes to `error`. */
  #error(err: unknown): void {
    if (this.#connectivity.failed(this.#redis, err)) return;
    if (this.listenerCount('error') > 0) this.emit('error', err as Error);
  }

  /** React to a worker's event (idempotent). Resolves when handled; errors go to the `error` event. */
  handleRunEvent(event: RunEvent): Promise<void> {
    this.#events = this.#events.then(async () => {
      try {
        if (event.kind === 'attempt-end' && event.runCompleted) await this.#onCompleted(event.runId);
        else if (event.kind === 'copy-exhausted') await this.#onExhausted(event);
      } catch (err) {
        this.#error(err);
      }
    });
    return this.#events;
  }

  /** Wait for the events received so far to be handled. */
  async idle(): Promise<void> {
    await this.#events;
  }

  /** Stop listening and close the connections. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#events;
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    // A fail-fast connection cannot QUIT while Redis is away: close it, or it reconnects for ever.
    await Promise.all([this.#sub.quit().catch(() => this.#sub.disconnect()), this.#redis.quit().catch(() => this.#redis.disconnect())]);
  }

  async #onCompleted(runId: string): Promise<void> {
    await this.#removeQueued(runId);
    if (this.#o.onCompleteInFlight === 'cancel') await this.#signalCancel(runId, 'the run is complete');
    await this.#changed(runId);
  }

  async #onExhausted(event: CopyExhaustedEvent): Promise<void> {
    const run = await this.store.getRun(event.runId);
    if (run === null || !isActive(run.status) || run.finishing === true) return;
    if ((await this.store.passedSlots(run.id)).includes(event.copy)) return;
    let failReason: string | null = null;
    if (!event.retryable) {
      failReason = `copy ${event.copy} failed with ${event.errorCode}, which another attempt will not fix: ${event.errorMessage}`;
    } else if (run.counters.failed >= run.failureBudget) {
      failReason = `failure budget spent (${run.counters.failed} failed attempts, last ${event.errorCode}): check the drives and media`;
    }
    if (failReason !== null) {
      if (await this.store.setRunStatus(run.id, 'failed', { from: ['queued', 'running', 'paused'], reason: failReason })) {
        await this.#removeQueued(run.id);
        await this.#changed(run.id);
      }
      return;
    }
    const k = event.replacement + 1;
    const jobId = copyJobId(run.id, event.copy, k);
    const queue = this.#queue(run.mediaClass);
    if ((await queue.getJob(jobId)) !== undefined) return;
    await this.store.nextReplacement(run.id);
    await queue.add('copy', { ...jobOf(run), copy: event.copy, replacement: k }, this.#jobOpts(run, event.copy, k));
    await this.#signalWork(run.id);
    this.emit('copy:replaced', { runId: run.id, copy: event.copy, jobId });
  }

  async #signalWork(runId: string): Promise<void> {
    const msg: RunControlMessage = { action: 'work', runId };
    await this.#redis.publish(RUN_CONTROL_CHANNEL, JSON.stringify(msg));
  }

  async #signalCancel(runId: string, reason: string): Promise<void> {
    const msg: RunControlMessage = { action: 'cancel', runId, reason };
    await this.#redis.publish(RUN_CONTROL_CHANNEL, JSON.stringify(msg));
  }

  /**
   * After a resume: promote the run's put-back jobs and queue every slot left
   * without a live job (removed by a cancel the resume raced, say), then look
   * at the state again: if it moved on to a cancel meanwhile, whose removal
   * may have run before these jobs were added, remove them.
   */
  async #requeue(runId: string): Promise<void> {
    const run = await this.store.getRun(runId);
    if (run === null) return;
    for (const job of await this.#liveJobs(run, ['delayed'])) await job.promote().catch(() => undefined);
    await this.#reconcileRun(run);
    await this.#signalWork(runId);
    const now = await this.store.getRun(runId);
    if (now === null || !isActive(now.status) || now.finishing === true) await this.#removeQueued(runId);
  }

  /** Remove a run's jobs that no drive holds. */
  async #removeQueued(runId: string): Promise<void> {
    const run = await this.store.getRun(runId);
    if (run === null) return;
    for (const job of await this.#liveJobs(run, LIVE_STATES)) {
      await job.remove().catch(() => undefined);
    }
  }

  async #liveJobs(run: RunRecord, states: readonly (typeof LIVE_STATES)[number][]) {
    const jobs = await this.#queue(run.mediaClass).getJobs([...states]);
    return jobs.filter((j) => (j.data as Partial<CopyJob> | undefined)?.runId === run.id);
  }

  #jobOpts(run: NewRun, copy: number, replacement: number): JobsOptions {
    return {
      jobId: copyJobId(run.id, copy, replacement),
      priority: run.priority,
      attempts: run.maxAttemptsPerCopy,
      backoff: { type: 'fixed', delay: this.#o.retryBackoffMs ?? 5000 },
    };
  }

  #queue(cls: MediaClass): Queue {
    let q = this.#queues.get(cls);
    if (q === undefined) {
      q = new Queue(copyQueueName(cls), {
        connection: this.#redis,
        skipVersionCheck: true,
        ...(this.#o.bullPrefix === undefined ? {} : { prefix: this.#o.bullPrefix }),
      });
      q.on('error', (e) => this.#error(e));
      this.#queues.set(cls, q);
    }
    return q;
  }

  async #changed(runId: string): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (run === null) throw new Error(`run ${runId} vanished`);
    this.emit('run:update', run);
    return run;
  }
}

/** A run that may still burn discs. */
function isActive(status: RunRecord['status']): boolean {
  return status === 'queued' || status === 'running' || status === 'paused';
}

interface PlannedRun {
  readonly run: NewRun;
  readonly job: Omit<CopyJob, 'copy'>;
}

/** The job payload of a stored run (without the slot). */
function jobOf(run: NewRun): Omit<CopyJob, 'copy'> {
  return {
    runId: run.id,
    imagePath: run.image.path,
    imageSha256: run.image.sha256,
    imageBytes: run.image.bytes,
    imageSectors: run.image.sectors,
    imageFormat: run.image.format,
    ...(run.image.identity === undefined ? {} : { imageIdentity: run.image.identity }),
    verify: run.verify,
    ...(run.speed === undefined ? {} : { speed: run.speed }),
    ...(run.dummyFirst ? { dummyFirst: true } : {}),
    ...(run.allowedDrives === undefined ? {} : { allowedDrives: run.allowedDrives }),
  };
}

/** Validate a run request; throws `RunValidationError`. */
export function validateRun(input: CreateRunInput): PlannedRun {
  const bad = (field: string, message: string): never => {
    throw new RunValidationError(field, message);
  };
  const { image } = input;
  if (!Number.isSafeInteger(input.copies) || input.copies < 1 || input.copies > MAX_COPIES) {
    bad('copies', `copies must be an integer 1..${MAX_COPIES}, got ${String(input.copies)}`);
  }
  if (typeof image.path !== 'string' || image.path === '') bad('image.path', 'the image path is empty');
  if (!/^[0-9a-f]{64}$/i.test(image.sha256)) bad('image.sha256', 'the image SHA-256 must be 64 hex digits');
  if (!Number.isSafeInteger(image.bytes) || image.bytes <= 0) bad('image.bytes', 'the image size must be a positive integer');
  const format = image.format ?? 'iso';
  if (format === 'cue' && image.sectors === undefined) bad('image.sectors', 'a CUE image needs its sectors');
  const sectors = image.sectors ?? Math.ceil(image.bytes / 2048);
  if (!Number.isSafeInteger(sectors) || sectors <= 0) bad('image.sectors', 'image sectors must be a positive integer');
  const fits: MediaClass[] = format === 'iso'
    ? mediaClassesFor({ format: 'iso', sizeBytes: sectors * 2048 })
    : (MEDIA_SIZES.some((m) => m.mediaClass === 'cd' && sectors <= m.sectors) ? ['cd'] : []);
  if (fits.length === 0) bad('image', `the image (${sectors} sectors) fits no media class`);
  if (input.mediaClass !== undefined && !fits.includes(input.mediaClass)) {
    bad('mediaClass', `the image (${sectors} sectors${format === 'cue' ? ', CD audio/raw' : ''}) does not go on ${input.mediaClass} media; it fits ${fits.join(', ')}`);
  }
  const mediaClass = input.mediaClass ?? fits[0];
  const verify = input.verify ?? { mode: 'all' };
  if (verify.mode === 'every-nth' && !(Number.isSafeInteger(verify.n) && verify.n >= 1)) bad('verify.n', 'every-nth needs n >= 1');
  const priority = input.priority ?? 100;
  if (!Number.isSafeInteger(priority) || priority < 1 || priority > 1000) bad('priority', 'priority must be an integer 1..1000');
  const maxAttemptsPerCopy = input.maxAttemptsPerCopy ?? 3;
  if (!Number.isSafeInteger(maxAttemptsPerCopy) || maxAttemptsPerCopy < 1 || maxAttemptsPerCopy > 100) {
    bad('maxAttemptsPerCopy', 'maxAttemptsPerCopy must be an integer 1..100');
  }
  const failureBudget = input.failureBudget ?? Math.max(3, input.copies);
  if (!Number.isSafeInteger(failureBudget) || failureBudget < 0) bad('failureBudget', 'failureBudget must be an integer >= 0');
  if (input.speed !== undefined && !(Number.isFinite(input.speed) && input.speed > 0)) bad('speed', 'speed must be > 0');
  if (input.allowedDrives !== undefined && (input.allowedDrives.length === 0 || input.allowedDrives.some((d) => typeof d !== 'string' || d === ''))) {
    bad('allowedDrives', 'allowedDrives must name at least one drive');
  }
  const id = input.id ?? randomUUID();
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) bad('id', 'a run id is 1..100 letters, digits, _ . -');
  if (input.imageId !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(input.imageId)) bad('imageId', 'an image id is 1..100 letters, digits, _ . -');
  const run = {
    id,
    image: { path: image.path, sha256: image.sha256.toLowerCase(), bytes: image.bytes, sectors, format, ...(typeof image.identity === 'string' && image.identity !== '' ? { identity: image.identity } : {}) },
    mediaClass: mediaClass as MediaClass,
    copies: input.copies,
    verify,
    ...(input.speed === undefined ? {} : { speed: input.speed }),
    priority,
    dummyFirst: input.dummyFirst === true,
    ...(input.allowedDrives === undefined ? {} : { allowedDrives: [...input.allowedDrives] }),
    maxAttemptsPerCopy,
    failureBudget,
    ...(input.imageId === undefined ? {} : { imageId: input.imageId }),
  };
  return { run, job: jobOf(run) };
}
