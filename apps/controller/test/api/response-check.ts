/**
 * Checks an answer of the API against what its route declares (the response
 * schemas of the OpenAPI document): its status must be one the route
 * declares, and a JSON body must match that status's schema, with no
 * property the schema does not name. `call()` in support.ts runs it on every
 * answer, so each API test also proves the document true for what it sees.
 */
import { Value } from 'typebox/value';
import type { ApiRoute } from '../../src/api/route-table.js';

/** An answer as a test got it. */
export interface CheckedResponse {
  readonly method: string;
  /** The request's path and query, e.g. `/api/runs?limit=2`. */
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  /** The body as text (empty for none). */
  readonly text: string;
}

/** The route a request reached: the one whose pattern matches with the fewest parameters. */
export function findRoute(routes: readonly ApiRoute[], method: string, path: string): ApiRoute | null {
  const pathname = path.split('?')[0] ?? path;
  const matches = routes.filter((r) => r.method === method.toUpperCase() && patternOf(r.url).test(pathname));
  matches.sort((a, b) => paramCount(a.url) - paramCount(b.url));
  return matches[0] ?? null;
}

function patternOf(url: string): RegExp {
  const source = url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`);
}

function paramCount(url: string): number {
  return url.split('/').filter((part) => part.startsWith(':')).length;
}

/** A copy of a JSON schema in which an object without `additionalProperties` allows none. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = strictSchema(value);
  if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * What is wrong with an answer, in words (empty: nothing). Answers to paths
 * outside `/api/` and to routes that declare no responses (the OpenAPI
 * document itself) are not checked; a CSV body is checked only for its
 * declared status.
 */
export function responseProblems(routes: readonly ApiRoute[], res: CheckedResponse): string[] {
  if (!res.path.startsWith('/api/')) return [];
  const where = `${res.method} ${res.path} → ${res.status}`;
  const route = findRoute(routes, res.method, res.path);
  if (route === null) return [];
  if (route.responses === undefined) return [];
  const schema = route.responses[String(res.status)];
  if (schema === undefined) {
    return [`${where}: status ${res.status} is not among those ${route.method} ${route.url} declares (${Object.keys(route.responses).join(', ')})`];
  }
  if (res.status === 204 || res.method === 'HEAD') {
    return res.text === '' ? [] : [`${where}: a body was sent where none is declared`];
  }
  if (!res.contentType.includes('json')) {
    return res.contentType.includes('text/csv') ? [] : [`${where}: content type '${res.contentType}', not JSON`];
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [`${where}: the body is not JSON`];
  }
  const strict = strictSchema(schema);
  if (Value.Check(strict as never, body)) return [];
  const errors = [...Value.Errors(strict as never, body)]
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'boolean')
    .slice(0, 10)
    .map((e) => `${e.instancePath || '(body)'} ${e.message}${e.keyword === 'additionalProperties' ? ` ${JSON.stringify(e.params)}` : ''}`);
  return [`${where}: the body does not match ${route.method} ${route.url}'s ${res.status} schema: ${errors.join('; ')}`];
}

/** Throw when an answer is not what its route declares (see {@link responseProblems}). */
export function assertDeclaredResponse(routes: readonly ApiRoute[], res: CheckedResponse): void {
  const problems = responseProblems(routes, res);
  if (problems.length > 0) throw new Error(`the answer is not what the OpenAPI document declares:\n${problems.join('\n')}`);
}
