/**
 * The live store: the feed's snapshot, then deltas, in one pure reducer.
 * The provider (live.tsx) batches socket events per animation frame and
 * dispatches them as one `batch`, so 64 drives × 4 updates/s is at most one
 * render per frame. Objects that did not change keep their identity, so
 * memoised tiles skip re-rendering. Tested in test/live-store.test.ts.
 */
import type { AgentView, AttemptView, DriveDelta, DriveView, FeedSnapshot, MasterView, RunView } from './contract';
import { isRunFinished, needsPerson } from './states';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface LiveState {
  readonly drives: Readonly<Record<string, DriveView>>;
  /** Drive ids in tower order: by agent, then position, then label. */
  readonly driveOrder: readonly string[];
  /**
   * Active runs and recent finished ones from the feed, plus finished runs
   * paged in over REST (the Runs page) and runs that finished since.
   */
  readonly runs: Readonly<Record<string, RunView>>;
  /** Finished runs the last snapshot left out (older than its recent ones); page them over REST. */
  readonly olderRuns: number;
  readonly agents: Readonly<Record<string, AgentView>>;
  readonly masters: Readonly<Record<string, MasterView>>;
  /** The latest ended attempts, newest first (at most RECENT_ATTEMPTS). */
  readonly recentAttempts: readonly AttemptView[];
  /** Controller time of the last snapshot, or null before the first. */
  readonly snapshotAt: number | null;
  /** Browser time of the last feed event (snapshot or delta). */
  readonly lastEventAt: number | null;
  readonly connection: ConnectionState;
  /** Why the feed is not connected, in words (auth refused, network down…). */
  readonly connectionError: string | null;
  /** Times the feed has connected; > 1 means it came back after a drop. */
  readonly connects: number;
  /** Deltas ignored as older than what the store holds (for diagnostics). */
  readonly staleDeltas: number;
}

export const RECENT_ATTEMPTS = 100;

export const initialLiveState: LiveState = {
  drives: {},
  driveOrder: [],
  runs: {},
  olderRuns: 0,
  agents: {},
  masters: {},
  recentAttempts: [],
  snapshotAt: null,
  lastEventAt: null,
  connection: 'connecting',
  connectionError: null,
  connects: 0,
  staleDeltas: 0,
};

export type LiveAction =
  | { readonly type: 'snapshot'; readonly snapshot: FeedSnapshot; readonly receivedAt: number }
  | { readonly type: 'drive'; readonly delta: DriveDelta; readonly receivedAt: number }
  | { readonly type: 'run'; readonly run: RunView; readonly receivedAt: number }
  | { readonly type: 'runs'; readonly runs: readonly RunView[]; readonly overwrite?: boolean }
  | { readonly type: 'attempt'; readonly attempt: AttemptView; readonly receivedAt: number }
  | { readonly type: 'agent'; readonly agent: AgentView; readonly receivedAt: number }
  | { readonly type: 'master'; readonly master: MasterView; readonly receivedAt: number }
  | { readonly type: 'masters'; readonly masters: readonly MasterView[] }
  | { readonly type: 'connection'; readonly connection: ConnectionState; readonly error?: string | null }
  | { readonly type: 'batch'; readonly actions: readonly LiveAction[] };

const DRIVE_FIELDS: readonly (keyof DriveView)[] = [
  'id', 'agentId', 'label', 'position', 'state', 'mediaType', 'percent', 'speedX', 'speedMBps', 'etaSeconds',
  'bufferPercent', 'runId', 'copy', 'discLabel', 'message', 'needsAttention', 'passed', 'failed', 'quarantine', 'updatedAt',
];

/** A delta that carries every field can stand for a drive the store has not seen. */
function isCompleteDrive(delta: DriveDelta): delta is DriveView {
  return DRIVE_FIELDS.every((k) => k in delta);
}

function collator(): Intl.Collator {
  return new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
}

/** Tower order: agent id, then position, then label, then id. */
export function orderDrives(drives: Readonly<Record<string, DriveView>>): string[] {
  const c = collator();
  return Object.values(drives)
    .sort((a, b) => c.compare(a.agentId, b.agentId) || a.position - b.position || c.compare(a.label, b.label) || c.compare(a.id, b.id))
    .map((d) => d.id);
}

/** The same items in the same order (by identity). */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function byId<T extends { readonly id: string }>(items: readonly T[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const it of items) out[it.id] = it;
  return out;
}

function applyDriveDelta(state: LiveState, delta: DriveDelta): LiveState {
  const current = state.drives[delta.id];
  if (!current) {
    if (!isCompleteDrive(delta)) return state; // a fresh snapshot will bring it
    const drives = { ...state.drives, [delta.id]: delta };
    return { ...state, drives, driveOrder: orderDrives(drives) };
  }
  if (typeof delta.updatedAt === 'number' && delta.updatedAt < current.updatedAt) {
    return { ...state, staleDeltas: state.staleDeltas + 1 };
  }
  let changed = false;
  for (const k of Object.keys(delta) as (keyof DriveDelta)[]) {
    if (k === 'id') continue;
    if (!Object.is(delta[k], current[k])) {
      changed = true;
      break;
    }
  }
  if (!changed) return state;
  const next: DriveView = { ...current, ...delta };
  const drives = { ...state.drives, [delta.id]: next };
  const reorder = (delta.agentId !== undefined && delta.agentId !== current.agentId)
    || (delta.position !== undefined && delta.position !== current.position)
    || (delta.label !== undefined && delta.label !== current.label);
  return { ...state, drives, driveOrder: reorder ? orderDrives(drives) : state.driveOrder };
}

function applyRun(state: LiveState, run: RunView): LiveState {
  const current = state.runs[run.id];
  // A finished run never comes back to life from a late event.
  if (current && isRunFinished(current.status) && !isRunFinished(run.status)) return state;
  return { ...state, runs: { ...state.runs, [run.id]: run } };
}

function applyMaster(state: LiveState, master: MasterView): LiveState {
  const current = state.masters[master.id];
  const finished = (s: string): boolean => s === 'done' || s === 'failed' || s === 'cancelled';
  if (current && finished(current.status) && !finished(master.status)) return state;
  return { ...state, masters: { ...state.masters, [master.id]: master } };
}

function reduceOne(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'snapshot': {
      const s = action.snapshot;
      const drives = byId(s.drives);
      // Keep the identity of drives that did not change, so their tiles do not re-render.
      for (const [id, d] of Object.entries(drives)) {
        const old = state.drives[id];
        if (old && DRIVE_FIELDS.every((k) => Object.is(old[k], d[k]))) drives[id] = old;
      }
      const order = orderDrives(drives);
      // Runs: the snapshot's word wins, but finished runs fetched over REST are kept.
      const runs: Record<string, RunView> = {};
      for (const r of Object.values(state.runs)) if (isRunFinished(r.status)) runs[r.id] = r;
      for (const r of s.runs) runs[r.id] = r;
      const masters: Record<string, MasterView> = { ...state.masters };
      for (const m of s.masters ?? []) masters[m.id] = m;
      return {
        ...state,
        drives,
        driveOrder: sameItems(order, state.driveOrder) ? state.driveOrder : order,
        runs,
        olderRuns: s.olderRuns ?? 0,
        agents: byId(s.agents),
        masters,
        snapshotAt: s.at,
        lastEventAt: action.receivedAt,
      };
    }
    case 'drive':
      return { ...applyDriveDelta(state, action.delta), lastEventAt: action.receivedAt };
    case 'run':
      return { ...applyRun(state, action.run), lastEventAt: action.receivedAt };
    case 'runs': {
      let next = state;
      for (const r of action.runs) {
        // The feed is fresher than a REST list for runs it already holds;
        // the answer to an operator's own action (overwrite) is not.
        if (action.overwrite || !next.runs[r.id]) next = applyRun(next, r);
      }
      return next;
    }
    case 'attempt': {
      const a = action.attempt;
      const rest = state.recentAttempts.filter((x) => x.id !== a.id);
      return { ...state, recentAttempts: [a, ...rest].slice(0, RECENT_ATTEMPTS), lastEventAt: action.receivedAt };
    }
    case 'agent':
      return { ...state, agents: { ...state.agents, [action.agent.id]: action.agent }, lastEventAt: action.receivedAt };
    case 'master':
      return { ...applyMaster(state, action.master), lastEventAt: action.receivedAt };
    case 'masters': {
      let next = state;
      for (const m of action.masters) if (!next.masters[m.id]) next = applyMaster(next, m);
      return next;
    }
    case 'connection': {
      const connected = action.connection === 'connected';
      return {
        ...state,
        connection: action.connection,
        connectionError: connected ? null : action.error ?? state.connectionError,
        connects: connected && state.connection !== 'connected' ? state.connects + 1 : state.connects,
      };
    }
    case 'batch':
      return reduceBatch(state, action.actions);
  }
}

/**
 * A batch, as its actions one by one would give, but a run of drive deltas
 * copies the drives map once (not once per delta: 256 drives × 1,000 deltas
 * a second).
 */
function reduceBatch(state: LiveState, actions: readonly LiveAction[]): LiveState {
  let next = state;
  let draft: Record<string, DriveView> | null = null;
  let reorder = false;
  let stale = 0;
  let lastEventAt: number | null = null;
  const settle = (): void => {
    if (draft === null && stale === 0 && lastEventAt === null) return;
    next = {
      ...next,
      ...(draft === null ? {} : { drives: draft, driveOrder: reorder ? orderDrives(draft) : next.driveOrder }),
      staleDeltas: next.staleDeltas + stale,
      lastEventAt: lastEventAt ?? next.lastEventAt,
    };
    draft = null;
    reorder = false;
    stale = 0;
    lastEventAt = null;
  };
  for (const a of actions) {
    if (a.type !== 'drive') {
      settle();
      next = reduceOne(next, a);
      continue;
    }
    lastEventAt = a.receivedAt;
    const delta = a.delta;
    const drives: Readonly<Record<string, DriveView>> = draft ?? next.drives;
    const current = drives[delta.id];
    if (!current) {
      if (!isCompleteDrive(delta)) continue; // a fresh snapshot will bring it
      draft ??= { ...next.drives };
      draft[delta.id] = delta;
      reorder = true;
      continue;
    }
    if (typeof delta.updatedAt === 'number' && delta.updatedAt < current.updatedAt) {
      stale++;
      continue;
    }
    let changed = false;
    for (const k of Object.keys(delta) as (keyof DriveDelta)[]) {
      if (k !== 'id' && !Object.is(delta[k], current[k])) {
        changed = true;
        break;
      }
    }
    if (!changed) continue;
    draft ??= { ...next.drives };
    draft[delta.id] = { ...current, ...delta };
    if ((delta.agentId !== undefined && delta.agentId !== current.agentId)
      || (delta.position !== undefined && delta.position !== current.position)
      || (delta.label !== undefined && delta.label !== current.label)) reorder = true;
  }
  settle();
  return next;
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  return reduceOne(state, action);
}

/** Drives grouped by agent, in tower order. */
export interface AgentGroup {
  readonly agentId: string;
  readonly host: string;
  readonly online: boolean | null;
  readonly driveIds: readonly string[];
}

export function groupByAgent(state: Pick<LiveState, 'drives' | 'driveOrder' | 'agents'>): AgentGroup[] {
  const groups: AgentGroup[] = [];
  let cur: { agentId: string; driveIds: string[] } | null = null;
  const flush = (): void => {
    if (!cur) return;
    const agent = state.agents[cur.agentId];
    groups.push({ agentId: cur.agentId, host: agent?.host ?? cur.agentId, online: agent ? agent.online : null, driveIds: cur.driveIds });
  };
  for (const id of state.driveOrder) {
    const d = state.drives[id];
    if (!d) continue;
    if (!cur || cur.agentId !== d.agentId) {
      flush();
      cur = { agentId: d.agentId, driveIds: [] };
    }
    cur.driveIds.push(id);
  }
  flush();
  return groups;
}

/** Two groupings are the same (agents, hosts, online flags and drive ids, in order). */
export function sameGroups(a: readonly AgentGroup[], b: readonly AgentGroup[]): boolean {
  return a.length === b.length && a.every((g, i) => {
    const h = b[i];
    return h !== undefined && g.agentId === h.agentId && g.host === h.host && g.online === h.online && sameItems(g.driveIds, h.driveIds);
  });
}

/** The drives that need a person, in tower order. */
export function drivesNeedingPerson(state: Pick<LiveState, 'drives' | 'driveOrder'>): DriveView[] {
  const out: DriveView[] = [];
  for (const id of state.driveOrder) {
    const d = state.drives[id];
    if (d !== undefined && needsPerson(d)) out.push(d);
  }
  return out;
}

/** The name a tile shows for a run (its label, else its image's name); null without a run or before the run is known. */
export function runNameOf(state: Pick<LiveState, 'runs'>, runId: string | null | undefined): string | null {
  if (runId === null || runId === undefined) return null;
  const run = state.runs[runId];
  return run === undefined ? null : run.label ?? run.imageName;
}

/** The runs the feed holds, by id: a selector for `useLiveSelect` (a new map only when a run changes). */
export const selectRuns = (state: Pick<LiveState, 'runs'>): LiveState['runs'] => state.runs;

/** Runs that are not finished, by priority then age. */
export function activeRuns(runs: Readonly<Record<string, RunView>>): RunView[] {
  return Object.values(runs)
    .filter((r) => !isRunFinished(r.status))
    .sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt);
}

/** All runs, newest first. */
export function allRuns(runs: Readonly<Record<string, RunView>>): RunView[] {
  return Object.values(runs).sort((a, b) => b.createdAt - a.createdAt);
}
