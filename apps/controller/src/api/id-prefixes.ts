/**
 * Short ids: the CLI and the UI show the first 8 characters of a run's or an
 * image's id, and every route taking one accepts any unique prefix of at
 * least {@link MIN_PREFIX} characters. A hook (after authentication) puts the
 * whole id in place of the prefix before the handler runs: in `:id` of the
 * run and image routes, `imageId` of a new run and of a template, `runId`
 * of the history. A prefix that names several is refused with the ids it
 * could mean.
 */
import type { FastifyInstance } from 'fastify';
import { invalidInput } from './api-error.js';
import type { ApiServices } from './api-services.js';

/** The shortest prefix taken for an id. */
export const MIN_PREFIX = 4;

/**
 * The one id of `ids` that is `raw` or starts with it; `raw` itself when
 * none does (the route then says it is not found). Throws 400 INVALID_INPUT
 * when it names more than one.
 */
export function resolveIdPrefix(what: string, field: string, raw: string, ids: Iterable<string>): string {
  if (raw.length < MIN_PREFIX) return raw;
  const matches: string[] = [];
  for (const id of ids) {
    if (id === raw) return raw;
    if (id.startsWith(raw)) matches.push(id);
  }
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) {
    const shown = matches.sort().slice(0, 5).join(', ');
    throw invalidInput(field, `${what} id "${raw}" is ambiguous: it starts ${matches.length} ${what} ids (${shown}${matches.length > 5 ? ', …' : ''}); give more of it`);
  }
  return raw;
}

type Slot = { readonly in: 'params' | 'body' | 'query'; readonly key: string; readonly what: 'run' | 'image' };

/** Where each route takes an id that may be short. */
function slotsOf(method: string, url: string): Slot[] {
  if (url.startsWith('/api/runs/:id')) return [{ in: 'params', key: 'id', what: 'run' }];
  if (url.startsWith('/api/images/:id')) return [{ in: 'params', key: 'id', what: 'image' }];
  if (method === 'POST' && url === '/api/runs') return [{ in: 'body', key: 'imageId', what: 'image' }];
  if (method === 'PUT' && url === '/api/templates/:name') return [{ in: 'body', key: 'imageId', what: 'image' }];
  if (url === '/api/history') return [{ in: 'query', key: 'runId', what: 'run' }];
  return [];
}

/** Resolve short ids on every route that takes one. */
export function registerIdPrefixes(app: FastifyInstance, s: ApiServices): void {
  app.addHook('preHandler', async (request) => {
    const slots = slotsOf(request.method, request.routeOptions.url ?? '');
    for (const slot of slots) {
      const holder = request[slot.in] as Record<string, unknown> | undefined;
      const raw = holder?.[slot.key];
      // A whole run id (a UUID) needs no lookup of every run.
      if (holder === undefined || typeof raw !== 'string' || (slot.what === 'run' && raw.length >= 36)) continue;
      const ids = slot.what === 'run' ? await s.deps.runStore.listRunIds() : s.deps.library.list().map((r) => r.id);
      holder[slot.key] = resolveIdPrefix(slot.what, slot.key, raw, ids);
    }
  });
}
