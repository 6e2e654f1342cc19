/**
 * The answer when nothing was found: either no route matched (then the auth
 * hook has already asked for a token, see `accessOf`), or a public UI route
 * found no file. A page path gets the UI's own 404 page; anything else is the
 * API's 404, which needs a token like the API itself, so a client without one
 * learns nothing about which API routes exist, however it spells the path.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UiSite } from '../ui-static.js';
import { ApiError } from './api-error.js';
import { authenticateRequest } from './auth.js';
import type { Authenticator } from './auth.js';

/**
 * The path the router sees: the request target without an absolute-form
 * scheme and host, query or fragment, percent-decoded once (kept as sent when
 * it does not decode).
 */
export function routedPath(url: string): string {
  const target = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const pathPart = target.split(/[?#]/, 1)[0] ?? '';
  try {
    return decodeURIComponent(pathPart);
  } catch {
    return pathPart;
  }
}

/** True when the router would take `url` for a path under `/api`. */
export function isApiPath(url: string): boolean {
  return /^\/api(?:[/;]|$)/.test(routedPath(url));
}

/** The not-found handler of the app; `ui()` is the served UI, or null. */
export function notFoundHandler(ui: () => UiSite | null, auth: Authenticator) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const site = ui();
    const method = request.method.toUpperCase();
    if (site !== null && (method === 'GET' || method === 'HEAD') && !isApiPath(request.url)) return site.sendNotFound(reply);
    if (request.principal === undefined) authenticateRequest(request, reply, auth);
    return reply.status(404).send(new ApiError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`).toBody());
  };
}
