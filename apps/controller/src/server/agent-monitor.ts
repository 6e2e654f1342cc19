/**
 * The controller's watch on its agents. An agent whose heartbeat is older
 * than the timeout (or gone) and whose lease on its id has expired is dead:
 * its drives are published `offline` with what a person must do, its open
 * attempts are closed `interrupted` (their discs are coasters) and their copy
 * jobs go back to the queue at once. While the lease lives, some process
 * still serves under that id (or will, having just taken it), and the
 * monitor leaves its attempts and drives alone; the close itself checks the
 * lease again with each attempt, atomically. BullMQ's stalled-job check is
 * the fallback if the controller is down too.
 */
import type { Redis } from 'ioredis';
import { DriveStatePublisher, readAllDriveStatuses } from '@tower/jobs';
import type { LogSink, RunStore } from '@tower/jobs';
import { markDeclaredDead, readAllAgents, toLogger } from '@tower/jobs';
import { AgentLiveness } from '../api/agent-liveness.js';
import { reclaimInterruptedJobs } from '@tower/jobs';

/** Options of an {@link AgentMonitor}. */
export interface AgentMonitorOptions {
  readonly redis: Redis;
  readonly redisUrl: string;
  /** The run store; its schema names every key the monitor reads and writes. */
  readonly store: RunStore;
  /** An agent silent this long is dead. */
  readonly timeoutMs: number;
  /** How often to look; default a quarter of the timeout, 250..2000 ms. */
  readonly intervalMs?: number;
  readonly log?: LogSink;
  /** Monotonic clock of the liveness judgement, ms; default `performance.now`. */
  readonly now?: () => number;
}

/** Declares silent agents dead and cleans up after them. */
export class AgentMonitor {
  readonly #o: AgentMonitorOptions;
  readonly #liveness: AgentLiveness;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();

  constructor(options: AgentMonitorOptions) {
    this.#o = options;
    this.#liveness = new AgentLiveness({ timeoutMs: options.timeoutMs, ...(options.now === undefined ? {} : { now: options.now }) });
  }

  /** Check now, then every interval. */
  start(): void {
    if (this.#timer !== null) return;
    const interval = this.#o.intervalMs ?? Math.max(250, Math.min(2000, this.#o.timeoutMs / 4));
    const tick = (): void => {
      this.#running = this.check().then(() => undefined, (err: unknown) => toLogger(this.#o.log).error(`agent monitor: ${(err as Error).message}`));
    };
    tick();
    this.#timer = setInterval(tick, interval);
  }

  /** Stop checking (waits for a check in progress). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One look at every agent; returns the ids of the agents found dead with something to clean up. */
  async check(): Promise<string[]> {
    const { redis, store } = this.#o;
    const drives = await readAllDriveStatuses(redis, this.#o.store.keys);
    const agents = await readAllAgents(redis, this.#liveness.isOnline, drives.map((d) => d.agentId), store.keys);
    const silent = agents.filter((a) => !a.online);
    if (silent.length === 0) return [];
    const pipe = redis.pipeline();
    for (const a of silent) pipe.exists(this.#o.store.keys.agentLease(a.id));
    const leased = ((await pipe.exec()) ?? []).map(([err, n]) => err !== null || n === 1);
    const acted: string[] = [];
    for (const [i, agent] of silent.entries()) {
      // Its lease is alive: a process serves under this id (its heartbeat merely late), or has just taken it over.
      if (leased[i] === true) continue;
      const silentMs = this.#liveness.silentForMs(agent.id);
      const silentFor = silentMs === null ? 'a while' : `${Math.round(silentMs / 1000)} s`;
      const closed = await store.closeInterruptedAttempts(agent.id, { expired: true }, `agent ${agent.id} stopped answering (no heartbeat for ${silentFor})`);
      const interruptedDrives = new Set<string>();
      if (closed.length > 0) {
        for (const id of closed) {
          const a = await store.getAttempt(id);
          if (a !== null) interruptedDrives.add(a.driveId);
        }
        const moved = await reclaimInterruptedJobs({ store, redisUrl: this.#o.redisUrl }, closed);
        toLogger(this.#o.log).warn({ agent: agent.id }, `agent ${agent.id} is not answering: ${closed.length} attempt(s) interrupted, ${moved.length} job(s) back in the queue`);
      }
      const stale = drives.filter((d) => d.agentId === agent.id && d.state !== 'offline');
      for (const d of stale) {
        const message = interruptedDrives.has(d.driveId)
          ? `agent ${agent.id} is not answering; the disc of the interrupted burn is a coaster: take it out`
          : `agent ${agent.id} is not answering: check the agent process and its host`;
        const publisher = new DriveStatePublisher({ driveId: d.driveId, agentId: agent.id, redis, keys: this.#o.store.keys });
        publisher.update({ state: 'offline', message });
        await publisher.flush();
        publisher.close();
      }
      if (closed.length > 0 || stale.length > 0) {
        // If it was alive after all (its beats held up), its next beat learns this and publishes its drives again.
        await markDeclaredDead(redis, agent.id, store.keys);
        acted.push(agent.id);
      }
    }
    return acted;
  }
}
