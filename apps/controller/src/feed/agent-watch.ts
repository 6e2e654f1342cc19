/**
 * Watches agent heartbeats (every second by default) and reports agents that
 * appeared, went offline or came back.
 */
import type { AgentView } from '../shared/api-types.js';

/** Polls a list of agents and reports changes of `online`, `state`, `host`, `version` or `driveIds`. */
export class AgentWatch {
  readonly #known = new Map<string, AgentView>();
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(
    private readonly read: () => Promise<AgentView[]>,
    private readonly onChange: (agent: AgentView, onlineChanged: boolean) => void,
    private readonly onError: (err: Error) => void = () => undefined,
    private readonly intervalMs = 1000,
  ) {}

  /** Read once now, then every interval. */
  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.intervalMs);
    this.#timer.unref();
  }

  /** One look (skipped while the previous one runs). */
  async check(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (const a of await this.read()) {
        const before = this.#known.get(a.id);
        this.#known.set(a.id, a);
        if (before === undefined) {
          if (a.online) this.onChange(a, true);
          continue;
        }
        const onlineChanged = before.online !== a.online;
        const changed = onlineChanged || before.state !== a.state || before.host !== a.host || before.version !== a.version;
        if (changed || before.driveIds.join('\n') !== a.driveIds.join('\n')) this.onChange(a, onlineChanged);
      }
    } catch (err) {
      this.onError(err as Error);
    } finally {
      this.#running = false;
    }
  }

  /** Stop polling. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
