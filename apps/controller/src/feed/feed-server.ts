/**
 * The live feed: socket.io on the API's http server (path `/socket.io`),
 * handshake `auth: { token }`, one `snapshot` on connect (and on
 * `snapshot:request`), then the relay's deltas to every client.
 *
 * Bounded per client: at most `maxConnectionsPerToken` connections per
 * token (ConnectionCap), a rate limit on every event a connection sends
 * (SocketRateLimit: excess dropped, a flood closed with `feed:error`), one
 * snapshot per connection in hand at a time with requests meanwhile
 * coalesced into one (SnapshotSender), and snapshot builds shared by all
 * connections (SharedBuild).
 *
 * The handshake accepts what the API accepts (configured tokens and paired
 * screens' tokens); a screen revoked later has its connections closed at
 * once, with `feed:error` REVOKED.
 */
import type http from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, FeedSnapshot, ServerToClientEvents } from '../shared/api-types.js';
import type { ApiServices } from '../api/api-services.js';
import type { Authenticator, Principal } from '../api/auth.js';
import type { RedisSubscriber } from '../api/redis-subscriber.js';
import { ConnectionCap, connectionCapMiddleware, DEFAULT_MAX_CONNECTIONS_PER_TOKEN } from './connection-cap.js';
import { FeedRelay } from './feed-relay.js';
import { buildSnapshot, RECENT_FINISHED_RUNS } from './feed-snapshot.js';
import { SharedBuild } from './shared-build.js';
import { whenFlushed } from './socket-flush.js';
import { DEFAULT_SOCKET_RATE_LIMIT, SocketRateLimit } from './socket-rate-limit.js';
import type { SocketRateLimitOptions } from './socket-rate-limit.js';
import { SnapshotSender } from './snapshot-sender.js';

export { buildSnapshot } from './feed-snapshot.js';

/** The socket.io server type of the feed. */
export type FeedServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>;

/** Limits of the feed's clients; every field has a default. */
export interface FeedLimits {
  /** Connections one token may hold at once. Default 20. */
  readonly maxConnectionsPerToken?: number;
  /** Rate limit of the events one connection sends. Default {@link DEFAULT_SOCKET_RATE_LIMIT}. */
  readonly rateLimit?: SocketRateLimitOptions;
  /** Finished runs a snapshot carries. Default 20. */
  readonly recentFinishedRuns?: number;
}

/** The feed and its relay. */
export interface Feed {
  readonly io: FeedServer;
  readonly relay: FeedRelay;
  close(): Promise<void>;
}

/** Attach the feed to an http server. */
export async function createFeed(options: {
  server: http.Server;
  services: ApiServices;
  /** Token lookup behind the failed-authentication throttle (per remote address, shared with the API). */
  auth: Authenticator;
  subscriber: RedisSubscriber;
  /** Revoked screens: their connections are closed. */
  screens?: { onRevoked(listener: (screenId: string) => void): () => void };
  limits?: FeedLimits;
  onError?: (err: Error) => void;
}): Promise<Feed> {
  const { services: s } = options;
  const io: FeedServer = new Server(options.server, { path: '/socket.io', serveClient: false });
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const principal = options.auth.handshake(socket.handshake.address, typeof auth?.token === 'string' ? auth.token : null);
    if (principal instanceof Error) {
      next(principal);
      return;
    }
    socket.data.principal = principal;
    next();
  });
  io.use(connectionCapMiddleware(new ConnectionCap(options.limits?.maxConnectionsPerToken ?? DEFAULT_MAX_CONNECTIONS_PER_TOKEN)));
  const recentFinished = options.limits?.recentFinishedRuns ?? RECENT_FINISHED_RUNS;
  const snapshots = new SharedBuild<FeedSnapshot>(() => buildSnapshot(s, recentFinished));
  io.on('connection', (socket) => {
    const rate = new SocketRateLimit(options.limits?.rateLimit ?? DEFAULT_SOCKET_RATE_LIMIT);
    const sender = new SnapshotSender({
      build: () => snapshots.get(),
      emit: (snapshot) => {
        socket.emit('snapshot', snapshot);
        // Deltas go to the room `live`, joined once the first snapshot is queued: a client sees the snapshot first.
        if (!socket.rooms.has('live')) void socket.join('live');
      },
      flushed: () => whenFlushed(socket.conn),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
    socket.use((_packet, next) => {
      const verdict = rate.verdict();
      if (verdict === 'handle') {
        next();
        return;
      }
      // Dropped: `next` is not called, so no handler sees the event.
      if (verdict === 'close' && socket.connected) {
        sender.close();
        socket.emit('feed:error', { code: 'RATE_LIMITED', message: `too many requests on the live feed (${rate.dropped} dropped); ask for a snapshot once per reconnect` });
        socket.disconnect(true);
      }
    });
    socket.on('snapshot:request', () => sender.request());
    socket.on('disconnect', () => sender.close());
    sender.request();
  });
  const stopRevoking = options.screens?.onRevoked((screenId) => {
    for (const socket of io.of('/').sockets.values()) {
      if (socket.data.principal?.screenId !== screenId) continue;
      socket.emit('feed:error', { code: 'REVOKED', message: 'this screen was revoked by an operator: pair it again' });
      socket.disconnect(true);
    }
  });
  const relay = new FeedRelay({
    services: s,
    subscriber: options.subscriber,
    // socket.io encodes a packet before it looks for receivers: with no screen connected, skip it.
    broadcast: (event, ...args) => {
      if ((io.of('/').adapter.rooms.get('live')?.size ?? 0) > 0) io.to('live').emit(event, ...args);
    },
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  await relay.start();
  return {
    io,
    relay,
    async close() {
      stopRevoking?.();
      relay.close();
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}
