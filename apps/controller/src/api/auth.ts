/**
 * Bearer-token auth: a token maps to a name and a role. `viewer` may read,
 * `operator` may do everything. A route declares `config.access`: `public`
 * (no token), `viewer` or `operator`; the default is `viewer` for GET/HEAD
 * and `operator` otherwise.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../shared/api-types.js';
import { ApiError } from './api-error.js';
import type { ApiToken } from './app-deps.js';

/** Who made a request. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
}

/** Who may call a route. */
export type Access = 'public' | Role;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Looks tokens up in constant time per token. */
export class TokenTable {
  readonly #tokens: { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly ApiToken[]) {
    this.#tokens = tokens.filter((t) => t.token !== '').map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }));
  }

  /** The principal of a token, or null. */
  lookup(token: string | undefined | null): Principal | null {
    if (typeof token !== 'string' || token === '') return null;
    const d = digest(token);
    let found: Principal | null = null;
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, d)) found = t.principal;
    return found;
  }
}

/** The principal of a request; throws 401 when there is none (for handlers behind the auth hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new ApiError(401, 'UNAUTHENTICATED', 'missing or unknown API token');
  return request.principal;
}

/** Add the auth hook to an instance. */
export function registerAuth(app: FastifyInstance, tokens: TokenTable): void {
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config as { access?: Access } | undefined;
    const method = request.method.toUpperCase();
    const access: Access = config?.access ?? (method === 'GET' || method === 'HEAD' ? 'viewer' : 'operator');
    // Only the API needs a token; the UI's static files are public (socket.io checks its own handshake).
    if (access === 'public' || !(request.url === '/api' || request.url.startsWith('/api/'))) return;
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (m === null) throw new ApiError(401, 'UNAUTHENTICATED', 'missing API token: send "Authorization: Bearer <token>"');
    const principal = tokens.lookup(m[1]);
    if (principal === null) throw new ApiError(401, 'UNAUTHENTICATED', 'unknown API token');
    request.principal = principal;
    if (access === 'operator' && principal.role !== 'operator') {
      throw new ApiError(403, 'FORBIDDEN', `${principal.name} is a viewer: this needs an operator token`);
    }
  });
}
