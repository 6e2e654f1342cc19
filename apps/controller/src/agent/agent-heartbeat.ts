/**
 * An agent's heartbeat: the hash `tower:agent:{id}` (layout in
 * api/agent-keys.ts) rewritten every `intervalMs`, with a TTL, so the
 * controller can tell a live agent from a dead one.
 */
import type { Redis } from 'ioredis';
import { agentKey, writeAgentHeartbeat } from '../api/agent-keys.js';

/** Options of an {@link AgentHeartbeatLoop}. */
export interface AgentHeartbeatOptions {
  readonly redis: Redis;
  readonly agentId: string;
  readonly host: string;
  readonly driveIds: () => readonly string[];
  readonly intervalMs: number;
  readonly ttlMs: number;
  readonly version?: string;
  readonly onError?: (err: Error) => void;
}

/** Writes the heartbeat now and then every interval until stopped. */
export class AgentHeartbeatLoop {
  readonly #o: AgentHeartbeatOptions;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> = Promise.resolve();

  constructor(options: AgentHeartbeatOptions) {
    this.#o = options;
  }

  /** Write the first heartbeat (awaited) and start the timer. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer ??= setInterval(() => {
      this.#beating = this.beat().catch((err: unknown) => this.#o.onError?.(err as Error));
    }, this.#o.intervalMs);
  }

  /** Write one heartbeat. */
  async beat(): Promise<void> {
    await writeAgentHeartbeat(this.#o.redis, {
      agentId: this.#o.agentId,
      host: this.#o.host,
      driveIds: this.#o.driveIds(),
      at: Date.now(),
      startedAt: this.#startedAt,
      ...(this.#o.version === undefined ? {} : { version: this.#o.version }),
    }, { ttlSeconds: Math.max(1, Math.ceil(this.#o.ttlMs / 1000)) });
  }

  /** Stop beating; with `remove`, delete the hash so the agent shows offline at once. */
  async stop(options: { remove?: boolean } = {}): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beating;
    if (options.remove === true) await this.#o.redis.del(agentKey(this.#o.agentId)).catch(() => undefined);
  }
}
