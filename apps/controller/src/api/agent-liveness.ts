/**
 * AgentLiveness: whether an agent is alive, judged by the reader alone.
 *
 * An agent increments `beat` in its record at every heartbeat. The reader
 * notes, on its own monotonic clock, when it first saw each beat number; the
 * agent is alive while the number it sees changed within `timeoutMs`. No
 * wall clock is compared with another host's, so a clock step on the
 * controller's host, the agent's host or Redis's host neither kills a live
 * agent nor revives a dead one. A record Redis expired (its TTL runs on
 * Redis's wall clock) does not count as news: the timer keeps running from
 * the last beat seen, and the agent's next beat writes the record again.
 *
 * An agent first seen with a record is given the benefit of the doubt for
 * one timeout: the reader cannot tell how old that beat is.
 */
import type { AgentRecord, LivenessJudge } from '@tower/jobs';

/** Options of an {@link AgentLiveness}. */
export interface AgentLivenessOptions {
  /** An agent whose beat has not changed this long is dead. */
  readonly timeoutMs: number;
  /** Monotonic clock in ms; default `performance.now`. */
  readonly now?: () => number;
}

/** One reader's memory of the agents' beats. */
export class AgentLiveness {
  readonly timeoutMs: number;
  readonly #now: () => number;
  readonly #seen = new Map<string, { readonly beat: string; readonly at: number }>();

  constructor(options: AgentLivenessOptions) {
    this.timeoutMs = options.timeoutMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Judge a record just read (and remember its beat). */
  readonly isOnline: LivenessJudge = (r: AgentRecord): boolean => {
    const now = this.#now();
    if (r.stopped) {
      this.#seen.delete(r.id);
      return false;
    }
    const prev = this.#seen.get(r.id);
    if (r.beat !== null && (prev === undefined || prev.beat !== r.beat)) {
      this.#seen.set(r.id, { beat: r.beat, at: now });
      return true;
    }
    return prev !== undefined && now - prev.at <= this.timeoutMs;
  };

  /** How long this reader has seen no new beat of an agent, ms; null when it never saw one. */
  silentForMs(agentId: string): number | null {
    const prev = this.#seen.get(agentId);
    return prev === undefined ? null : this.#now() - prev.at;
  }
}
