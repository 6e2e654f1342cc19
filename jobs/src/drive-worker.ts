/**
 * One drive's worker: fetches copy jobs by hand, only while its drive holds
 * a blank disc of a class whose queue it reads, runs them one at a time with
 * `processCopy`, and publishes the drive's state.
 *
 * It is a coordinator of parts, each in its own module:
 *
 * - connections: the workers of an agent share one `AgentConnections` (one
 *   command and one subscriber connection, one BullMQ Worker and stalled-job
 *   checker per class, one state outbox, the drives waiting for a hand-off).
 *   A worker made without one opens a private set and closes it with itself;
 * - `DriveLoop` (drive-loop.ts): look at the drive, fetch when it holds a
 *   usable blank, take copies handed over, sleep until the next look;
 * - `CopyHandler` (copy-handler.ts): one copy from routing to the job's end:
 *   burn, complete, fail (BullMQ retries), put back, report;
 * - `CopyRouting` (copy-routing.ts): the pure policy of who may take a copy
 *   (allowed drives, retry steering, hand-off, put-back delays);
 * - `JobLease` (job-lease.ts): the job's lock renewal and cancel polling
 *   while a copy runs;
 * - `FaultTracker` (fault-tracker.ts): K drive-fault failures in a row,
 *   counted in Redis beside the quarantine entry, quarantine the drive; it
 *   takes no work until released (`release()`, or `releaseDrive()` as the
 *   API does, which resets the count too);
 * - here: options (defaults applied once, drive-worker-options.ts), the
 *   drive's state publisher, run control (new work wakes an idle drive; a
 *   cancelled run aborts its burn in flight, recorded `cancelled`), start,
 *   release, quarantine and close.
 */
import type { Job } from 'bullmq';
import { TypedEmitter } from 'node-cdrecord-wrapper';
import { AgentConnections } from './agent-connections.js';
import { CopyHandler } from './copy-handler.js';
import { CopyRouting, routedCopyOf } from './copy-routing.js';
import type { DriveContext } from './drive-context.js';
import { DriveLoop } from './drive-loop.js';
import type { QuarantineInfo } from './drive-quarantine.js';
import { DriveStatePublisher } from './drive-state.js';
import type { DriveStatus, DriveStatusUpdate } from './drive-state.js';
import { resolveDriveWorkerOptions } from './drive-worker-options.js';
import type { DriveWorkerEvents, DriveWorkerOptions, ResolvedDriveWorkerOptions } from './drive-worker-options.js';
import { FaultTracker } from './fault-tracker.js';
import { LoaderLink, withLoader } from './loader-link.js';
import type { RunControlMessage } from './run-events.js';
import { RunStore } from './run-store.js';

export { DRIVE_WORKER_DEFAULTS } from './drive-worker-options.js';
export type { DriveWorkerEvents, DriveWorkerListener, DriveWorkerOptions } from './drive-worker-options.js';

/** Longest wait for the due time a `work` message names, ms. */
const MAX_WORK_WAIT_MS = 10_000;

/** The parts a worker makes once its drive's id is known. */
interface Parts {
  readonly publisher: DriveStatePublisher;
  readonly faults: FaultTracker;
  readonly handler: CopyHandler;
  readonly loop: DriveLoop;
}

/** The worker of one drive. Create, `start()`, and `close()` when done. */
export class DriveWorker extends TypedEmitter<DriveWorkerEvents> {
  readonly #o: ResolvedDriveWorkerOptions;
  readonly #pool: AgentConnections;
  /** The pool is this worker's own (no shared connections were given): it closes it. */
  readonly #ownsPool: boolean;
  readonly #store: RunStore;
  #driveId = '';
  #parts: Parts | null = null;
  #closing = false;
  #unwatchMedia: (() => void) | null = null;
  #offRunControl: (() => void) | null = null;

  constructor(options: DriveWorkerOptions) {
    super();
    this.#o = resolveDriveWorkerOptions(options);
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
    this.#store = new RunStore(this.#pool.redis, { prefix: this.#pool.keys.prefix });
  }

  /** The drive's id (after `start()`). */
  get driveId(): string {
    return this.#driveId;
  }

  /** The last published state. */
  get status(): DriveStatus | null {
    return this.#parts?.publisher.current ?? null;
  }

  /** Drive-fault failures in a row so far (as counted in Redis, last seen by this worker). */
  get consecutiveFailures(): number {
    return this.#parts?.faults.consecutive ?? 0;
  }

  /** Connect, subscribe to run control and start the fetch loop. */
  async start(): Promise<void> {
    if (this.#parts !== null) return;
    await this.#pool.start();
    this.#driveId = this.#o.driveId ?? (await this.#o.drive.info()).stableId;
    const parts = this.#makeParts(this.#driveId);
    await parts.faults.load();
    this.#offRunControl = await this.#pool.onRunControl((msg) => this.#onRunControl(msg));
    this.#unwatchMedia = this.#o.watchMedia?.(() => this.#parts?.loop.wake()) ?? null;
    this.#parts = parts;
    parts.loop.start();
  }

  /** Release the drive from quarantine and reset its failure count. */
  async release(): Promise<boolean> {
    const parts = this.#started();
    const released = await parts.faults.release();
    this.#pool.invalidateQuarantine();
    parts.loop.wake();
    return released;
  }

  /** Quarantine the drive by an operator's choice. */
  async quarantine(reason: string): Promise<void> {
    const parts = this.#started();
    const info: QuarantineInfo = await parts.faults.quarantine(reason);
    this.#pool.invalidateQuarantine();
    this.emit('quarantined', info);
    parts.loop.wake();
  }

  /**
   * Run `fn` with the drive to the caller (an operator's eject): between two
   * looks of the worker, which opens the device for none meanwhile and looks
   * again at once after (or `quietMs` after: see `DriveLoop.hold`). Before
   * `start()` or after `close()`, `fn` just runs.
   */
  async hold<T>(fn: () => Promise<T>, options: { readonly quietMs?: number } = {}): Promise<T> {
    const parts = this.#parts;
    return parts === null || this.#closing ? fn() : parts.loop.hold(fn, options);
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
    const parts = this.#parts;
    if (options.cancelInFlight === true) parts?.handler.abortForStop();
    await parts?.loop.stop();
    this.#offRunControl?.();
    this.#offRunControl = null;
    if (parts !== null) {
      if (options.publishOffline !== false) parts.publisher.update({ state: 'offline', message: 'the agent stopped this drive' });
      await parts.publisher.flush();
      parts.publisher.close();
    }
    if (this.#ownsPool) await this.#pool.close();
  }

  #makeParts(driveId: string): Parts {
    const o = this.#o;
    const pool = this.#pool;
    // What the drive declares it burns: copies it cannot take never reach it (copy-suitability.ts).
    const cueTrackModes = o.drive.features?.cueTrackModes;
    const writesCdText = o.drive.features?.writesCdText;
    const declared = { ...(cueTrackModes === undefined ? {} : { cueTrackModes }), ...(writesCdText === undefined ? {} : { writesCdText }) };
    const publisher = new DriveStatePublisher({
      driveId,
      agentId: o.agentId,
      outbox: pool.outbox,
      minIntervalMs: o.progressIntervalMs,
      classes: o.classes,
      ...declared,
      onStatus: (s) => this.emit('state', s),
      onError: (e) => this.#error(e),
    });
    const routing = new CopyRouting(driveId, o, { classes: o.classes, ...declared }, o.autoLoader);
    const loader = o.loader === undefined ? null : new LoaderLink(o.loader, (e) => this.#error(e));
    const ctx: DriveContext = {
      driveId,
      drive: o.drive,
      pool,
      options: o,
      loader,
      status: () => publisher.current ?? null,
      set: (update: DriveStatusUpdate) => publisher.update(withLoader(o.autoLoader ? { ...update, autoLoader: true } : update, loader)),
      putBack: (job, token, reason) => this.#putBack(job, token, routing.putBackDelayMs(reason)),
      error: (err) => this.#error(err),
    };
    const faults = new FaultTracker({ redis: pool.redis, keys: pool.keys, driveId, quarantineAfter: o.quarantineAfter });
    const handler: CopyHandler = new CopyHandler({
      ctx, store: this.#store, routing, faults,
      emit: (event, ...args) => this.emit(event, ...args),
      onMediaRefused: (media) => loop.refuse(media),
    });
    const loop: DriveLoop = new DriveLoop({
      ctx,
      handle: (job, token, cls, media) => handler.handle(job, token, cls, media),
      busy: () => handler.busy,
      takes: (job) => routing.takes(routedCopyOf(job)),
      onReleased: () => faults.released(),
    });
    return { publisher, faults, handler, loop };
  }

  #started(): Parts {
    if (this.#parts === null) throw new Error('the drive worker is not started');
    return this.#parts;
  }

  #onRunControl(msg: RunControlMessage): void {
    const parts = this.#parts;
    if (msg.action === 'cancel') {
      parts?.handler.cancelRun(msg.runId, msg.reason);
      return;
    }
    if (msg.drives !== undefined && !msg.drives.includes(this.#driveId)) return;
    // New, resumed or replaced work: an idle drive holding a blank looks now, or when the copy is back in the queue.
    const wait = Math.min(MAX_WORK_WAIT_MS, (msg.at ?? 0) - Date.now());
    if (wait <= 0) {
      if (parts?.handler.busy !== true) parts?.loop.wake();
      return;
    }
    setTimeout(() => {
      this.#pool.reopen();
      if (this.#parts?.handler.busy !== true) this.#parts?.loop.wake();
    }, wait).unref();
  }

  /** Give a job back to the queue after `delayMs`; this agent's idle drives then look again. */
  async #putBack(job: Job, token: string, delayMs: number): Promise<void> {
    try {
      await job.moveToDelayed(Date.now() + delayMs, token);
    } finally {
      this.#pool.reopen();
    }
  }

  #error(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }
}
