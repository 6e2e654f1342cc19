'use client';
/**
 * The one live store, fed by the socket.io feed: snapshot on connect, deltas
 * after. Events are queued and applied once per animation frame (or every
 * 500 ms while the tab is hidden), so a busy tower costs one render a frame.
 * socket.io reconnects by itself; after a reconnect the store asks for a
 * fresh snapshot if the controller has not sent one.
 *
 * The state lives in an external store read with useSyncExternalStore, not
 * in a context value: a context whose value changes every frame makes React
 * walk the whole subtree of every memoised tile that bails out (256 tiles ×
 * their elements, each frame) looking for consumers.
 */
import { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, MasterView, RunView, ServerToClientEvents } from './contract';
import { initialLiveState, liveReducer } from './live-store';
import type { LiveAction, LiveState } from './live-store';
import { freshness } from './staleness';
import type { Freshness } from './staleness';

type FeedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveActions {
  requestSnapshot(): void;
  /** Merge runs fetched over REST (finished runs the snapshot may not carry). */
  mergeRuns(runs: readonly RunView[]): void;
  /** A run as the API answered an operator's action. */
  putRun(run: RunView): void;
  mergeMasters(masters: readonly MasterView[]): void;
}

/** The state and its subscribers; one per provider. */
class LiveStore {
  state: LiveState = initialLiveState;
  readonly #listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getSnapshot = (): LiveState => this.state;

  readonly dispatch = (action: LiveAction): void => {
    const next = liveReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const l of [...this.#listeners]) l();
  };
}

const getServerSnapshot = (): LiveState => initialLiveState;
const StoreCtx = createContext<LiveStore>(new LiveStore());
const FreshCtx = createContext<Freshness>({ stale: true, reason: 'connecting', since: null });
const ActionsCtx = createContext<LiveActions>({ requestSnapshot: () => undefined, mergeRuns: () => undefined, putRun: () => undefined, mergeMasters: () => undefined });

/** How long after a (re)connect to wait for the controller's own snapshot before asking. */
const SNAPSHOT_GRACE_MS = 1000;

/**
 * The one live feed of a page. `onAuthRefused` is called when the controller
 * refuses the token (a revoked screen: `feed:error` REVOKED, then handshakes
 * answered UNAUTHENTICATED).
 */
export function LiveProvider({ token, onAuthRefused, children }: {
  readonly token: string | null;
  readonly onAuthRefused?: () => void;
  readonly children: ReactNode;
}): ReactNode {
  const [store] = useState(() => new LiveStore());
  const { dispatch } = store;
  const socketRef = useRef<FeedSocket | null>(null);
  const refusedRef = useRef(onAuthRefused);
  useEffect(() => {
    refusedRef.current = onAuthRefused;
  }, [onAuthRefused]);
  // Only what the freshness check below depends on re-renders the provider.
  const connection = useSyncExternalStore(store.subscribe, () => store.state.connection, () => initialLiveState.connection);
  const snapshotAt = useSyncExternalStore(store.subscribe, () => store.state.snapshotAt, () => initialLiveState.snapshotAt);

  useEffect(() => {
    if (!token) return;
    const queue: LiveAction[] = [];
    let raf = 0;
    let timer: number | undefined;
    let snapshotTimer: number | undefined;
    let retryTimer: number | undefined;
    let snapshotSinceConnect = false;
    /** Why the controller is closing the feed, from its `feed:error`. */
    let closedBecause: string | null = null;

    const flush = (): void => {
      raf = 0;
      timer = undefined;
      if (queue.length === 0) return;
      dispatch({ type: 'batch', actions: queue.splice(0) });
    };
    const push = (a: LiveAction): void => {
      queue.push(a);
      if (raf !== 0 || timer !== undefined) return;
      if (document.hidden) timer = window.setTimeout(flush, 500);
      else raf = window.requestAnimationFrame(flush);
    };
    const onVisible = (): void => {
      if (!document.hidden && timer !== undefined) {
        window.clearTimeout(timer);
        flush();
      }
    };
    document.addEventListener('visibilitychange', onVisible);

    const socket: FeedSocket = io({
      path: '/socket.io',
      auth: { token },
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.3,
      timeout: 8000,
    });
    socketRef.current = socket;

    socket.on('connect', () => {
      snapshotSinceConnect = false;
      push({ type: 'connection', connection: 'connected' });
      window.clearTimeout(snapshotTimer);
      snapshotTimer = window.setTimeout(() => {
        if (!snapshotSinceConnect && socket.connected) socket.emit('snapshot:request');
      }, SNAPSHOT_GRACE_MS);
    });
    socket.on('disconnect', (reason) => {
      const words = reason === 'io server disconnect' ? closedBecause ?? 'The controller closed the feed' : `Feed lost (${reason})`;
      closedBecause = null;
      push({ type: 'connection', connection: 'disconnected', error: words });
      // A disconnect by the server is not retried by socket.io itself.
      if (reason === 'io server disconnect') {
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(() => socket.connect(), 3000);
      }
    });
    socket.on('connect_error', (err) => {
      push({ type: 'connection', connection: 'disconnected', error: `Cannot connect to the feed: ${err.message}` });
      if ((err as Error & { data?: { code?: unknown } }).data?.code === 'UNAUTHENTICATED') refusedRef.current?.();
      // A refusal by the server (bad token) stops socket.io's own retries: retry slowly.
      if (!socket.active) {
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(() => socket.connect(), 10_000);
      }
    });
    socket.io.on('reconnect', () => {
      window.clearTimeout(snapshotTimer);
      snapshotTimer = window.setTimeout(() => {
        if (!snapshotSinceConnect && socket.connected) socket.emit('snapshot:request');
      }, SNAPSHOT_GRACE_MS);
    });

    socket.on('snapshot', (snapshot) => {
      snapshotSinceConnect = true;
      push({ type: 'snapshot', snapshot, receivedAt: Date.now() });
    });
    socket.on('drive:updates', (deltas) => {
      const receivedAt = Date.now();
      for (const delta of deltas) push({ type: 'drive', delta, receivedAt });
    });
    socket.on('run:update', (run) => push({ type: 'run', run, receivedAt: Date.now() }));
    socket.on('attempt:ends', (attempts) => {
      const receivedAt = Date.now();
      for (const attempt of attempts) push({ type: 'attempt', attempt, receivedAt });
    });
    socket.on('agent:update', (agent) => push({ type: 'agent', agent, receivedAt: Date.now() }));
    socket.on('master:update', (master) => push({ type: 'master', master, receivedAt: Date.now() }));
    // The controller says why just before it closes the feed (e.g. RATE_LIMITED): the disconnect shows it.
    socket.on('feed:error', (error) => {
      closedBecause = `The controller closed the feed: ${error.message} [${error.code}]`;
      if (error.code === 'REVOKED') refusedRef.current?.();
    });

    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.cancelAnimationFrame(raf);
      window.clearTimeout(timer);
      window.clearTimeout(snapshotTimer);
      window.clearTimeout(retryTimer);
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [token, dispatch]);

  // Freshness: recomputed when the connection changes and once a second
  // (a local clock, not a network poll), published only when it changes.
  const [fresh, setFresh] = useState<Freshness>({ stale: true, reason: 'connecting', since: null });
  useEffect(() => {
    const check = (): void => {
      const f = freshness(store.state, Date.now());
      setFresh((old) => (old.stale === f.stale && (!old.stale || !f.stale || old.reason === f.reason) ? old : f));
    };
    check();
    const id = window.setInterval(check, 1000);
    return () => window.clearInterval(id);
  }, [connection, snapshotAt, store]);

  const actions = useMemo<LiveActions>(() => ({
    requestSnapshot: () => socketRef.current?.emit('snapshot:request'),
    mergeRuns: (runs) => dispatch({ type: 'runs', runs }),
    putRun: (run) => dispatch({ type: 'runs', runs: [run], overwrite: true }),
    mergeMasters: (masters) => dispatch({ type: 'masters', masters }),
  }), [dispatch]);

  return (
    <ActionsCtx.Provider value={actions}>
      <FreshCtx.Provider value={fresh}>
        <StoreCtx.Provider value={store}>{children}</StoreCtx.Provider>
      </FreshCtx.Provider>
    </ActionsCtx.Provider>
  );
}

/** The live state; the component re-renders when it changes (at most once a frame). */
export function useLive(): LiveState {
  const store = useContext(StoreCtx);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot);
}

/**
 * One part of the live state: the component re-renders only when that part
 * changes (`equal`, default `Object.is`), not with every frame of the feed.
 * The tower's tiles each read their own drive this way, so a frame that
 * changes 30 drives renders 30 tiles and not the grid of 256 around them.
 */
export function useLiveSelect<T>(select: (state: LiveState) => T, equal: (a: T, b: T) => boolean = Object.is): T {
  const store = useContext(StoreCtx);
  const last = useRef<{ readonly state: LiveState; readonly select: (state: LiveState) => T; readonly value: T } | null>(null);
  const read = (state: LiveState): T => {
    const prev = last.current;
    if (prev !== null && prev.state === state && prev.select === select) return prev.value;
    const fresh = select(state);
    // An equal value keeps the one given before: useSyncExternalStore compares by identity.
    const value = prev !== null && equal(prev.value, fresh) ? prev.value : fresh;
    last.current = { state, select, value };
    return value;
  };
  return useSyncExternalStore(store.subscribe, () => read(store.state), () => read(initialLiveState));
}

export function useFreshness(): Freshness {
  return useContext(FreshCtx);
}

export function useLiveActions(): LiveActions {
  return useContext(ActionsCtx);
}
