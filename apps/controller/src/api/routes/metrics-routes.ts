/**
 * `GET /metrics`: the tower for Prometheus (text exposition format 0.0.4).
 *
 * Outside the API's roles, on purpose: the route is `access: 'public'` to
 * the API's auth hook, so no API token (operator or viewer) is asked for or
 * accepted here. When a scrape token is configured (`metrics.token`,
 * `TOWER_METRICS_TOKEN`) this route checks it itself, in constant time:
 * missing or wrong → 401; wrong tokens count as failed authentications of
 * the client (the API's throttle: 429 once it is refused).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import { ApiError } from '../api-error.js';
import type { TypedApp } from '../api-services.js';
import { bearerToken, tooManyAttempts } from '../auth.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { ErrorBody } from '../schemas.js';
import type { TowerMetrics } from '../../metrics/tower-metrics.js';

/** Options of {@link registerMetricsRoute}. */
export interface MetricsRouteOptions {
  /** The scrape token; null: none needed. */
  readonly token: string | null;
  /** The API's failed-authentication throttle. */
  readonly throttle: AuthThrottle;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Add `GET /metrics`. */
export function registerMetricsRoute(app: TypedApp, metrics: TowerMetrics, options: MetricsRouteOptions): void {
  const want = options.token === null ? null : digest(options.token);
  app.get('/metrics', {
    // Not an API route: the API's tokens and roles do not apply (see above); the scrape token is checked below.
    config: { access: 'public' },
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics (text exposition format)',
      description: 'Discs by drive, media type and outcome; burn and verify durations; copy queue depth per media class; drive states; '
        + 'agent heartbeats; blank stock. When tower.json `metrics.token` (or TOWER_METRICS_TOKEN) is set, send it as a bearer token: '
        + 'it is not an API token, and API tokens are refused here.',
      produces: ['text/plain'],
      security: [{ bearer: [] }, {}],
      response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), 401: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    if (want !== null) checkScrapeToken(request, reply, want, options.throttle);
    const text = await metrics.render();
    return reply.type(metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}

/** Throws 401 (or 429) unless the request carries the scrape token. */
function checkScrapeToken(request: FastifyRequest, reply: FastifyReply, want: Buffer, throttle: AuthThrottle): void {
  void reply.header('www-authenticate', 'Bearer realm="tower metrics"');
  const wait = throttle.retryAfterMs(request.ip);
  if (wait > 0) {
    const refused = tooManyAttempts(wait);
    void reply.header('retry-after', String(refused.retryAfterSeconds));
    throw refused;
  }
  const token = bearerToken(request.headers.authorization);
  if (token === null) throw new ApiError(401, 'UNAUTHENTICATED', 'missing metrics token: send "Authorization: Bearer <metrics token>"');
  if (!timingSafeEqual(digest(token), want)) {
    throttle.failed(request.ip, 'wrong metrics token on GET /metrics');
    throw new ApiError(401, 'UNAUTHENTICATED', 'wrong metrics token (an API token does not open /metrics)');
  }
}
