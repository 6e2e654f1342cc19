/**
 * The cap on feed connections per API token: a token holds at most `limit`
 * connections at once, and the one beyond is refused in the handshake (the
 * client's `connect_error`: message in words, `data.code`
 * `TOO_MANY_CONNECTIONS`). Tokens are counted by their SHA-256, so the cap
 * keeps no token itself.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'socket.io';

/** Feed connections one token may hold at once, by default. */
export const DEFAULT_MAX_CONNECTIONS_PER_TOKEN = 20;

/** Counts the places taken per key. */
export class ConnectionCap {
  readonly #counts = new Map<string, number>();

  constructor(readonly limit: number = DEFAULT_MAX_CONNECTIONS_PER_TOKEN) {}

  /** Take a place for `key`: its release (idempotent), or null when `key` already holds `limit`. */
  admit(key: string): (() => void) | null {
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.limit) return null;
    this.#counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }

  /** Places `key` holds. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}

/** The cap's key of a handshake token. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A socket.io middleware that takes a place for the handshake's token (run it
 * after the auth middleware, which refuses unknown tokens) and gives it back
 * when the connection ends, or refuses the connection when the token holds
 * `cap.limit` already.
 */
export function connectionCapMiddleware(cap: ConnectionCap): (socket: Socket, next: (err?: Error) => void) => void {
  return (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : '';
    const release = cap.admit(tokenKey(token));
    if (release === null) {
      next(Object.assign(new Error(`too many live feed connections for this token (at most ${cap.limit}); close another screen first`), {
        data: { code: 'TOO_MANY_CONNECTIONS', limit: cap.limit },
      }));
      return;
    }
    // Either ends the place: a socket that never finishes connecting has no disconnect, but its connection closes.
    socket.once('disconnect', release);
    socket.conn.once('close', release);
    next();
  };
}
