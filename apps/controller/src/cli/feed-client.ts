/**
 * The controller's live feed (socket.io, path `/socket.io`, `auth: { token }`)
 * for `tower watch`. `socket.io-client` is loaded only when a feed is opened,
 * so the other commands work without it.
 */
import type { Socket, io as ioFunction } from 'socket.io-client';
import type { ClientToServerEvents, DriveDelta, FeedSnapshot, RunView, ServerToClientEvents } from '../shared/api-types.js';
import { ApiCallError } from './api-call-error.js';
import { parseBaseUrl } from './controller-url.js';

/** What a feed reports. */
export interface FeedHandlers {
  snapshot(snapshot: FeedSnapshot): void;
  driveUpdate(delta: DriveDelta): void;
  runUpdate(run: RunView): void;
  /** Lost (false, with the reason) or regained (true) after the first connect. */
  connection(connected: boolean, reason?: string): void;
}

/** An open feed. */
export interface FeedConnection {
  /**
   * Ask the controller for a fresh snapshot. Asks made while one is awaited
   * (until a snapshot arrives, or for SNAPSHOT_WAIT_MS) are not sent again:
   * the controller rate-limits what a connection sends.
   */
  requestSnapshot(): void;
  close(): void;
}

/** Opens a feed; resolves once connected, rejects with `ApiCallError` when the first connect fails. */
export type FeedOpener = (settings: { readonly url: string; readonly token: string }, handlers: FeedHandlers) => Promise<FeedConnection>;

/** Milliseconds to wait for the first connect. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Milliseconds a snapshot asked for is awaited before another ask is sent. */
const SNAPSHOT_WAIT_MS = 5_000;

type FeedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

async function loadIo(): Promise<typeof ioFunction> {
  try {
    return (await import('socket.io-client')).io;
  } catch {
    throw new ApiCallError(0, 'FEED_UNAVAILABLE', 'the live feed needs the socket.io-client package (npm install socket.io-client)');
  }
}

/** Open the socket.io feed of the controller at `settings.url`. */
export const openSocketFeed: FeedOpener = async (settings, handlers) => {
  const base = parseBaseUrl(settings.url);
  const io = await loadIo();
  const socket: FeedSocket = io(base.origin, {
    path: `${base.pathname.replace(/\/+$/, '')}/socket.io`,
    auth: { token: settings.token },
    reconnection: true,
    timeout: CONNECT_TIMEOUT_MS,
  });
  /** When the snapshot awaited was asked for (0: none awaited). */
  let askedAt = 0;
  /** Why the controller is closing the feed, from its `feed:error`. */
  let closedBecause: string | null = null;
  socket.on('snapshot', (s) => {
    askedAt = 0;
    handlers.snapshot(s);
  });
  socket.on('feed:error', (e) => {
    closedBecause = `${e.message} [${e.code}]`;
  });
  socket.on('drive:updates', (ds) => {
    for (const d of ds) handlers.driveUpdate(d);
  });
  socket.on('run:update', (r) => handlers.runUpdate(r));
  await new Promise<void>((resolve, reject) => {
    const fail = (err: ApiCallError): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      socket.disconnect();
      reject(err);
    };
    const onConnect = (): void => {
      clearTimeout(timer);
      socket.off('connect_error', onError);
      resolve();
    };
    const onError = (err: Error & { data?: { code?: unknown } }): void => {
      // A refusal by the server's middleware leaves the socket inactive; a transport error retries.
      const refused = !socket.active;
      const code = typeof err.data?.code === 'string' ? err.data.code : refused ? 'FEED_REFUSED' : 'UNREACHABLE';
      fail(new ApiCallError(0, code, refused ? `the live feed refused the connection: ${err.message}` : `cannot reach the live feed at ${base.origin} (${err.message}); check --url or TOWER_URL`));
    };
    const timer = setTimeout(() => fail(new ApiCallError(0, 'UNREACHABLE', `no answer from the live feed at ${base.origin} within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
  socket.on('disconnect', (reason) => {
    askedAt = 0;
    handlers.connection(false, reason === 'io server disconnect' && closedBecause !== null ? `${reason}: ${closedBecause}` : reason);
    closedBecause = null;
  });
  socket.io.on('reconnect', () => handlers.connection(true));
  return {
    requestSnapshot: () => {
      const now = Date.now();
      if (askedAt !== 0 && now - askedAt < SNAPSHOT_WAIT_MS) return;
      askedAt = now;
      socket.emit('snapshot:request');
    },
    close: () => {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
};
