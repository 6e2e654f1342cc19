/**
 * Whether everything sent on a feed connection has been written to the
 * network. socket.io has no "sent" callback for `emit`, so this reads the
 * engine.io connection: its write buffer (packets not handed to the
 * transport yet) is empty and its transport is writable again (a WebSocket
 * transport becomes writable once `ws` has written the last frame to the
 * TCP socket; a client that does not read keeps it unwritable). The write
 * buffer is engine.io's private field: read defensively, and a version
 * without it counts as empty.
 */
import type { EventEmitter } from 'node:events';

/** The parts of an engine.io connection (`socket.conn`) read here. */
export interface EngineConnection extends EventEmitter {
  readonly readyState: string;
  readonly transport: EventEmitter & { readonly writable: boolean };
}

/** Fallback re-check interval while waiting, ms (a transport upgrade swaps the transport listened to). */
const RECHECK_MS = 50;

/** True when nothing sent on `conn` waits to be written, or the connection is no longer open. */
export function isFlushed(conn: EngineConnection): boolean {
  if (conn.readyState !== 'open') return true;
  const buffer = (conn as unknown as { writeBuffer?: unknown }).writeBuffer;
  const buffered = Array.isArray(buffer) ? buffer.length : 0;
  return buffered === 0 && conn.transport.writable;
}

/** Resolves once {@link isFlushed} holds for `conn` (at once when it does now). */
export function whenFlushed(conn: EngineConnection): Promise<void> {
  if (isFlushed(conn)) return Promise.resolve();
  return new Promise((resolve) => {
    const transport = conn.transport;
    const check = (): void => {
      if (!isFlushed(conn)) return;
      clearInterval(timer);
      transport.off('ready', check);
      conn.off('close', check);
      resolve();
    };
    // The transport's `ready` comes after engine.io's own listener has handed it the next packets.
    transport.on('ready', check);
    conn.on('close', check);
    const timer = setInterval(check, RECHECK_MS);
  });
}
