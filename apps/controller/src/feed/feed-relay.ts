/**
 * FeedRelay: what agents publish in Redis, and what the API changes, as feed
 * events. Drive events become coalesced `drive:update` deltas; attempt ends
 * become `attempt:end` plus `run:update`; the planner's run changes become
 * `run:update`; master events `master:update`; heartbeats `agent:update`.
 */
import { DRIVE_EVENTS_CHANNEL, parseMessage, RUN_EVENTS_CHANNEL } from '@tower/jobs';
import type { DriveStatus, RunEvent, RunRecord } from '@tower/jobs';
import type { ServerToClientEvents, DriveView } from '../shared/api-types.js';
import { MASTER_EVENTS_CHANNEL, parseMasterEvent } from '../api/agent-commands.js';
import type { ApiServices } from '../api/api-services.js';
import type { RedisSubscriber } from '../api/redis-subscriber.js';
import { readMaster } from '../api/routes/master-routes.js';
import { toAttemptView } from '../api/views/attempt-view.js';
import { AgentWatch } from './agent-watch.js';
import { FeedCoalescer } from './feed-coalescer.js';
import type { CoalescerClock } from './feed-coalescer.js';

/** Sends one event to every client. */
export type Broadcast = <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => void;

/** Options of a {@link FeedRelay}. */
export interface FeedRelayOptions {
  readonly services: ApiServices;
  readonly subscriber: RedisSubscriber;
  readonly broadcast: Broadcast;
  readonly intervalMs?: number;
  readonly clock?: CoalescerClock;
  readonly agentPollMs?: number;
  readonly onError?: (err: Error) => void;
}

/** Relays Redis and API changes to the feed. */
export class FeedRelay {
  readonly #o: FeedRelayOptions;
  readonly #coalescer: FeedCoalescer<DriveView>;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #watch: AgentWatch;
  #refreshAllTimer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #onPlannerRun = (run: RunRecord): void => this.#task(async () => {
    await this.#emitRun(run.id);
    this.#scheduleRefreshAll();
  });

  constructor(options: FeedRelayOptions) {
    this.#o = options;
    this.#coalescer = new FeedCoalescer<DriveView>((d) => this.#o.broadcast('drive:update', d), {
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
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
    await subscriber.on(DRIVE_EVENTS_CHANNEL, (text) => {
      const status = parseStatus(text);
      if (status === null) return;
      this.#serial(status.driveId, async () => {
        const before = this.#coalescer.sent(status.driveId)?.state;
        // A worker quarantined its drive: the cached quarantine list predates it.
        if (status.state === 'quarantined' && before !== 'quarantined') s.drives.invalidate();
        const view = await s.drives.fromStatus(status);
        this.#coalescer.push(view);
        // A burn starting or ending changes its run's counts (in progress, status): tell the run too.
        if (status.runId !== undefined && before !== undefined && before !== view.state) this.#task(() => this.#emitRun(status.runId as string));
      });
    });
    await subscriber.on(RUN_EVENTS_CHANNEL, (text) => {
      const event = parseMessage<RunEvent>(text, 'kind');
      if (event !== null) this.#task(() => this.#onRunEvent(event));
    });
    await subscriber.on(MASTER_EVENTS_CHANNEL, (text) => {
      const event = parseMasterEvent(text);
      if (event !== null) this.#task(() => this.#emitMaster(event.masterId));
    });
    s.deps.planner.on('run:update', this.#onPlannerRun);
    s.events.on('drive-changed', (id) => this.#refreshDrive(id));
    s.events.on('run-changed', (id) => this.#task(() => this.#emitRun(id)));
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
  }

  async #onRunEvent(event: RunEvent): Promise<void> {
    const s = this.#o.services;
    if (event.kind === 'attempt-end') {
      s.drives.invalidateCounts(event.driveId);
      const attempt = await s.deps.runStore.getAttempt(event.attemptId);
      if (attempt !== null) this.#o.broadcast('attempt:end', toAttemptView(attempt));
      await s.runControl.settle(event.runId);
      this.#refreshDrive(event.driveId);
    }
    await this.#emitRun(event.runId);
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
        this.#o.services.drives.invalidate();
        for (const view of await this.#o.services.drives.list()) this.#serial(view.id, async () => this.#coalescer.push(view));
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

function parseStatus(text: string): DriveStatus | null {
  try {
    const v = JSON.parse(text) as Partial<DriveStatus> | null;
    if (v === null || typeof v !== 'object' || typeof v.driveId !== 'string' || typeof v.state !== 'string') return null;
    return { ...v, agentId: typeof v.agentId === 'string' ? v.agentId : '', updatedAt: typeof v.updatedAt === 'number' ? v.updatedAt : 0 } as DriveStatus;
  } catch {
    return null;
  }
}
