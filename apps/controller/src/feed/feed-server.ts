/**
 * The live feed: socket.io on the API's http server (path `/socket.io`),
 * handshake `auth: { token }`, one `snapshot` on connect (and on
 * `snapshot:request`), then the relay's deltas to every client.
 */
import type http from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, FeedSnapshot, ServerToClientEvents } from '../shared/api-types.js';
import type { ApiServices } from '../api/api-services.js';
import type { Principal, TokenTable } from '../api/auth.js';
import type { RedisSubscriber } from '../api/redis-subscriber.js';
import { listMasters } from '../api/routes/master-routes.js';
import { FeedRelay } from './feed-relay.js';

/** The socket.io server type of the feed. */
export type FeedServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>;

/** Build the feed's snapshot. */
export async function buildSnapshot(s: ApiServices): Promise<FeedSnapshot> {
  const [drives, runs, agents, masters] = await Promise.all([s.drives.list(), s.runs.list(), s.drives.agents(), listMasters(s, 50)]);
  return { drives, runs, agents, masters, at: s.now() };
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
  tokens: TokenTable;
  subscriber: RedisSubscriber;
  onError?: (err: Error) => void;
}): Promise<Feed> {
  const { services: s } = options;
  const io: FeedServer = new Server(options.server, { path: '/socket.io', serveClient: false });
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const principal = options.tokens.lookup(typeof auth?.token === 'string' ? auth.token : null);
    if (principal === null) {
      next(Object.assign(new Error('unknown API token'), { data: { code: 'UNAUTHENTICATED' } }));
      return;
    }
    socket.data.principal = principal;
    next();
  });
  io.on('connection', (socket) => {
    const send = async (): Promise<void> => {
      socket.emit('snapshot', await buildSnapshot(s));
    };
    // Deltas go to the room `live`, joined once the first snapshot is out: a client sees the snapshot first.
    send().then(
      () => socket.join('live'),
      (err: unknown) => options.onError?.(err as Error),
    );
    socket.on('snapshot:request', () => {
      send().catch((err: unknown) => options.onError?.(err as Error));
    });
  });
  const relay = new FeedRelay({
    services: s,
    subscriber: options.subscriber,
    // socket.io encodes a packet before it looks for receivers: with no screen connected, skip it.
    broadcast: (event, ...args) => {
      if ((io.of('/').adapter.rooms.get('live')?.size ?? 0) > 0) io.to('live').emit(event, ...args);
    },
    ...(s.deps.feedIntervalMs === undefined ? {} : { intervalMs: s.deps.feedIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  await relay.start();
  return {
    io,
    relay,
    async close() {
      relay.close();
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}
