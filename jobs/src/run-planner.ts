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
 *
 * Its parts: run-request.ts validates a request, run-copy-queues.ts holds
 * the copy queues, copy-slot-upkeep.ts replaces exhausted copies and
 * reconciles a run's jobs with its state.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { TypedEmitter } from 'node-cdrecord-wrapper';
import { CopySlotUpkeep, isRunActive } from './copy-slot-upkeep.js';
import { removeMergeRows, writeMergeRows } from './merge-rows.js';
import { RedisConnectivity } from './redis-connectivity.js';
import { RunCopyQueues } from './run-copy-queues.js';
import type { RunRecord } from './run-records.js';
import { parseMessage } from './run-events.js';
import type { RunControlMessage, RunEvent } from './run-events.js';
import type { RunControlAction, RunControlResult } from './run-control.js';
import { slotJob, validateRun } from './run-request.js';
import type { CreateRunInput } from './run-request.js';
import { RunImageGoneError, RunStore } from './run-store.js';
import { mergeRowOf } from './set-merge.js';

/** Options of `RunPlanner.createRun`. */
export interface CreateRunOptions {
  /**
   * Asked once the run is stored (and holds its image), before any job is
   * queued: is the image still there? False takes the run back and throws
   * `RunImageGoneError` (a delete finished between the caller's look and the store).
   */
  readonly imageStillThere?: () => Promise<boolean>;
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
  /**
   * A worker's run event, as it arrives and before the planner handles it
   * (its `run:update` of a completed run comes after the run's queued jobs
   * are removed): the run store had recorded it when it was published.
   */
  'run:event': [event: RunEvent];
  /** A replacement copy job was added. */
  'copy:replaced': [info: { readonly runId: string; readonly copy: number; readonly jobId: string }];
  error: [error: Error];
}

/** Copy jobs added to the queue in one transaction when a run is created. */
const ADD_BATCH = 100;

/** Plans runs onto the copy queues. */
export class RunPlanner extends TypedEmitter<RunPlannerEvents> {
  readonly store: RunStore;
  readonly #o: RunPlannerOptions;
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #queues: RunCopyQueues;
  readonly #slots: CopySlotUpkeep;
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
    this.#queues = new RunCopyQueues({
      connection: this.#redis,
      schema: this.store.keys,
      ...(options.bullPrefix === undefined ? {} : { bullPrefix: options.bullPrefix }),
      ...(options.retryBackoffMs === undefined ? {} : { retryBackoffMs: options.retryBackoffMs }),
      onError: (e) => this.#error(e),
    });
    this.#slots = new CopySlotUpkeep({
      store: this.store,
      queues: this.#queues,
      signalWork: (runId) => this.#signalWork(runId),
      settle: (runId) => this.settleRun(runId),
      changed: (runId) => this.#changed(runId),
      replaced: (info) => this.emit('copy:replaced', info),
    });
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
    await this.#queues.open();
    // Back from an outage: catch up on the run events missed meanwhile.
    const back = (): void => this.#reconcileSoon();
    this.#redis.on('ready', back);
    this.#connectivity.on('up', back);
    this.#sub.on('message', (channel: string, text: string) => {
      if (channel !== this.store.keys.runEvents()) return;
      const event = parseMessage<RunEvent>(text, 'kind');
      if (event === null) return;
      this.emit('run:event', event);
      void this.handleRunEvent(event);
    });
    await this.#sub.subscribe(this.store.keys.runEvents());
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
      if (run !== null) await this.#slots.reconcileRun(run);
    }
  }

  /**
   * Validate a request, store the run and add its N copy jobs. A run of a
   * library image (`imageId`) is refused with `RunImageGoneError` while the
   * image's delete is claimed, or when `imageStillThere` says it went away.
   */
  async createRun(input: CreateRunInput, options: CreateRunOptions = {}): Promise<RunRecord> {
    const plan = validateRun(input);
    // A run of rows: its rows first, in their own key, so every job made for the run finds its slot's.
    if (plan.rows !== undefined) await writeMergeRows(this.#redis, this.store.keys, plan.run.id, plan.rows);
    await this.store.createRun(plan.run);
    if (options.imageStillThere !== undefined && !(await options.imageStillThere())) {
      await this.store.discardRun(plan.run.id);
      if (plan.rows !== undefined) await removeMergeRows(this.#redis, this.store.keys, plan.run.id);
      throw new RunImageGoneError(plan.run.imageId ?? plan.run.image.path, 'deleted');
    }
    const queue = this.#queues.queue(plan.run.mediaClass);
    // In batches: building one transaction of thousands of jobs holds the event loop for
    // a tenth of a second or more. Job ids are fixed per slot, and reconcile() adds what a
    // crash between batches left out.
    for (let first = 1; first <= plan.run.copies; first += ADD_BATCH) {
      const last = Math.min(plan.run.copies, first + ADD_BATCH - 1);
      await queue.addBulk(
        Array.from({ length: last - first + 1 }, (_, i) => ({
          name: 'copy',
          data: slotJob(plan.run, first + i, 0, plan.rows?.[mergeRowOf(plan.run, first + i) - 1]),
          opts: this.#queues.jobOptions(plan.run, first + i, 0),
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
        else if (event.kind === 'copy-exhausted') await this.#slots.onExhausted(event);
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
    await this.#queues.close();
    // A fail-fast connection cannot QUIT while Redis is away: close it, or it reconnects for ever.
    await Promise.all([this.#sub.quit().catch(() => this.#sub.disconnect()), this.#redis.quit().catch(() => this.#redis.disconnect())]);
  }

  async #onCompleted(runId: string): Promise<void> {
    await this.#removeQueued(runId);
    if (this.#o.onCompleteInFlight === 'cancel') await this.#signalCancel(runId, 'the run is complete');
    await this.#changed(runId);
  }

  async #signalWork(runId: string): Promise<void> {
    const msg: RunControlMessage = { action: 'work', runId };
    await this.#redis.publish(this.store.keys.runControl(), JSON.stringify(msg));
  }

  async #signalCancel(runId: string, reason: string): Promise<void> {
    const msg: RunControlMessage = { action: 'cancel', runId, reason };
    await this.#redis.publish(this.store.keys.runControl(), JSON.stringify(msg));
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
    for (const job of await this.#queues.jobsOf(run, ['delayed'])) await job.promote().catch(() => undefined);
    await this.#slots.reconcileRun(run);
    await this.#signalWork(runId);
    const now = await this.store.getRun(runId);
    if (now === null || !isRunActive(now.status) || now.finishing === true) await this.#removeQueued(runId);
  }

  /** Remove a run's jobs that no drive holds. */
  async #removeQueued(runId: string): Promise<void> {
    const run = await this.store.getRun(runId);
    if (run !== null) await this.#queues.removeQueued(run);
  }

  async #changed(runId: string): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (run === null) throw new Error(`run ${runId} vanished`);
    this.emit('run:update', run);
    return run;
  }
}
