/**
 * Idempotent retries of the requests that change something (POST, PATCH,
 * DELETE) and their admission.
 *
 * A client may send `Idempotency-Key: <1..100 letters, digits, . _ : ->`.
 * The first request with a key, for one principal and route, claims it in
 * Redis (within the request deadline: this claim is the request's admission),
 * runs, and its answer (status, type, body) is stored under the key for
 * `ttlMs` (24 h). A retry with the same key and the same request (method,
 * URL and body; for an upload, its declared length) gets that answer again,
 * with `Idempotent-Replayed: true`, and nothing is done a second time; with
 * another request it gets 422 `IDEMPOTENCY_KEY_REUSED`; while the first is
 * still running, 409 `IDEMPOTENCY_KEY_IN_USE`. A 5xx answer is not stored
 * (the key is given back, so a retry runs again), nor is a refusal before
 * the handler (authentication, schema).
 *
 * A request without a key is admitted by a PING within the deadline. Either
 * way, a request answered 503 because Redis was away never reached its
 * handler.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import type { Redis } from 'ioredis';
import { ApiError } from './api-error.js';
import type { RedisSchema } from '@tower/jobs';
import type { RedisGuard } from './redis-guard.js';
import { ErrorBody } from './schemas.js';

/** The request header (lower case, as Node gives it). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** The answer header of a replay. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** What a key may be. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
/** How long an answer is kept for retries, ms (24 h). */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** How long a claim of a request still running holds the key, ms (1 h). */
const PENDING_TTL_MS = 3600_000;
/** Answers larger than this are not kept (none of the API's changing routes answers that much). */
const MAX_STORED_BODY = 1024 * 1024;

/** Methods whose requests change something. */
const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Marks a schema that documents only (not validated): see app.ts. */
export const DOC_ONLY = 'x-doc-only';

/** The OpenAPI description of the header, added to every changing route. */
export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[A-Za-z0-9._:-]+$',
    description: 'Optional. 1..100 letters, digits, . _ : -; a fresh one per change (the tower CLI sends a UUID). '
      + 'A retry with the same key and request gets the first answer again (header Idempotent-Replayed: true) and changes nothing; '
      + 'the same key with another request: 422 IDEMPOTENCY_KEY_REUSED; while the first still runs: 409 IDEMPOTENCY_KEY_IN_USE. '
      + 'Answers are kept 24 h; a 5xx answer is not kept.',
  })),
}, { [DOC_ONLY]: true });

/** A stored claim or answer. */
interface IdemRecord {
  readonly state: 'pending' | 'done';
  /** SHA-256 of the request (method, URL, body). */
  readonly fp: string;
  /** The controller instance and request that hold a pending claim. */
  readonly owner: string;
  readonly token: string;
  readonly status?: number;
  readonly type?: string;
  readonly body?: string;
}

interface Claim {
  readonly key: string;
  readonly token: string;
  readonly fp: string;
  readonly text: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's claim of its idempotency key (or `replay` when it was answered from one). */
    idempotency?: Claim | 'replay';
  }
}

/** SET the claim unless the key holds something: returns what it holds, or null when claimed. */
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** Replace the key's value only if it is still `ARGV[1]` (a claim being taken over, or stored). */
const SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

/** Options of {@link registerIdempotency}. */
export interface IdempotencyOptions {
  readonly redis: Redis;
  readonly keys: RedisSchema;
  readonly guard: RedisGuard;
  /** How long answers are kept, ms. Default 24 h. */
  readonly ttlMs?: number;
}

/**
 * Document what this module and the Redis guard add to the API's routes
 * (call before the routes are added): 503 on every route that documents its
 * answers, and on every changing route the `Idempotency-Key` header, 409 and 422.
 */
export function documentIdempotencyHeader(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || route.schema === undefined) return;
    const schema = route.schema as Record<string, unknown>;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const changing = methods.some((m) => CHANGING.has(m.toUpperCase()));
    const response = schema.response as Record<string, unknown> | undefined;
    const more = response === undefined ? undefined : { ...(changing ? { 409: ErrorBody, 422: ErrorBody } : {}), 503: ErrorBody, ...response };
    route.schema = {
      ...schema,
      ...(more === undefined ? {} : { response: more }),
      ...(changing && schema.headers === undefined ? { headers: IdempotencyHeaders } : {}),
    };
  });
}

/** Admit changing requests, claim and replay idempotency keys. */
export function registerIdempotency(app: FastifyInstance, o: IdempotencyOptions): void {
  const instance = randomUUID();
  const ttlMs = o.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  /** Tokens of the requests of this instance still running. */
  const running = new Set<string>();
  /** Answers of this instance not yet stored (Redis went away meanwhile), by token. */
  const unsaved = new Map<string, IdemRecord>();
  const swap = (key: string, from: string, to: string, px: number): Promise<unknown> => o.redis.eval(SWAP, 1, key, from, to, String(px));

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!CHANGING.has(request.method.toUpperCase()) || request.is404) return;
    const raw = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (raw === undefined) {
      await o.guard.admit();
      return;
    }
    const value = Array.isArray(raw) ? null : raw;
    if (value === null || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
      const got = value === null ? 'several values' : value === '' ? 'an empty value' : value.length > 100 ? `${value.length} characters` : 'other characters';
      throw new ApiError(400, 'INVALID_INPUT', `Idempotency-Key must be 1..100 letters, digits, . _ : - (got ${got}); send a fresh UUID per change`, 'Idempotency-Key');
    }
    const who = request.principal?.name ?? `public:${request.ip}`;
    const route = `${request.method.toUpperCase()} ${request.routeOptions.url ?? request.url}`;
    const key = o.keys.idempotency(sha256(`${who}\n${route}\n${value}`));
    const fp = sha256(`${request.method.toUpperCase()} ${request.url}\n${bodyText(request)}`);
    const token = randomUUID();
    const text = JSON.stringify({ state: 'pending', fp, owner: instance, token } satisfies IdemRecord);
    let held = (await o.guard.within(o.redis.eval(CLAIM, 1, key, text, String(PENDING_TTL_MS)))) as string | null;
    if (held !== null) {
      const found = parseRecord(held);
      if (found !== null && found.fp !== fp) {
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for another request (other URL or body): use a new key for a new change');
      }
      const answer = found?.state === 'done' ? found : found !== null && found.owner === instance ? unsaved.get(found.token) : undefined;
      if (answer !== undefined) {
        request.idempotency = 'replay';
        void reply.code(answer.status ?? 200).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        if (answer.type !== undefined) void reply.type(answer.type);
        return reply.send(answer.body ?? '');
      }
      // A claim of this instance whose request is over without an answer stored (Redis went away
      // under it, or it was written late by a Redis that stopped answering): take it over.
      if (found === null || (found.owner === instance && !running.has(found.token))) {
        const taken = await o.guard.within(swap(key, held, text, PENDING_TTL_MS));
        if (taken === 1) held = null;
      }
      if (held !== null) {
        void reply.header('retry-after', '1');
        throw new ApiError(409, 'IDEMPOTENCY_KEY_IN_USE', 'a request with this Idempotency-Key is still being carried out: retry in a moment');
      }
    }
    running.add(token);
    request.idempotency = { key, token, fp, text };
    return undefined;
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = request.idempotency;
    if (claim === undefined || claim === 'replay') return payload;
    request.idempotency = undefined;
    const status = reply.statusCode;
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload === undefined || payload === null ? '' : null;
    if (status >= 500 || body === null || body.length > MAX_STORED_BODY) {
      // Not kept: the key is given back, and a retry runs again.
      running.delete(claim.token);
      o.guard.later(`idempotency:${claim.token}`, async () => {
        await swap(claim.key, claim.text, '', 0);
      });
      return payload;
    }
    const type = reply.getHeader('content-type');
    const done: IdemRecord = {
      state: 'done', fp: claim.fp, owner: instance, token: claim.token, status, body, ...(typeof type === 'string' ? { type } : {}),
    };
    // Kept in memory until stored, so a retry meanwhile is answered from it.
    unsaved.set(claim.token, done);
    running.delete(claim.token);
    o.guard.later(`idempotency:${claim.token}`, async () => {
      await swap(claim.key, claim.text, JSON.stringify(done), ttlMs);
      unsaved.delete(claim.token);
    });
    return payload;
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The request's body as it bears on its identity (a streamed upload: its declared length). */
function bodyText(request: FastifyRequest): string {
  const body = request.body as unknown;
  if (body !== null && typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe === 'function') {
    return `stream:${request.headers['content-length'] ?? '?'}`;
  }
  return body === undefined ? '' : JSON.stringify(body);
}

function parseRecord(text: string): IdemRecord | null {
  try {
    const v = JSON.parse(text) as Partial<IdemRecord>;
    if ((v.state === 'pending' || v.state === 'done') && typeof v.fp === 'string' && typeof v.owner === 'string' && typeof v.token === 'string') return v as IdemRecord;
  } catch {
    // A value this module did not write: taken over.
  }
  return null;
}
