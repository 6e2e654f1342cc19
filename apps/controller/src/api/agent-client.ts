/**
 * Sends commands to agents and waits for their replies (the protocol: @tower/jobs's protocol/agent-commands.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ApiError } from './api-error.js';
import { parseAgentReply } from '@tower/jobs';
import type { AgentCommand, AgentReply, RedisSchema } from '@tower/jobs';
import type { RedisSubscriber } from './redis-subscriber.js';

type Omit2<T> = T extends unknown ? Omit<T, 'requestId'> : never;

/** Publishes agent commands and matches replies by request id. */
export class AgentClient {
  readonly #pending = new Map<string, (reply: AgentReply) => void>();

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
    /** Names of the agents' channels. */
    private readonly schema: RedisSchema,
  ) {}

  /** Listen for replies on the shared subscriber. */
  async attach(sub: RedisSubscriber): Promise<void> {
    await sub.on(this.schema.agentReplies(), (text) => {
      const reply = parseAgentReply(text);
      if (reply === null) return;
      this.#pending.get(reply.requestId)?.(reply);
    });
  }

  /** Publish a command without waiting; returns its request id and how many agents listen. */
  async send(agentId: string, command: Omit2<AgentCommand>): Promise<{ requestId: string; receivers: number }> {
    const requestId = randomUUID();
    const full = { ...command, requestId } as AgentCommand;
    const receivers = await this.redis.publish(this.schema.agentCommands(agentId), JSON.stringify(full));
    return { requestId, receivers };
  }

  /**
   * Publish a command and wait for its reply. Throws ApiError: 409
   * AGENT_OFFLINE when no agent listens, 504 AGENT_TIMEOUT, or 409 with the
   * agent's error code when it refused.
   */
  async call(agentId: string, command: Omit2<AgentCommand>): Promise<AgentReply> {
    const requestId = randomUUID();
    const full = { ...command, requestId } as AgentCommand;
    const reply = new Promise<AgentReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new ApiError(504, 'AGENT_TIMEOUT', `agent ${agentId} did not answer within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      this.#pending.set(requestId, (r) => {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        resolve(r);
      });
    });
    reply.catch(() => undefined);
    const receivers = await this.redis.publish(this.schema.agentCommands(agentId), JSON.stringify(full));
    if (receivers === 0) {
      this.#pending.get(requestId)?.({ requestId, ok: false, error: { code: 'AGENT_OFFLINE', message: `agent ${agentId} is not listening` } });
    }
    const r = await reply;
    if (!r.ok) throw new ApiError(409, r.error?.code ?? 'AGENT_REFUSED', r.error?.message ?? `agent ${agentId} refused the command`);
    return r;
  }

  /** Fail every pending call (app closing). */
  close(): void {
    for (const [requestId, done] of this.#pending) done({ requestId, ok: false, error: { code: 'CLOSING', message: 'the controller is stopping' } });
  }
}
