/**
 * AlertEngine: looks at the tower every `tickMs` (drive views, agents, blank
 * stock: `deriveConditions`), raises each condition that began and clears
 * each that ended (`AlertState`, in Redis: once each, across restarts and
 * controllers), and turns each run's end (the planner's `run:update`, a
 * finishing cancel's `run-changed`, and, at start, the runs that ended while
 * no controller watched) into one event. Every alert goes to the
 * dispatcher, which sends it in the background: a slow or unreachable
 * receiver never holds up a look, let alone a run.
 *
 * For one agent timeout after the start nothing is cleared and no agent is
 * called silent: a fresh reader cannot tell a silent agent yet (it gives
 * each one timeout's benefit of the doubt), and an agent restarted with the
 * controller has not beaten yet; either would be an alert sent for nothing.
 */
import type { RunRecord } from '@tower/jobs';
import type { ApiServices } from '../api/api-services.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { AlertsOverviewView, AlertViewType } from '../shared/alert-schemas.js';
import { deriveConditions, runEndAlert } from './alert-conditions.js';
import type { HeldCondition } from './alert-conditions.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { AlertState } from './alert-state.js';
import { DeliveryLog } from './delivery-log.js';
import { certificateAttachment } from '../reports/run-certificate.js';

/** Runs looked at for ends missed while no controller ran: those created this recently. */
const CATCH_UP_MS = 7 * 86_400_000;

/** Options of an {@link AlertEngine}. */
export interface AlertEngineOptions {
  readonly services: ApiServices;
  readonly config: AlertsConfig;
  readonly line: (text: string) => void;
  /** Between two looks, ms. Default 1000. */
  readonly tickMs?: number;
  /** No clearing this long after the start, ms. Default the agent timeout plus two looks. */
  readonly clearGraceMs?: number;
}

/** Watches the tower and alerts. */
export class AlertEngine {
  readonly state: AlertState;
  readonly deliveries: DeliveryLog;
  readonly #o: AlertEngineOptions;
  readonly #dispatcher: AlertDispatcher;
  readonly #startedAt = performance.now();
  #timer: NodeJS.Timeout | null = null;
  #looking: Promise<void> | null = null;
  #closed = false;
  #failing = false;

  constructor(options: AlertEngineOptions) {
    this.#o = options;
    const s = options.services;
    this.state = new AlertState(s.deps.redis, s.keys, s.now);
    this.deliveries = new DeliveryLog(s.deps.redis, s.keys);
    this.#dispatcher = new AlertDispatcher({
      config: options.config, log: this.deliveries, tower: s.keys.prefix, line: options.line, now: s.now,
      certificate: (runId) => certificateAttachment(s, runId, { timeZone: s.deps.reports?.timeZone }),
    });
  }

  /** Start looking and listening. */
  start(): void {
    const s = this.#o.services;
    s.deps.planner.on('run:update', this.#onRun);
    s.events.on('run-changed', this.#onRunChanged);
    void this.#catchUp().catch((err: unknown) => this.#fail(err));
    const tickMs = this.#o.tickMs ?? 1000;
    this.#timer = setInterval(() => {
      this.#looking ??= this.look().catch((err: unknown) => this.#fail(err)).finally(() => { this.#looking = null; });
    }, tickMs);
    this.#timer.unref();
  }

  /** One look: raise what began, clear what ended. */
  async look(): Promise<void> {
    const s = this.#o.services;
    const drives = await s.drives.list();
    const [agents, stock, active] = await Promise.all([s.drives.agents(false), s.stock.levels(), this.state.active()]);
    const held = deriveConditions({ drives, agents, stock });
    this.#failing = false;
    const now = new Set(held.map((c) => c.key));
    const grace = this.#o.clearGraceMs ?? (s.deps.agentTimeoutMs ?? 15_000) + 2 * (this.#o.tickMs ?? 1000);
    const early = performance.now() - this.#startedAt < grace;
    for (const c of held) {
      // An agent gets one timeout after the start to show it is alive (a restart of `tower start` restarts its agent too).
      if (active.has(c.key) || (early && c.condition === 'agent-silent')) continue;
      const alert = await this.state.raise(c);
      if (alert !== null) this.#send(alert);
    }
    if (early) return;
    for (const [key, raised] of active) {
      if (now.has(key)) continue;
      const alert = await this.state.clear(raised);
      if (alert !== null) this.#send(alert);
    }
  }

  /** A one-off event of another part of the controller (a label print given up), sent once per `claimKey` in the set `claimSet`. */
  async report(c: HeldCondition, claimSet: string, claimKey: string): Promise<void> {
    if (this.#closed) return;
    const alert = await this.state.event(c, claimSet, claimKey);
    if (alert !== null) this.#send(alert);
  }

  /** What the screen lists: the conditions that hold and the latest alerts, of the conditions it shows. */
  async overview(limit = 50): Promise<AlertsOverviewView> {
    const shown = new Set<string>(this.#o.config.screen);
    const active = [...(await this.state.active()).values()].filter((a) => shown.has(a.condition)).sort((a, b) => b.at - a.at);
    const recent = (await this.state.recent(limit * 2)).filter((a) => shown.has(a.condition)).slice(0, limit);
    return { active, recent };
  }

  /** Stop looking; drop the tries still due. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const s = this.#o.services;
    s.deps.planner.off('run:update', this.#onRun);
    s.events.off('run-changed', this.#onRunChanged);
    await this.#looking?.catch(() => undefined);
    await this.#dispatcher.close();
  }

  readonly #onRun = (run: RunRecord): void => {
    void this.#runEnded(run).catch((err: unknown) => this.#fail(err));
  };

  readonly #onRunChanged = (runId: string): void => {
    void this.#o.services.deps.runStore.getRun(runId).then((run) => (run === null ? undefined : this.#runEnded(run))).catch((err: unknown) => this.#fail(err));
  };

  /** One event per run end after the alerts were first switched on. */
  async #runEnded(run: RunRecord): Promise<void> {
    if (this.#closed || (run.status !== 'completed' && run.status !== 'failed')) return;
    const s = this.#o.services;
    const since = Number(await s.deps.redis.get(s.keys.alertsSince()));
    if ((run.completedAt ?? run.updatedAt) < since) return;
    const meta = await s.runMeta.get(run.id);
    const c = runEndAlert(run, meta.label);
    if (c === null) return;
    const alert = await this.state.event(c, s.keys.alertedRuns(), run.id);
    if (alert !== null) this.#send(alert);
  }

  /** Note when alerts were first on; alert the ends of recent runs missed meanwhile. */
  async #catchUp(): Promise<void> {
    const s = this.#o.services;
    await s.deps.redis.set(s.keys.alertsSince(), String(s.now()), 'NX');
    const ids = await s.deps.redis.zrangebyscore(s.keys.runs(), s.now() - CATCH_UP_MS, '+inf');
    for (const id of ids) {
      const run = await s.deps.runStore.getRun(id);
      if (run !== null) await this.#runEnded(run);
    }
  }

  #send(alert: AlertViewType): void {
    this.#o.line(`alert: ${alert.kind} ${alert.key}: ${alert.message}`);
    this.#dispatcher.dispatch(alert);
  }

  /** One line when looking first fails, none while Redis is away (the outage is logged once by its own watcher). */
  #fail(err: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    // Asked a moment later: the watcher may learn of the outage from the same timeout a little after this failure.
    setTimeout(() => {
      if (!this.#closed && !this.#o.services.connectivity.down) this.#o.line(`alerts: ${(err as Error).message}`);
    }, 1000).unref();
  }
}
