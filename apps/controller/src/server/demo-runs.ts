/**
 * The demo runs of a simulated tower's first start: a run of the sample
 * image, and another each time the last one ends while no operator has
 * acted, so a newcomer who opens the page minutes later still finds the
 * tower at work.
 *
 * An operator has acted when the audit log holds, since the demo began, a
 * change made through the API other than the demo's own runs: a run
 * created, paused, resumed or cancelled, a drive ejected, quarantined or
 * released, an image added, renamed or deleted, a master started. Pairing or
 * revoking a wall screen is only looking, and does not count. Then the run
 * in progress finishes and no demo run follows. At most `repeats` runs
 * follow the first (each is kept in the history like any run).
 */
import { toLogger } from '@tower/jobs';
import type { LogSink } from '@tower/jobs';
import type { AuditEntry, RunView } from '../shared/api-types.js';

/** One API request as the demo's operator (no network); its status and body. */
export type DemoApiCall = (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<{ statusCode: number; body: string }>;

/** What {@link DemoRuns} needs. */
export interface DemoRunsOptions {
  readonly api: DemoApiCall;
  readonly image: { readonly id: string; readonly name: string };
  /** Copies of each demo run. */
  readonly copies: number;
  /** How many runs may follow the first. */
  readonly repeats: number;
  /** For the user (the first run's line). */
  readonly out: (line: string) => void;
  /** Events (a run started again, the end of the demo). */
  readonly log: LogSink;
  /** How often the last demo run is looked at, ms. Default 1000. */
  readonly pollMs?: number;
  /** The audit log's clock. Default Date.now. */
  readonly now?: () => number;
}

/** The label of every demo run. */
export const DEMO_RUN_LABEL = 'Demo: the sample image';

const FINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
/** Audit actions that only look at the tower. */
const LOOKING: ReadonlySet<string> = new Set(['screen.pair', 'screen.revoke']);
/** Audit entries read at each end of a demo run (newest first; the first foreign one ends the demo). */
const AUDIT_LOOK = 1000;

/** Creates the demo runs; `stop()` ends the watch (runs already created go on). */
export class DemoRuns {
  readonly #ids: string[] = [];
  #since = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #failing = false;

  constructor(private readonly o: DemoRunsOptions) {}

  /** Create the first demo run and watch it; resolves with its id. Throws when it cannot be created. */
  async start(): Promise<string> {
    this.#since = (this.o.now ?? Date.now)();
    const id = await this.#create();
    this.o.out(`tower: demo run ${id}: ${this.o.copies} verified copies of "${this.o.image.name}" on the simulated tower${this.o.repeats > 0 ? ', and another after it until an operator acts' : ''}`);
    if (this.o.repeats > 0) this.#schedule();
    return id;
  }

  /** Stop watching (idempotent). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), this.o.pollMs ?? 1000);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    try {
      const last = this.#ids[this.#ids.length - 1] ?? '';
      const run = await this.#get<RunView>(`/api/runs/${encodeURIComponent(last)}`);
      this.#failing = false;
      if (!FINAL.has(run.status)) return this.#schedule();
      const acted = await this.#operatorAction();
      if (this.#stopped) return;
      if (acted !== null) {
        toLogger(this.o.log).info(`demo: ${acted.who} acted (${acted.action} ${acted.target}); no more demo runs`);
        return;
      }
      if (this.#ids.length > this.o.repeats) {
        toLogger(this.o.log).info(`demo: ${this.#ids.length} demo runs done; no more`);
        return;
      }
      const id = await this.#create();
      toLogger(this.o.log).info(`demo: run ${last} ${run.status} and nobody has acted: demo run ${id} (${this.#ids.length - 1} of at most ${this.o.repeats} more)`);
      this.#schedule();
    } catch (err) {
      // Redis away, say: look again later, and say so once.
      if (!this.#failing) toLogger(this.o.log).warn(`demo: ${(err as Error).message}; trying again`);
      this.#failing = true;
      this.#schedule();
    }
  }

  /** The newest change an operator made since the demo began, other than the demo's runs and screen pairings; null if none. */
  async #operatorAction(): Promise<AuditEntry | null> {
    const entries = await this.#get<AuditEntry[]>(`/api/audit?limit=${AUDIT_LOOK}`);
    for (const e of entries) {
      if (e.at < this.#since) break;
      if (LOOKING.has(e.action)) continue;
      if (e.action === 'run.create' && this.#ids.includes(e.target)) continue;
      return e;
    }
    return null;
  }

  async #create(): Promise<string> {
    const res = await this.o.api('POST', '/api/runs', { imageId: this.o.image.id, copies: this.o.copies, verify: 'all', label: DEMO_RUN_LABEL });
    if (res.statusCode !== 201) throw new Error(`creating the demo run failed (${res.statusCode}): ${res.body.slice(0, 300)}`);
    const id = (JSON.parse(res.body) as { id: string }).id;
    this.#ids.push(id);
    return id;
  }

  async #get<T>(url: string): Promise<T> {
    const res = await this.o.api('GET', url);
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as T;
  }
}
