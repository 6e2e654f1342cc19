/**
 * FeedRelay: what agents publish in Redis, and what the API changes, as feed
 * events. Drive events become coalesced drive deltas, sent together as
 * `drive:updates` once per turn of the event loop; attempt ends
 * become `attempt:ends` (one event per batch) plus `run:update`; the planner's run changes become
 * `run:update`; master events `master:update`; heartbeats `agent:update`.
 *
 * A message on the drive events channel is one DriveStatus or a JSON array
 * of them (agents batch); invalid entries are skipped. The per-status path
 * is synchronous while the drive views' cache is fresh (no Redis round trip,
 * no promise), and falls back to an ordered per-drive chain otherwise.
 * `run:update` is sent at most once per run each `runIntervalMs` (default
 * 200), the last change always sent.
 */
import { isNotOlder, parseDriveStatuses, parseMessage } from '@tower/jobs';
import type { DriveStatus, RunEvent, RunRecord } from '@tower/jobs';
import type { DriveDelta, ServerToClientEvents, DriveView } from '../shared/api-types.js';
import { parseMasterEvent } from '@tower/jobs';
import type { ApiServices } from '../api/api-services.js';
import type { RedisSubscriber } from '../api/redis-subscriber.js';
import { readMaster } from '../api/routes/master-routes.js';
import { toAttemptView } from '../api/views/attempt-view.js';
import { AgentWatch } from './agent-watch.js';
import { systemClock } from './feed-clock.js';
import type { FeedClock } from './feed-clock.js';
import { FeedCoalescer } from './feed-coalescer.js';

type AttemptEndEvent = Extract<RunEvent, { kind: 'attempt-end' }>;

/** Longest stretch, ms, of drive events handled without letting other I/O in. */
const DRAIN_SLICE_MS = 8;

/** Sends one event to every client. */
export type Broadcast = <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => void;

/** Options of a {@link FeedRelay}. */
export interface FeedRelayOptions {
  readonly services: ApiServices;
  readonly subscriber: RedisSubscriber;
  readonly broadcast: Broadcast;
  /** Minimum ms between two `run:update` of one run (the last one is always sent). Default 200. */
  readonly runIntervalMs?: number;
  readonly clock?: FeedClock;
  readonly agentPollMs?: number;
  readonly onError?: (err: Error) => void;
}

/** Relays Redis and API changes to the feed. */
export class FeedRelay {
  readonly #o: FeedRelayOptions;
  readonly #coalescer: FeedCoalescer<DriveView>;
  readonly #chains = new Map<string, Promise<void>>();
  /** The last status received of each drive. */
  readonly #last = new Map<string, DriveStatus>();
  readonly #runEmits = new Map<string, { at: number; timer: unknown }>();
  readonly #clock: FeedClock;
  readonly #runInterval: number;
  readonly #watch: AgentWatch;
  #refreshAllTimer: NodeJS.Timeout | null = null;
  /** Drive event messages received and not handled yet (see #queueStatuses). */
  readonly #pending: string[] = [];
  /** Attempt ends of this turn, not handled yet (see #queueAttemptEnd). */
  #attemptEnds: AttemptEndEvent[] = [];
  /** Drive deltas of this turn, not sent yet (see #sendDelta). */
  #deltas: DriveDelta[] = [];
  #closed = false;
  readonly #onPlannerRun = (run: RunRecord): void => {
    this.#scheduleRun(run.id);
    this.#scheduleRefreshAll();
  };

  constructor(options: FeedRelayOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#runInterval = options.runIntervalMs ?? 200;
    this.#coalescer = new FeedCoalescer<DriveView>((d) => this.#sendDelta(d));
    const s = options.services;
    this.#watch = new AgentWatch(
      () => s.drives.agents(false),
      (agent, onlineChanged) => {
        this.#o.broadcast('agent:update', agent);
        if (onlineChanged) {
          s.drives.invalidate();
          for (const id of agent.driveIds) this.#refreshDrive(id);
          this.#scheduleRefreshAll(0);
        }
      },
      (err) => this.#error(err),
      options.agentPollMs ?? 1000,
    );
  }

  /** Subscribe and start watching. */
  async start(): Promise<void> {
    const { subscriber, services: s } = this.#o;
    await subscriber.on(s.keys.driveEvents(), (text) => this.#queueStatuses(text));
    await subscriber.on(s.keys.runEvents(), (text) => {
      const event = parseMessage<RunEvent>(text, 'kind');
      if (event === null) return;
      if (event.kind === 'attempt-end') this.#queueAttemptEnd(event);
      else this.#scheduleRun(event.runId);
    });
    await subscriber.on(s.keys.masterEvents(), (text) => {
      const event = parseMasterEvent(text);
      if (event !== null) this.#task(() => this.#emitMaster(event.masterId));
    });
    s.deps.planner.on('run:update', this.#onPlannerRun);
    s.events.on('drive-changed', (id) => this.#refreshDrive(id));
    s.events.on('run-changed', (id) => this.#scheduleRun(id));
    s.events.on('master-changed', (id) => this.#task(() => this.#emitMaster(id)));
    await this.#watch.start();
  }

  /** Stop timers and listeners. */
  close(): void {
    this.#closed = true;
    this.#watch.stop();
    if (this.#refreshAllTimer !== null) clearTimeout(this.#refreshAllTimer);
    this.#o.services.deps.planner.off('run:update', this.#onPlannerRun);
    this.#o.services.events.removeAllListeners();
    this.#coalescer.close();
    for (const r of this.#runEmits.values()) if (r.timer !== null) this.#clock.clearTimeout(r.timer);
    this.#runEmits.clear();
  }

  /**
   * Drive event messages are handled in slices of at most DRAIN_SLICE_MS,
   * with I/O between them: one read from Redis can bring hundreds of
   * messages (every agent's batch of a busy second), and handling them in
   * one go kept API requests waiting for a tenth of a second. Order is kept.
   */
  #queueStatuses(text: string): void {
    this.#pending.push(text);
    // The first slice at once: in a burst the turn of the event loop it waited for came after the Redis replies of every attempt's end.
    if (this.#pending.length === 1) this.#drain();
  }

  #drain(): void {
    const until = performance.now() + DRAIN_SLICE_MS;
    let i = 0;
    while (i < this.#pending.length && !this.#closed) {
      const text = this.#pending[i++] ?? '';
      for (const status of parseDriveStatuses(text)) this.#onStatus(status);
      if (performance.now() >= until) break;
    }
    this.#pending.splice(0, this.#closed ? this.#pending.length : i);
    if (this.#pending.length > 0) setImmediate(() => this.#drain());
  }

  /**
   * Queue a drive delta for this turn's `drive:updates`: one frame for every
   * delta of the turn (a burst brings hundreds) instead of one per drive.
   */
  #sendDelta(delta: DriveDelta): void {
    this.#deltas.push(delta);
    if (this.#deltas.length > 1) return;
    setImmediate(() => {
      const deltas = this.#deltas;
      this.#deltas = [];
      if (!this.#closed) this.#o.broadcast('drive:updates', deltas);
    });
  }

  /** One published drive status: its view now when the cache allows, else in the drive's chain. */
  #onStatus(status: DriveStatus): void {
    const s = this.#o.services;
    if (this.#closed) return;
    // Two publishers (the agent, the controller's monitor) may reach Redis in one order and the channel in another.
    if (!isNotOlder(this.#last.get(status.driveId), status)) return;
    this.#last.set(status.driveId, status);
    // The status that closes an attempt carries the drive's counts: shown with it, not a read and a render later.
    if (status.counts !== undefined) s.drives.noteCounts(status.driveId, status.counts);
    // A worker quarantined its drive: the cached quarantine list predates it.
    if (status.state === 'quarantined' && this.#coalescer.sent(status.driveId)?.state !== 'quarantined') s.drives.invalidate();
    if (!this.#chains.has(status.driveId)) {
      const view = s.drives.viewNow(status);
      if (view !== null) {
        this.#push(status, view);
        return;
      }
    }
    this.#serial(status.driveId, async () => this.#push(status, await s.drives.fromStatus(status)));
  }

  #push(status: DriveStatus, view: DriveView): void {
    const before = this.#coalescer.sent(view.id)?.state;
    this.#coalescer.push(view);
    // A burn starting or ending changes its run's counts (in progress, status): tell the run too.
    if (status.runId !== undefined && before !== undefined && before !== view.state) this.#scheduleRun(status.runId);
  }

  /** `run:update` for a run: now, or once `runIntervalMs` after the last one (one trailing emit per window). */
  #scheduleRun(runId: string): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    let r = this.#runEmits.get(runId);
    if (r === undefined) {
      if (this.#runEmits.size >= 1000) {
        for (const [id, x] of this.#runEmits) if (x.timer === null && now - x.at >= this.#runInterval) this.#runEmits.delete(id);
      }
      r = { at: -Infinity, timer: null };
      this.#runEmits.set(runId, r);
    }
    if (r.timer !== null) return;
    const wait = r.at + this.#runInterval - now;
    const entry = r;
    const fire = (): void => {
      entry.timer = null;
      entry.at = this.#clock.now();
      this.#task(() => this.#emitRun(runId));
    };
    if (wait <= 0) fire();
    else entry.timer = this.#clock.setTimeout(fire, wait);
  }

  /**
   * Attempt ends are handled together, those of one turn of the event loop
   * in one batch: a burst (every drive ending its burn at once) is then one
   * read of the drives' counts, the attempts read in one go and one settle
   * per run, instead of three round trips and their continuations per
   * attempt holding up the drive events behind them.
   */
  #queueAttemptEnd(event: AttemptEndEvent): void {
    this.#attemptEnds.push(event);
    if (this.#attemptEnds.length > 1) return;
    setImmediate(() => {
      const batch = this.#attemptEnds;
      this.#attemptEnds = [];
      this.#task(() => this.#onAttemptEnds(batch));
    });
  }

  async #onAttemptEnds(events: readonly AttemptEndEvent[]): Promise<void> {
    const s = this.#o.services;
    // A drive whose status closing the attempt came with its counts shows them already: no read, no view again.
    const shown = (e: AttemptEndEvent): boolean => {
      const last = this.#last.get(e.driveId);
      return last?.counts !== undefined && last.attemptId === e.attemptId;
    };
    const driveIds = [...new Set(events.filter((e) => !shown(e)).map((e) => e.driveId))];
    const runIds = [...new Set(events.map((e) => e.runId))];
    // The other drives' views keep the old counts until the new ones are read, then they are shown again.
    const recount = (driveIds.length === 0 ? Promise.resolve() : s.drives.recountDrives(driveIds)).then(() => true, (err: unknown) => {
      this.#error(err as Error);
      return false;
    });
    const attempts = await Promise.all(events.map((e) => s.deps.runStore.getAttempt(e.attemptId)));
    const ended = attempts.filter((a) => a !== null).map(toAttemptView);
    if (ended.length > 0) this.#o.broadcast('attempt:ends', ended);
    await Promise.all(runIds.map((id) => s.runControl.settle(id)));
    if (await recount) {
      for (const id of driveIds) {
        const last = this.#last.get(id);
        if (last !== undefined) this.#onStatus(last);
        else this.#refreshDrive(id);
      }
    }
    for (const id of runIds) this.#scheduleRun(id);
  }

  async #emitRun(runId: string): Promise<void> {
    const run = await this.#o.services.runs.get(runId);
    if (run !== null) this.#o.broadcast('run:update', run);
  }

  async #emitMaster(masterId: string): Promise<void> {
    const m = await readMaster(this.#o.services, masterId);
    if (m !== null) this.#o.broadcast('master:update', m);
  }

  #refreshDrive(driveId: string): void {
    this.#serial(driveId, async () => {
      const view = await this.#o.services.drives.get(driveId, false);
      if (view !== null) this.#coalescer.push(view);
    });
  }

  /** Recompute every drive soon (runs changed: "insert a blank disc" may appear or go). */
  #scheduleRefreshAll(delayMs = 1000): void {
    if (this.#refreshAllTimer !== null || this.#closed) return;
    this.#refreshAllTimer = setTimeout(() => {
      this.#refreshAllTimer = null;
      this.#task(async () => {
        // list() loads the context afresh (the cache the hot path uses stays until the fresh one is in);
        // a drive whose status came by is viewed again from that status: the hash read may be older.
        for (const view of await this.#o.services.drives.list()) {
          const last = this.#last.get(view.id);
          if (last !== undefined) this.#onStatus(last);
          else this.#serial(view.id, async () => this.#coalescer.push(view));
        }
      });
    }, delayMs);
    this.#refreshAllTimer.unref();
  }

  /** Run tasks of one drive in order, so views never go back in time. */
  #serial(key: string, task: () => Promise<void>): void {
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      if (!this.#closed) await task();
    }).catch((err: unknown) => this.#error(err as Error));
    this.#chains.set(key, next);
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  #task(task: () => Promise<void>): void {
    if (this.#closed) return;
    task().catch((err: unknown) => this.#error(err as Error));
  }

  #error(err: Error): void {
    if (!this.#closed) this.#o.onError?.(err);
  }
}
