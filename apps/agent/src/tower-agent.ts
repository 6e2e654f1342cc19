/**
 * The tower agent: owns the drives of one host and runs one jobs
 * `DriveWorker` per drive, all sharing the agent's `AgentConnections` (two
 * Redis connections, one BullMQ worker per media class and one state outbox
 * for the whole host, whatever its number of drives). On start it takes the
 * lease on its id (`AgentLease`: a second process with the same id refuses
 * to start, `AgentIdInUseError`), heartbeats (`tower:agent:{id}`, renewing
 * the lease), closes its own attempts left open by a crash (`interrupted`:
 * the disc is a coaster) and gives their jobs back to the queue; then it
 * listens for commands (eject, master) on `tower:agent:{id}:commands` and
 * answers on `tower:agent-replies`. Should another process take the lease
 * (after it expired), the agent stops taking work (`leaseLost`).
 *
 * Starting and stopping are bounded: every wait on Redis while starting has
 * a deadline (and ends at once when the start's signal is aborted), and
 * `stop` closes the connections hard when Redis does not let it finish.
 */
import os from 'node:os';
import type { Redis } from 'ioredis';
import {
  AgentConnections, AgentLease, AgentLeaseLostError, DriveWorker, ImageStagingCache, logBullmqError, readAllAgents, reclaimInterruptedJobs, recordPresent, RunStore,
  settlesWithin, withDeadline,
} from '@tower/jobs';
import type { AttemptRecord, DriveWorkerOptions, ImageStagingOptions, LeaseHolder, Logger, LogSink, RedisSchema } from '@tower/jobs';
import type { Drive } from 'node-cdrecord-wrapper';
import { AgentCommandHandler } from './agent-command-handler.js';
import type { DriveSlot } from './agent-command-handler.js';
import { disposeAgentDrive } from './agent-drives.js';
import type { AgentDrive } from './agent-drives.js';
import { agentLogger, connectivityLevel, driveLogger } from './agent-log.js';
import { AgentHeartbeatLoop } from './agent-heartbeat.js';
import { AgentMergeStaging } from './agent-merge-staging.js';
import type { MergeStagingSettings } from './agent-merge-staging.js';
import { holdCoaster } from './coaster-hold.js';
import { sortInterruptedDisc } from './stdio-bin-recovery.js';
import type { MasterLibrary } from './master-library.js';

/** Options of a {@link TowerAgent}. */
export interface TowerAgentOptions {
  readonly agentId: string;
  /** Host name for the heartbeat; default `os.hostname()`. */
  readonly host?: string;
  readonly redisUrl: string;
  /** Names of the tower's keys, channels and queues; default the `tower` prefix's. Every process of a tower uses the same. */
  readonly schema?: RedisSchema;
  readonly drives: readonly AgentDrive[];
  /** Where masters go; null: this agent refuses master commands. */
  readonly library: MasterLibrary | null;
  /** K failures in a row that quarantine a drive. */
  readonly quarantineAfter: number;
  readonly heartbeatMs: number;
  readonly heartbeatTtlMs: number;
  /** TTL of the lease on the agent id, renewed at every heartbeat; default 3 × heartbeatMs. */
  readonly leaseTtlMs?: number;
  /** Deadline of each wait on Redis while starting (connecting, then each step), ms; default 10 000. */
  readonly redisTimeoutMs?: number;
  /** How long `stop` waits for a clean stop before closing the Redis connections hard, ms; default 5000. */
  readonly stopTimeoutMs?: number;
  readonly lockDurationMs: number;
  readonly pollIntervalMs: number;
  readonly sameDriveRetryDelayMs: number;
  /** Where merged discs' images are built, and how many ahead; default none: each built just in time in the system's temporary folder. */
  readonly mergeStaging?: MergeStagingSettings;
  /** The staging cache its drives burn images the library stores compressed from (one per agent); default none: such copies fail as image errors. */
  readonly imageStaging?: ImageStagingOptions;
  readonly version?: string;
  /**
   * Where the agent logs, one line per notable event: every line carries
   * `agent`, a drive worker's `drive` too (a line function gets them as a
   * `[agent a1, drive sim:0]` prefix). Default none.
   */
  readonly log?: LogSink;
}

/** A drive is claimed by another online agent. */
export class DriveClaimedError extends Error {
  readonly code = 'DRIVE_CLAIMED';
  constructor(driveId: string, agentId: string) {
    super(`drive ${driveId} belongs to agent ${agentId}, which is online: give each agent its own drives (sim: agent.simulated.firstIndex)`);
    this.name = 'DriveClaimedError';
  }
}

/** One host's drives, serving copy jobs. */
export class TowerAgent {
  readonly #o: TowerAgentOptions;
  readonly #pool: AgentConnections;
  readonly #redis: Redis;
  readonly #store: RunStore;
  readonly #slots: DriveSlot[];
  readonly #stop = new AbortController();
  readonly #background = new Set<Promise<unknown>>();
  readonly #heartbeat: AgentHeartbeatLoop;
  readonly #lease: AgentLease;
  readonly #commands: AgentCommandHandler;
  readonly #redisTimeoutMs: number;
  readonly #logger: Logger;
  readonly #staging: ImageStagingCache | null;
  readonly #merge: AgentMergeStaging | null;
  /** This process took the lease (it may have lost it since). */
  #leaseHeld = false;
  #serving = false;
  #onLost: (err: AgentLeaseLostError) => void = () => undefined;
  /** Settles when another process took the lease on this agent's id; the agent stops then. Never settles otherwise. */
  readonly leaseLost: Promise<AgentLeaseLostError>;
  #started = false;
  #stopping: Promise<void> | null = null;
  #unsubscribeCommands: (() => Promise<void>) | null = null;

  constructor(options: TowerAgentOptions) {
    this.#o = options;
    this.#staging = options.imageStaging === undefined ? null : new ImageStagingCache(options.imageStaging);
    this.#logger = agentLogger(options.log, options.agentId);
    let lastError = '';
    this.#redisTimeoutMs = options.redisTimeoutMs ?? 10_000;
    this.leaseLost = new Promise((resolve) => {
      this.#onLost = resolve;
    });
    this.#pool = new AgentConnections({
      redisUrl: options.redisUrl,
      name: options.agentId,
      ...(options.schema === undefined ? {} : { prefix: options.schema.prefix }),
      lockDurationMs: options.lockDurationMs,
      connectTimeoutMs: this.#redisTimeoutMs,
      onError: (e, queue) => {
        if (e.message === lastError) return;
        lastError = e.message;
        const level = connectivityLevel(e.message);
        if (level !== null) this.#logger[level](e.message);
        else logBullmqError(this.#logger, e, queue);
      },
    });
    this.#redis = this.#pool.redis;
    this.#merge = options.mergeStaging === undefined ? null : new AgentMergeStaging(options.mergeStaging, this.#pool, options.agentId, options.drives.length, this.#logger, this.#staging ?? undefined);
    this.#store = new RunStore(this.#redis, { prefix: this.#pool.keys.prefix });
    this.#slots = options.drives.map((d) => ({ d, worker: null, busy: null }));
    this.#commands = new AgentCommandHandler({
      agentId: options.agentId, redis: this.#redis, keys: this.#pool.keys, outbox: this.#pool.outbox, library: options.library,
      slots: this.#slots, signal: this.#stop.signal, startWorker: (slot) => this.#startWorker(slot), log: this.#logger,
    });
    const host = options.host ?? os.hostname();
    this.#lease = new AgentLease({
      redis: this.#redis,
      keys: this.#pool.keys,
      agentId: options.agentId,
      ttlMs: options.leaseTtlMs ?? 3 * options.heartbeatMs,
      host,
      commandTimeoutMs: this.#redisTimeoutMs,
    });
    this.#heartbeat = new AgentHeartbeatLoop({
      redis: this.#redis,
      keys: this.#pool.keys,
      agentId: options.agentId,
      host,
      driveIds: () => this.driveIds,
      intervalMs: options.heartbeatMs,
      ttlMs: options.heartbeatTtlMs,
      lease: this.#lease,
      onLeaseLost: (holder) => this.#leaseWasLost(holder),
      onLeaseRetaken: () => this.#logger.warn('the lease on this agent id had expired (Redis out of reach?); nobody else took it: taken again'),
      onDeclaredDead: () => {
        this.#logger.warn('the controller had declared this agent dead (its heartbeats did not get through): publishing the drives again');
        this.#pool.outbox.republishAll();
      },
      ...(options.version === undefined ? {} : { version: options.version }),
      onError: (e) => this.#logger.error(`heartbeat failed: ${e.message}`),
    });
  }

  /** Ids of this agent's drives. */
  get driveIds(): string[] {
    return this.#slots.map((s) => s.d.id);
  }

  /**
   * Take the lease on the agent id, heartbeat, close interrupted attempts,
   * listen for commands and start the drive workers. Throws
   * `AgentIdInUseError` when another live process serves under this id,
   * `RedisTimeoutError` when Redis does not answer in time, and the signal's
   * reason once `signal` is aborted; then `stop()` it.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { signal } = options;
    const id = this.#o.agentId;
    const step = <T>(p: Promise<T>, what: string): Promise<T> => withDeadline(p, this.#redisTimeoutMs, what, signal);
    await this.#pool.start(signal === undefined ? {} : { signal });
    const tookOver = await this.#lease.acquire({
      ...(signal === undefined ? {} : { signal }),
      onWait: (h, ms) => this.#logger.warn(`the lease on agent id ${id} is held by ${holderName(h)}; waiting up to ${Math.ceil(ms / 1000)} s: `
        + 'an agent that is running renews it (then this one refuses to start), a stopped one lets it expire'),
    });
    this.#leaseHeld = true;
    if (tookOver !== null) this.#logger.warn(`took over agent id ${id} from ${holderName(tookOver)}, whose lease expired`);
    await step(this.#checkClaims(), 'reading the other agents');
    await step(this.#heartbeat.start(), 'writing the first heartbeat');
    if (this.#heartbeat.leaseLost) throw new AgentLeaseLostError(id, null);
    // Only now, with the lease ours: the attempts open under this id are a dead process's.
    const closed = await step(this.#store.closeInterruptedAttempts(id, { owner: this.#lease.value }, 'the agent stopped during this attempt'), 'closing interrupted attempts');
    const interrupted = new Map<string, AttemptRecord>();
    for (const attemptId of closed) {
      const a = await step(this.#store.getAttempt(attemptId), 'reading an interrupted attempt');
      if (a !== null) interrupted.set(a.driveId, a);
    }
    if (closed.length > 0) {
      const moved = await step(reclaimInterruptedJobs({ store: this.#store, redisUrl: this.#o.redisUrl }, closed), 'giving interrupted jobs back');
      this.#logger.warn(`closed ${closed.length} interrupted attempt(s) (coasters); ${moved.length} job(s) back in the queue`);
    }
    await this.#merge?.start();
    this.#unsubscribeCommands = await step(this.#pool.subscribe(this.#pool.keys.agentCommands(id), (text) => this.#track(this.#commands.onMessage(text))), 'subscribing to commands');
    for (const slot of this.#slots) {
      const attempt = interrupted.get(slot.d.id);
      if (attempt === undefined) {
        await step(sortInterruptedDisc(this.#redis, this.#store, id, slot.d), `sorting the last disc of ${slot.d.id}`);
        await step(this.#startWorker(slot), `starting ${slot.d.id}`);
        continue;
      }
      slot.busy = 'coaster';
      this.#track((async () => {
        await holdCoaster({
          redis: this.#redis, keys: this.#pool.keys, agentId: this.#o.agentId, driveId: slot.d.id, drive: slot.d.drive, attempt,
          pollIntervalMs: this.#o.pollIntervalMs, signal: this.#stop.signal,
          ...(slot.d.loader === undefined ? {} : { loader: slot.d.loader }),
        });
        slot.busy = null;
        if (!this.#stop.signal.aborted) await this.#startWorker(slot);
      })());
    }
    this.#serving = true;
    this.#logger.info(`agent ${id} serving ${this.#slots.length} drive(s): ${this.driveIds.join(', ')}`);
  }

  /**
   * Stop: no new work, burns in flight cancelled by default (their attempts
   * recorded `cancelled`, their jobs back in the queue), drives published
   * offline, heartbeat removed and lease released (if this process holds
   * them), connections closed. Bounded: when that has not finished within
   * `stopTimeoutMs` (Redis down or not answering), the connections are
   * closed hard; attempts not recorded then stay open, and the next start
   * under this id closes them `interrupted`.
   */
  stop(options: { cancelInFlight?: boolean } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stop.abort();
      this.#staging?.close();
      const limit = this.#o.stopTimeoutMs ?? 5000;
      const clean = this.#stopCleanly(options.cancelInFlight ?? true);
      if (!(await settlesWithin(clean, limit))) {
        this.#logger.warn(`stopping: not done within ${limit / 1000} s (Redis not answering?): closing the Redis connections`);
        this.#pool.disconnect();
        await settlesWithin(clean, 1000);
      }
      for (const s of this.#slots) disposeAgentDrive(s.d);
    })();
    return this.#stopping;
  }

  async #stopCleanly(cancelInFlight: boolean): Promise<void> {
    await this.#heartbeat.stop();
    // The lease went to another process: its drive states and heartbeat are not ours to touch.
    const lost = this.#heartbeat.leaseLost;
    await this.#unsubscribeCommands?.().catch(() => undefined);
    await Promise.allSettled([...this.#background]);
    await Promise.all(this.#slots.map(async (s) => {
      await s.worker?.close({ cancelInFlight, publishOffline: !lost }).catch(() => undefined);
      s.worker = null;
    }));
    if (this.#leaseHeld && !lost) {
      await this.#heartbeat.stop({ remove: true });
      // After every worker: no attempt of this process is left open without the lease.
      await this.#lease.release().catch(() => undefined);
    }
    await this.#merge?.close().catch(() => undefined);
    // After every worker: the shared connections and the state outbox go last.
    await this.#pool.close().catch(() => undefined);
  }

  #leaseWasLost(holder: LeaseHolder | null): void {
    const err = new AgentLeaseLostError(this.#o.agentId, holder);
    this.#logger.error(err.message);
    this.#onLost(err);
    // While starting, start() fails with it and its caller stops the agent.
    if (this.#serving) void this.stop({ cancelInFlight: true });
  }

  async #checkClaims(): Promise<void> {
    const agents = await readAllAgents(this.#redis, recordPresent, [], this.#pool.keys);
    const mine = new Set(this.driveIds);
    for (const a of agents) {
      if (a.id === this.#o.agentId || !a.online) continue;
      const clash = a.driveIds.find((id) => mine.has(id));
      if (clash !== undefined) throw new DriveClaimedError(clash, a.id);
    }
  }

  async #startWorker(slot: DriveSlot): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const o = this.#o;
    const worker = new DriveWorker({
      drive: slot.d.drive,
      driveId: slot.d.id,
      ...(slot.d.spec.label === undefined ? {} : { driveLabel: slot.d.spec.label }),
      agentId: o.agentId,
      connections: this.#pool,
      quarantineAfter: o.quarantineAfter,
      pollIntervalMs: o.pollIntervalMs,
      lockDurationMs: o.lockDurationMs,
      sameDriveRetryDelayMs: o.sameDriveRetryDelayMs,
      ...(this.#merge === null ? {} : { mergeStaging: this.#merge.staging }),
      ...(this.#staging === null ? {} : { imageStaging: this.#staging }),
      putBackDelayMs: Math.min(2000, o.pollIntervalMs * 2),
      ...watchMediaOf(slot.d.drive),
      ...(slot.d.drive.features?.autoLoader === true ? { autoLoader: true } : {}),
      ...(slot.d.loader === undefined ? {} : { loader: slot.d.loader }),
    });
    const log = driveLogger(this.#logger, slot.d.id);
    let lastError = '';
    worker.on('error', (e) => {
      if (e.message !== lastError) logBullmqError(log, e);
      lastError = e.message;
    });
    worker.on('attempt-end', (e) => {
      const extra = e.errorCode === undefined ? (e.surplus ? ' (surplus)' : '') : ` ${e.errorCode}`;
      log[e.outcome === 'passed' ? 'info' : 'warn']({ runId: e.runId, copy: e.copy, outcome: e.outcome }, `run ${e.runId} copy ${e.copy} ${e.outcome}${extra}`);
    });
    worker.on('quarantined', (q) => log.warn(`quarantined: ${q.reason}`));
    slot.worker = worker;
    await worker.start();
  }

  #track(p: Promise<unknown>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }
}

function holderName(h: LeaseHolder | null): string {
  return h === null ? 'another process' : `${h.host} (pid ${h.pid})`;
}

/** Drives that report their media changes (simulated ones) wake their worker at once instead of at its next poll. */
function watchMediaOf(drive: Drive): Pick<DriveWorkerOptions, 'watchMedia'> {
  const watch = drive.watch?.bind(drive);
  if (watch === undefined || drive.features?.watchesMedia !== true) return {};
  return { watchMedia: (onChange) => watch(() => onChange()) };
}
