/**
 * TowerMetrics: the tower in Prometheus terms (prom-client), in a registry
 * of the app's own (never prom-client's global one, so two apps in one
 * process never mix).
 *
 * Everything is read from Redis when scraped, so every figure is as true
 * after a controller restart as before it:
 * - discs and durations from the closed attempts (`AttemptTally`: each
 *   attempt once, by its id, whoever closed it and however often the
 *   controller restarted);
 * - queue depth from the BullMQ copy queues, drive states from the drive
 *   views, agents from their heartbeat records, stock from the stock hash.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readAllAgents } from '@tower/jobs';
import type { ApiServices } from '../api/api-services.js';
import { AgentLiveness } from '../api/agent-liveness.js';
import type { DriveStateName } from '../shared/api-types.js';
import type { ClosedAttempt } from './attempt-tally.js';
import { AttemptTally } from './attempt-tally.js';

/** The media classes, each with its own copy queue. */
export const METRIC_MEDIA_CLASSES = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'] as const;

/** Every drive state `tower_drive_state` names (the API's `DriveStateName`). */
export const METRIC_DRIVE_STATES: readonly DriveStateName[] = [
  'offline', 'empty', 'blank', 'burning', 'verifying', 'done', 'failed', 'wrong-media', 'quarantined', 'busy',
];

/** Burn durations: a CD at 48× takes about 3 minutes, a BD DL at 2× over an hour. */
const BURN_BUCKETS = [60, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600, 5400];
const VERIFY_BUCKETS = [15, 30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 2700, 3600];

/** The metrics of one app. */
export class TowerMetrics {
  readonly registry = new Registry();
  readonly #s: ApiServices;
  readonly #tally: AttemptTally;
  readonly #liveness: AgentLiveness;
  #rendering: Promise<string> | null = null;

  readonly #discs = new Counter({
    name: 'tower_discs_total',
    help: 'Discs written, by drive, media type and outcome (passed, failed, interrupted, cancelled); copies refused for their media wrote none',
    labelNames: ['drive', 'media_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly #burn = new Histogram({
    name: 'tower_burn_duration_seconds',
    help: 'Duration of each finished burn (a test burn before it left out), by media type',
    labelNames: ['media_type'] as const,
    buckets: BURN_BUCKETS,
    registers: [this.registry],
  });

  readonly #verify = new Histogram({
    name: 'tower_verify_duration_seconds',
    help: 'Duration of each read-back verify that passed, by media type',
    labelNames: ['media_type'] as const,
    buckets: VERIFY_BUCKETS,
    registers: [this.registry],
  });

  readonly #queued = this.#gauge('tower_copy_queue_depth', 'Copy jobs waiting for a drive (retries in their backoff included), by media class', ['media_class']);
  readonly #active = this.#gauge('tower_copy_jobs_active', 'Copy jobs a drive holds, by media class', ['media_class']);
  readonly #driveState = this.#gauge('tower_drive_state', 'The state each drive is in: 1 for its state, 0 for the others', ['drive', 'state']);
  readonly #agentUp = this.#gauge('tower_agent_up', 'Whether an agent is alive (its heartbeat changed within the agent timeout): 1 or 0', ['agent']);
  readonly #agentAge = this.#gauge(
    'tower_agent_heartbeat_age_seconds',
    'Seconds since this controller last saw the agent\'s heartbeat change, on its own monotonic clock (0 at its first look after a start)',
    ['agent'],
  );
  readonly #agentLast = this.#gauge('tower_agent_last_heartbeat_timestamp_seconds', 'When the agent wrote its last heartbeat, by the agent\'s clock (for display)', ['agent']);
  readonly #onHand = this.#gauge('tower_stock_on_hand', 'Blanks on hand (received + adjusted - used), by media type', ['media_type']);
  readonly #threshold = this.#gauge('tower_stock_low_threshold', 'The low-stock level of a media type, where one is set', ['media_type']);
  readonly #low = this.#gauge('tower_stock_low', 'Whether a media type\'s stock is at or below its low level: 1 or 0', ['media_type']);
  readonly #used = this.#counterFromRedis('tower_stock_used_total', 'Blanks used (each attempt that wrote a disc), by media type');
  readonly #wasted = this.#counterFromRedis('tower_stock_wasted_total', 'Blanks wasted (coasters), by media type');

  constructor(services: ApiServices) {
    this.#s = services;
    this.#liveness = new AgentLiveness({ timeoutMs: services.deps.agentTimeoutMs ?? 15_000 });
    this.#tally = new AttemptTally(services.deps.redis, services.keys, (a) => this.#taken(a));
  }

  /** The exposition's Content-Type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Names of every metric family exposed. */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((m) => m.name);
  }

  /** Read the tower and render the text exposition (scrapes meanwhile share it). */
  render(): Promise<string> {
    this.#rendering ??= this.#render().finally(() => {
      this.#rendering = null;
    });
    return this.#rendering;
  }

  async #render(): Promise<string> {
    const s = this.#s;
    const [drives, depths, stock] = await Promise.all([
      s.drives.list(),
      Promise.all(METRIC_MEDIA_CLASSES.map(async (cls) => ({ cls, ...(await s.queues.depth(cls)) }))),
      s.stock.levels(),
      this.#tally.sync(),
    ]);
    const agents = await readAllAgents(s.deps.redis, this.#liveness.isOnline, drives.map((d) => d.agentId), s.keys);
    // Everything is read: the gauges change in one synchronous step, so a render never shows half of a look.
    for (const g of [this.#queued, this.#active, this.#driveState, this.#agentUp, this.#agentAge, this.#agentLast, this.#onHand, this.#threshold, this.#low]) g.reset();
    for (const d of depths) {
      this.#queued.set({ media_class: d.cls }, d.queued);
      this.#active.set({ media_class: d.cls }, d.active);
    }
    for (const d of drives) for (const st of METRIC_DRIVE_STATES) this.#driveState.set({ drive: d.id, state: st }, d.state === st ? 1 : 0);
    for (const a of agents) {
      this.#agentUp.set({ agent: a.id }, a.online ? 1 : 0);
      const silent = this.#liveness.silentForMs(a.id);
      if (silent !== null) this.#agentAge.set({ agent: a.id }, Math.round(silent) / 1000);
      if (a.lastHeartbeat > 0) this.#agentLast.set({ agent: a.id }, a.lastHeartbeat / 1000);
    }
    this.#used.reset();
    this.#wasted.reset();
    for (const l of stock) {
      const labels = { media_type: l.mediaType };
      this.#onHand.set(labels, l.onHand);
      this.#low.set(labels, l.low ? 1 : 0);
      if (l.threshold !== null) this.#threshold.set(labels, l.threshold);
      this.#used.inc(labels, l.used);
      this.#wasted.inc(labels, l.wasted);
    }
    return this.registry.metrics();
  }

  /** One closed attempt, taken once. */
  #taken(a: ClosedAttempt): void {
    if (a.refusal) return;
    this.#discs.inc({ drive: a.driveId, media_type: a.mediaType, outcome: a.outcome });
    if (a.burnSeconds !== null) this.#burn.observe({ media_type: a.mediaType }, a.burnSeconds);
    if (a.verifySeconds !== null) this.#verify.observe({ media_type: a.mediaType }, a.verifySeconds);
  }

  #gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /** A counter kept in Redis: set to Redis's value at each render. */
  #counterFromRedis(name: string, help: string): Counter<'media_type'> {
    return new Counter({ name, help, labelNames: ['media_type'] as const, registers: [this.registry] });
  }
}
