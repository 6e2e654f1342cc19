/**
 * DriveViews: what the tower screen shows for each drive, from the agents'
 * published drive states, the layout, the quarantine hash, the agents'
 * heartbeats, the drives' pass/fail counts and the runs waiting for discs.
 *
 * Context (agents, quarantine, runs) is cached for up to `maxAgeMs` when the
 * feed turns a stream of drive events into views; REST reads load it fresh
 * (and the fresh context becomes the cache), without emptying the cache
 * first; invalidate() empties it when it is known to be wrong.
 * The feed's hot path, {@link DriveViews.viewNow}, builds a view without
 * waiting for Redis while the cache is fresh, and reloads the cache in the
 * background before it expires.
 */
import type { Redis } from 'ioredis';
import { readAllDriveStatuses, readDriveStatus } from '@tower/jobs';
import type { AgentPresence, DriveStatus, RedisSchema, RunRecord, RunStore } from '@tower/jobs';
import type { AgentView, DriveView } from '../../shared/api-types.js';
import { readAllAgents, readDriveSeenAges } from '@tower/jobs';
import { AgentLiveness } from '../agent-liveness.js';
import type { DriveLayoutEntry } from '../app-deps.js';
import { attention, CLASS_NAMES } from './drive-words.js';
import type { StoredQuarantine } from './drive-words.js';
import { phaseFields } from './drive-phase.js';
import { loaderAttention, loaderView } from './loader-words.js';
import { isSimulatedDrive, masterReadiness } from './master-readiness.js';
import { isRunActive } from './run-view.js';

/** Options of {@link DriveViews}. */
export interface DriveViewsOptions {
  readonly redis: Redis;
  readonly keys: RedisSchema;
  readonly runStore: RunStore;
  readonly layout: Readonly<Record<string, DriveLayoutEntry>>;
  /** An agent whose heartbeat number has not changed this long is offline. */
  readonly agentTimeoutMs: number;
  /** Monotonic clock of the cache ages and agent liveness, ms; default `performance.now`. */
  readonly now?: () => number;
  /**
   * A drive no agent has reported for this long (its agent offline, by
   * Redis's clock) leaves the live list; its history stays. Default 1 h.
   */
  readonly forgetAfterMs?: number;
  /** Age of cached context and counts the feed accepts. Default 1000 ms. */
  readonly maxAgeMs?: number;
}

export type { StoredQuarantine } from './drive-words.js';

interface Context {
  readonly at: number;
  readonly agents: Map<string, AgentView>;
  readonly quarantine: Map<string, StoredQuarantine>;
  readonly runs: RunRecord[];
}

/** Builds DriveViews. */
export class DriveViews {
  readonly #o: DriveViewsOptions;
  #ctx: Context | null = null;
  #ctxLoading: Promise<Context> | null = null;
  /** Bumped by invalidate(): a load started before it does not become the cache. */
  #ctxGen = 0;
  #ctxLoadingGen = -1;
  readonly #counts = new Map<string, { at: number; passed: number; failed: number }>();
  /** Per drive, bumped by recountDrive(): a count read started before it does not become the cache. */
  readonly #countsGen = new Map<string, number>();
  readonly #countsLoading = new Set<string>();
  /** Default positions from the last full list, for views of one drive (the feed's, a drive page's). */
  #positions: ReadonlyMap<string, number> = new Map();
  /** Drives whose counts the next background read takes. */
  readonly #countsDue = new Set<string>();

  readonly #now: () => number;
  readonly #liveness: AgentLiveness;

  constructor(options: DriveViewsOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#liveness = new AgentLiveness({ timeoutMs: options.agentTimeoutMs, now: this.#now });
  }

  /** Forget cached context (after a quarantine, a run change...). */
  invalidate(): void {
    this.#ctx = null;
    this.#ctxGen++;
  }

  /**
   * Re-read a drive's pass/fail counts (an attempt ended on it). Views keep
   * the cached counts until the new ones are in (resolves then), so a burst
   * of attempt ends never makes the feed wait for Redis.
   */
  async recountDrive(driveId: string): Promise<void> {
    await this.recountDrives([driveId]);
  }

  /**
   * A drive's counts as the status closing an attempt carried them: its view
   * shows them at once, no read. Counts only grow: fewer than the cache's are
   * dropped, and a read started before this does not replace them.
   */
  noteCounts(driveId: string, counts: { readonly passed: number; readonly failed: number }): void {
    const cached = this.#counts.get(driveId);
    if (cached !== undefined && cached.passed + cached.failed > counts.passed + counts.failed) return;
    this.#countsGen.set(driveId, (this.#countsGen.get(driveId) ?? 0) + 1);
    this.#counts.set(driveId, { at: this.#now(), passed: counts.passed, failed: counts.failed });
  }

  /** {@link recountDrive} for the drives of a burst of attempt ends, in one read. */
  async recountDrives(driveIds: readonly string[]): Promise<void> {
    for (const id of driveIds) this.#countsGen.set(id, (this.#countsGen.get(id) ?? 0) + 1);
    await this.#readCounts(driveIds);
  }

  /**
   * The live drives, by agent, position and id. Drives belong to the agents
   * that report them: a drive its agent (online) no longer reports, or that
   * no agent has reported for `forgetAfterMs`, is not listed (its history
   * and detail stay); the layout only labels and places drives.
   */
  async list(): Promise<DriveView[]> {
    const [statuses, seenAges] = await Promise.all([
      readAllDriveStatuses(this.#o.redis, this.#o.keys),
      readDriveSeenAges(this.#o.redis, this.#o.keys),
    ]);
    const ctx = await this.#context(statuses.map((s) => s.agentId), true);
    const forgetAfter = this.#o.forgetAfterMs ?? 3_600_000;
    const all = statuses.filter((s) => {
      const agent = ctx.agents.get(s.agentId);
      if (agent?.online === true) return agent.driveIds.length === 0 || agent.driveIds.includes(s.driveId);
      const age = seenAges.get(s.driveId);
      return s.agentId !== '' && (age === undefined || age <= forgetAfter);
    });
    const byId = new Map(all.map((s) => [s.driveId, s]));
    const counts = await this.#readCounts([...byId.keys()]);
    const positions = defaultPositions(all);
    this.#positions = positions;
    const views = all.map((s) => this.#view(s, ctx, positions, counts.get(s.driveId) ?? { passed: 0, failed: 0 }));
    return views.sort((a, b) => Number(a.agentId === '') - Number(b.agentId === '') || a.agentId.localeCompare(b.agentId)
      || a.position - b.position || a.id.localeCompare(b.id));
  }

  /** One drive, or null when it is unknown. */
  async get(driveId: string, fresh = true): Promise<DriveView | null> {
    // A drive of the layout no agent has reported has a page (offline), not a tile in the live list.
    const status = (await readDriveStatus(this.#o.redis, this.#o.keys, driveId)) ?? (driveId in this.#o.layout ? offlineStatus(driveId) : null);
    if (status === null) return null;
    return fresh ? this.#build(status, await this.#context([status.agentId], true)) : this.fromStatus(status);
  }

  /** The view of a published status (context may be up to `maxAgeMs` old). */
  async fromStatus(status: DriveStatus): Promise<DriveView> {
    return this.viewNow(status) ?? this.#build(status, await this.#context([status.agentId]));
  }

  /**
   * The view of a published status from cached context and counts, without
   * waiting (the feed's hot path), or null when something must be read from
   * Redis first ({@link fromStatus} does: a drive or agent not seen yet, or
   * the context was invalidated).
   *
   * Context older than `maxAgeMs / 2` is reloaded in the background; while a
   * reload is under way (Redis is slow in a burst of job changes) the
   * previous context serves, up to `5 × maxAgeMs` old. Counts change only
   * when an attempt ends ({@link recountDrive}); they are re-read in the
   * background every `5 × maxAgeMs` as a safety net.
   */
  viewNow(status: DriveStatus): DriveView | null {
    const maxAge = this.#o.maxAgeMs ?? 1000;
    const now = this.#now();
    const c = this.#ctx;
    if (c === null || (status.agentId !== '' && !c.agents.has(status.agentId))) return null;
    const counts = this.#counts.get(status.driveId);
    if (counts === undefined) return null;
    const age = now - c.at;
    if (age > maxAge / 2 && this.#ctxLoading === null) this.#context([...c.agents.keys(), status.agentId], true).catch(() => undefined);
    if (age > maxAge && (this.#ctxLoading === null || age > maxAge * 5)) return null;
    if (now - counts.at > maxAge * 5) this.#refreshCounts(status.driveId);
    return this.#view(status, c, null, counts);
  }

  /**
   * Agents, from heartbeats and (fresh) the drives' published states, which
   * name agents that never sent a heartbeat. Not fresh: the cached context's
   * agents, without reading every drive's state (the feed's once-a-second look).
   */
  async agents(fresh = true): Promise<AgentView[]> {
    const ids = fresh ? (await readAllDriveStatuses(this.#o.redis, this.#o.keys)).map((s) => s.agentId) : [];
    const ctx = await this.#context(ids, fresh);
    // The heartbeat age as of now, not as of the cached read.
    return [...ctx.agents.values()].map((a) => ({ ...a, heartbeatAgeMs: this.#heartbeatAge(a.id) })).sort((a, b) => a.id.localeCompare(b.id));
  }

  #heartbeatAge(agentId: string): number | null {
    const ms = this.#liveness.silentForMs(agentId);
    return ms === null ? null : Math.round(ms);
  }

  #agentView(p: AgentPresence): AgentView {
    const { stopped, ...rest } = p;
    return { ...rest, state: p.online ? 'serving' : stopped ? 'stopped' : 'silent', heartbeatAgeMs: this.#heartbeatAge(p.id) };
  }

  /** Drive ids of every known drive. */
  async knownDriveIds(): Promise<Set<string>> {
    const ids = new Set(await this.#o.redis.smembers(this.#o.keys.drives()));
    for (const id of Object.keys(this.#o.layout)) ids.add(id);
    return ids;
  }

  /** Drive ids of a layout group (empty when no drive is in it). */
  group(name: string): string[] {
    return Object.entries(this.#o.layout).filter(([, e]) => e.group === name).map(([id]) => id).sort();
  }

  async #context(agentIds: readonly string[], reload = false): Promise<Context> {
    const maxAge = this.#o.maxAgeMs ?? 1000;
    const c = this.#ctx;
    if (!reload && c !== null && this.#now() - c.at <= maxAge && agentIds.every((id) => id === '' || c.agents.has(id))) return c;
    // A fresh read, or a load started before the last invalidate() (it may predate the change): start another.
    if (reload || this.#ctxLoading === null || this.#ctxLoadingGen !== this.#ctxGen) {
      const gen = this.#ctxGen;
      const loading: Promise<Context> = this.#load(agentIds, gen).finally(() => {
        if (this.#ctxLoading === loading) this.#ctxLoading = null;
      });
      this.#ctxLoading = loading;
      this.#ctxLoadingGen = gen;
    }
    return this.#ctxLoading;
  }

  async #load(agentIds: readonly string[], gen: number): Promise<Context> {
    const { redis, keys, runStore } = this.#o;
    const now = this.#now();
    const [agents, rawQ, runIds] = await Promise.all([
      readAllAgents(redis, this.#liveness.isOnline, agentIds, keys),
      redis.hgetall(keys.quarantine()),
      runStore.listRunIds(),
    ]);
    const quarantine = new Map<string, StoredQuarantine>();
    for (const [id, text] of Object.entries(rawQ)) {
      try {
        quarantine.set(id, JSON.parse(text) as StoredQuarantine);
      } catch {
        quarantine.set(id, { reason: text, failures: 0, at: 0 });
      }
    }
    const runs = (await Promise.all(runIds.map((id) => runStore.getRun(id)))).filter((r): r is RunRecord => r !== null && isRunActive(r));
    const ctx: Context = { at: now, agents: new Map(agents.map((a) => [a.id, this.#agentView(a)])), quarantine, runs };
    // Not when an invalidate() came meanwhile, nor over a context loaded later.
    if (gen === this.#ctxGen && (this.#ctx === null || this.#ctx.at <= ctx.at)) this.#ctx = ctx;
    return ctx;
  }

  async #passFail(driveId: string): Promise<{ passed: number; failed: number }> {
    const cached = this.#counts.get(driveId);
    if (cached !== undefined && this.#now() - cached.at <= (this.#o.maxAgeMs ?? 1000) * 5) return cached;
    return (await this.#readCounts([driveId])).get(driveId) ?? { passed: 0, failed: 0 };
  }

  /** Re-read a drive's counts in the background; the drives due in one tick are read together. */
  #refreshCounts(driveId: string): void {
    if (this.#countsLoading.has(driveId)) return;
    this.#countsLoading.add(driveId);
    this.#countsDue.add(driveId);
    if (this.#countsDue.size > 1) return;
    setImmediate(() => {
      const ids = [...this.#countsDue];
      this.#countsDue.clear();
      this.#readCounts(ids).catch(() => undefined).finally(() => {
        for (const id of ids) this.#countsLoading.delete(id);
      });
    });
  }

  /** The drives' counts from the run store (one read), cached unless a recount started meanwhile. */
  async #readCounts(driveIds: readonly string[]): Promise<Map<string, { at: number; passed: number; failed: number }>> {
    const now = this.#now();
    const gens = driveIds.map((id) => this.#countsGen.get(id));
    const read = await this.#o.runStore.driveCounts(driveIds);
    const out = new Map<string, { at: number; passed: number; failed: number }>();
    driveIds.forEach((id, i) => {
      const entry = { at: now, ...(read.get(id) ?? { passed: 0, failed: 0 }) };
      out.set(id, entry);
      if (gens[i] === this.#countsGen.get(id)) this.#counts.set(id, entry);
    });
    return out;
  }

  async #build(s: DriveStatus, ctx: Context): Promise<DriveView> {
    return this.#view(s, ctx, null, await this.#passFail(s.driveId));
  }

  /** `positions`: default positions of drives the layout does not place (else those of the last full list; 0 when unknown). */
  #view(s: DriveStatus, ctx: Context, positions: ReadonlyMap<string, number> | null, counts: { readonly passed: number; readonly failed: number }): DriveView {
    const layout = this.#o.layout[s.driveId] ?? {};
    const agent = ctx.agents.get(s.agentId);
    const online = agent?.online === true;
    const q = ctx.quarantine.get(s.driveId) ?? null;
    // Published 'quarantined' with no entry: released, and its agent has not looked again yet.
    const released = q === null && s.state === 'quarantined';
    const state: DriveView['state'] = !online ? 'offline' : q !== null ? 'quarantined' : released ? 'busy' : s.state;
    const waiting = ctx.runs.filter((r) => r.status !== 'paused' && r.copies - r.counters.passed - r.counters.open > 0
      && (r.allowedDrives === undefined || r.allowedDrives.includes(s.driveId)));
    const classes = [...new Set(waiting.map((r) => CLASS_NAMES[r.mediaClass] ?? r.mediaClass))];
    const { message, needsAttention } = loaderAttention(state, s, layout.label ?? s.driveId) ?? attention(state, s, q, classes, s.agentId, agent);
    const busy = state === 'burning' || state === 'verifying';
    return {
      id: s.driveId,
      agentId: s.agentId,
      label: layout.label ?? s.driveId,
      position: layout.position ?? (positions ?? this.#positions).get(s.driveId) ?? 0,
      state,
      mediaType: s.mediaType ?? null,
      ...phaseFields(state, s),
      bufferPercent: null,
      runId: busy || state === 'done' || state === 'failed' ? (s.runId ?? null) : null,
      copy: busy || state === 'done' || state === 'failed' ? (s.copy ?? null) : null,
      discLabel: busy || state === 'done' || state === 'failed' ? (s.discLabel ?? null) : null,
      message,
      needsAttention,
      passed: counts.passed,
      failed: counts.failed,
      quarantine: q === null ? null : { reason: q.reason, at: q.at, by: q.by ?? 'system' },
      ...(s.loader === undefined ? {} : { loader: loaderView(s.loader) }),
      simulated: isSimulatedDrive(s.driveId),
      ...(s.writesCdText === undefined ? {} : { writesCdText: s.writesCdText }),
      ...masterReadiness(state, s),
      updatedAt: s.updatedAt,
    };
  }

}

/** Each drive's place among its agent's drives, by id: where the layout does not say. */
function defaultPositions(all: readonly DriveStatus[]): Map<string, number> {
  const byAgent = new Map<string, string[]>();
  for (const d of all) {
    const ids = byAgent.get(d.agentId);
    if (ids === undefined) byAgent.set(d.agentId, [d.driveId]);
    else ids.push(d.driveId);
  }
  const out = new Map<string, number>();
  for (const ids of byAgent.values()) ids.sort().forEach((id, i) => out.set(id, i));
  return out;
}

function offlineStatus(driveId: string): DriveStatus {
  return { driveId, agentId: '', state: 'offline', updatedAt: 0 };
}
