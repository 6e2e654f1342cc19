/**
 * Bearer-token auth: a token maps to a name and a role. `viewer` may read,
 * `operator` may do everything. A route declares `config.access`: `public`
 * (no token), `viewer` or `operator`; the default is `viewer` for GET/HEAD
 * and `operator` otherwise. Access is decided by the route a request matched,
 * never by its URL text (which may be percent-encoded or in absolute form),
 * and failed authentications are throttled per client (`AuthThrottle`).
 * Besides the configured tokens, a `TokenSource` may know more (the wall
 * screens' tokens, `ScreenRegistry`); what it forgets fails at once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Role } from '../shared/api-types.js';
import { ApiError } from './api-error.js';
import type { ApiToken } from './app-deps.js';
import type { AuthThrottle } from './auth-throttle.js';
import { ErrorBody } from './schemas.js';

/** Who made a request. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** The wall screen whose token this is (screen tokens only). */
  readonly screenId?: string;
}

/** Tokens beyond the configured ones, looked up by their SHA-256 digest. */
export interface TokenSource {
  /** The principal of the token with this digest, or null. */
  lookup(digest: Buffer): Principal | null;
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

/**
 * Looks tokens up: the configured ones in constant time per token, then
 * `more` (the screens' tokens) by digest. A random token's digest reveals
 * nothing usable, so a map lookup by digest leaks nothing a guesser can use.
 */
export class TokenTable {
  readonly #tokens: { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly ApiToken[], readonly more: TokenSource | null = null) {
    this.#tokens = tokens.filter((t) => t.token !== '').map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }));
  }

  /** The principal of a token, or null. */
  lookup(token: string | undefined | null): Principal | null {
    if (typeof token !== 'string' || token === '') return null;
    const d = digest(token);
    let found: Principal | null = null;
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, d)) found = t.principal;
    return found ?? this.more?.lookup(d) ?? null;
  }
}

/** The principal of a request; throws 401 when there is none (for handlers behind the auth hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new ApiError(401, 'UNAUTHENTICATED', 'missing or unknown API token');
  return request.principal;
}

/** The answer to a client that is refused for its failed authentications. */
export function tooManyAttempts(retryAfterMs: number): ApiError & { readonly retryAfterSeconds: number } {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const err = new ApiError(429, 'TOO_MANY_ATTEMPTS', `too many failed authentications from this address: try again in ${retryAfterSeconds} s`);
  return Object.assign(err, { retryAfterSeconds });
}

/**
 * Token lookup behind the failed-authentication throttle, shared by the HTTP
 * API and the feed's handshake. A client that is refused gets 429 before its
 * token is looked at; an unknown token counts as a failure of that client; a
 * missing token is no guess and does not count.
 */
export class Authenticator {
  constructor(
    readonly tokens: TokenTable,
    readonly throttle: AuthThrottle,
  ) {}

  /**
   * The principal of `token` presented by `client` (its remote address), or
   * the refusal to answer: 429 TOO_MANY_ATTEMPTS (with `retryAfterSeconds`)
   * or 401 UNAUTHENTICATED. `where` names the route for the log.
   */
  authenticate(client: string, token: string | null | undefined, where: string): Principal | ApiError {
    const wait = this.throttle.retryAfterMs(client);
    if (wait > 0) return tooManyAttempts(wait);
    if (typeof token !== 'string' || token === '') return new ApiError(401, 'UNAUTHENTICATED', 'missing API token');
    const principal = this.tokens.lookup(token);
    if (principal !== null) return principal;
    this.throttle.failed(client, `unknown API token on ${where}`);
    return new ApiError(401, 'UNAUTHENTICATED', 'unknown API token');
  }

  /**
   * The same for the feed's socket.io handshake: the principal, or the Error
   * to pass to socket.io's `next` (`data.code`; `data.retryAfterSeconds` on
   * TOO_MANY_ATTEMPTS). A missing token reads as an unknown one there.
   */
  handshake(client: string, token: string | null): Principal | Error {
    const result = this.authenticate(client, token, 'the feed handshake');
    if (!(result instanceof ApiError)) return result;
    const retry = 'retryAfterSeconds' in result ? { retryAfterSeconds: result.retryAfterSeconds } : {};
    return Object.assign(new Error(result.statusCode === 401 ? 'unknown API token' : result.message), { data: { code: result.code, ...retry } });
  }
}

/** Who may call a route: its own `config.access`, else `viewer` for GET/HEAD and `operator` otherwise. */
function routeAccess(config: unknown, method: string): Access {
  const access = (config as { access?: Access } | undefined)?.access;
  if (access !== undefined) return access;
  return method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? 'viewer' : 'operator';
}

/** Who may call the matched route: its own `config.access`, else `viewer` for GET/HEAD and `operator` otherwise. */
export function accessOf(request: FastifyRequest): Access {
  // No route matched (the not-found handler): a token is needed to learn even that.
  if (request.is404) return 'viewer';
  return routeAccess(request.routeOptions.config, request.method);
}

/**
 * Document the refusals of the auth hook on every route that declares its
 * responses: 401 and 429 where a token is needed, 403 where an operator's is.
 */
export function documentAuthResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    const response = schema?.response as Record<string, unknown> | undefined;
    if (schema === undefined || response === undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const access = methods.map((m) => routeAccess(route.config, m));
    if (access.every((a) => a === 'public')) return;
    const refusals = { 401: ErrorBody, 429: ErrorBody, ...(access.includes('operator') ? { 403: ErrorBody } : {}) };
    route.schema = { ...schema, response: { ...refusals, ...response } };
  });
}

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(header: string | undefined): string | null {
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1] ?? null;
}

/**
 * Authenticate a request by its `Authorization: Bearer` header: sets
 * `request.principal` and returns it, or throws the refusal (401, or 429
 * with a `Retry-After` header).
 */
export function authenticateRequest(request: FastifyRequest, reply: FastifyReply, auth: Authenticator): Principal {
  const token = bearerToken(request.headers.authorization);
  const where = `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
  const result = auth.authenticate(request.ip, token, where);
  if (result instanceof ApiError) {
    if ('retryAfterSeconds' in result) void reply.header('retry-after', String(result.retryAfterSeconds));
    if (result.statusCode === 401 && token === null) throw new ApiError(401, 'UNAUTHENTICATED', 'missing API token: send "Authorization: Bearer <token>"');
    throw result;
  }
  request.principal = result;
  return result;
}

/**
 * Add the auth hook to an instance. Default-deny: every request, whatever its
 * URL looks like, is judged by the route it matched (its `config.access`),
 * and only routes that declare `access: 'public'` answer without a token. A
 * request that matched no route needs a token too.
 */
export function registerAuth(app: FastifyInstance, auth: Authenticator): void {
  app.addHook('onRequest', async (request, reply) => {
    const access = accessOf(request);
    if (access === 'public') return;
    const principal = authenticateRequest(request, reply, auth);
    if (access === 'operator' && principal.role !== 'operator') {
      throw new ApiError(403, 'FORBIDDEN', `${principal.name} is a viewer: this needs an operator token`);
    }
  });
}
