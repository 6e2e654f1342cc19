/**
 * An agent's heartbeat: its record (`RedisSchema.agent`, fields in the
 * protocol's agent-records.ts) rewritten every `intervalMs`, with a TTL, so the
 * controller can tell a live agent from a dead one. Each beat first renews
 * the agent's lease on its id (see `AgentLease` in jobs), only while it is
 * still this process's: a lease another process took stops the beats and
 * is reported (`onLeaseLost`); the hash, then that process's, is left alone.
 */
import type { Redis } from 'ioredis';
import { withDeadline } from '@tower/jobs';
import type { AgentLease, LeaseHolder, RedisSchema } from '@tower/jobs';
import { markAgentStopped, writeAgentHeartbeat } from '@tower/jobs';

/** Options of an {@link AgentHeartbeatLoop}. */
export interface AgentHeartbeatOptions {
  readonly redis: Redis;
  /** Names of the tower's keys. */
  readonly keys: RedisSchema;
  readonly agentId: string;
  readonly host: string;
  readonly driveIds: () => readonly string[];
  readonly intervalMs: number;
  readonly ttlMs: number;
  readonly version?: string;
  /** Renewed at every beat; none: no lease. */
  readonly lease?: AgentLease;
  /** Another process took the lease: the beats have stopped. */
  readonly onLeaseLost?: (holder: LeaseHolder | null) => void;
  /** The lease had expired (Redis away, this process stalled) and nobody took it: it is this process's again. */
  readonly onLeaseRetaken?: () => void;
  /**
   * The controller had declared this agent dead while its beats did not get
   * through, and wrote its drives offline: publish them again.
   */
  readonly onDeclaredDead?: () => void;
  readonly onError?: (err: Error) => void;
}

/** Writes the heartbeat now and then every interval until stopped. */
export class AgentHeartbeatLoop {
  readonly #o: AgentHeartbeatOptions;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> | null = null;
  #lost = false;

  constructor(options: AgentHeartbeatOptions) {
    this.#o = options;
  }

  /** The lease was lost to another process. */
  get leaseLost(): boolean {
    return this.#lost;
  }

  /** Write the first heartbeat (awaited) and start the timer. */
  async start(): Promise<void> {
    await this.beat();
    if (this.#lost) return;
    this.#timer ??= setInterval(() => {
      // A beat still waiting for Redis is not doubled up.
      if (this.#beating !== null) return;
      this.#beating = this.beat()
        .catch((err: unknown) => this.#o.onError?.(err as Error))
        .finally(() => {
          this.#beating = null;
        });
    }, this.#o.intervalMs);
  }

  /** Renew the lease (if any), then write one heartbeat. Nothing once the lease is lost. */
  async beat(): Promise<void> {
    if (this.#lost) return;
    const { lease } = this.#o;
    if (lease !== undefined) {
      const r = await lease.renew();
      if (r.status === 'lost') {
        this.#lost = true;
        this.#clearTimer();
        this.#o.onLeaseLost?.(r.holder);
        return;
      }
      if (r.status === 'retaken') this.#o.onLeaseRetaken?.();
    }
    const reply = await withDeadline(writeAgentHeartbeat(this.#o.redis, {
      agentId: this.#o.agentId,
      host: this.#o.host,
      driveIds: this.#o.driveIds(),
      at: Date.now(),
      startedAt: this.#startedAt,
      ...(this.#o.version === undefined ? {} : { version: this.#o.version }),
    }, { schema: this.#o.keys, ttlSeconds: Math.max(1, Math.ceil(this.#o.ttlMs / 1000)) }), Math.max(1000, this.#o.ttlMs), 'writing the heartbeat');
    if (reply.declaredDead) this.#o.onDeclaredDead?.();
  }

  /**
   * Stop beating; with `remove`, mark the record stopped so the agent shows
   * offline at once (not when the lease was lost: the record is the new holder's).
   */
  async stop(options: { remove?: boolean } = {}): Promise<void> {
    this.#clearTimer();
    await this.#beating;
    if (options.remove === true && !this.#lost) {
      await markAgentStopped(this.#o.redis, this.#o.agentId, { schema: this.#o.keys, ttlSeconds: Math.max(1, Math.ceil(this.#o.ttlMs / 1000)) }).catch(() => undefined);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
