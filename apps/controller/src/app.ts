/**
 * The controller's HTTP API (Fastify, TypeBox schemas, OpenAPI at
 * `/api/openapi.json`) and live feed (socket.io at `/socket.io`) on one
 * http server. `createApp` never listens: the caller does `server.listen`.
 */
import type http from 'node:http';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { registerUi } from './ui-static.js';
import type { UiSite } from './ui-static.js';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './api/app-deps.js';
import { createServices } from './api/api-services.js';
import type { ApiServices } from './api/api-services.js';
import { Authenticator, documentAuthResponses, registerAuth, TokenTable } from './api/auth.js';
import { AuthThrottle } from './api/auth-throttle.js';
import { registerSecurityHeaders } from './api/security-headers.js';
import { apiErrorHandler, documentBodyRefusals } from './api/error-handler.js';
import { DOC_ONLY, documentIdempotencyHeader, registerIdempotency } from './api/idempotency.js';
import { notFoundHandler } from './api/not-found.js';
import { RedisSubscriber } from './api/redis-subscriber.js';
import { recordApiRoutes } from './api/route-table.js';
import type { ApiRoute } from './api/route-table.js';
import { ScreenRegistry } from './api/screen-registry.js';
import { OPTIONAL_BODY, RAW_BODY } from './api/schemas.js';
import { registerDriveInsertRoutes } from './api/routes/drive-insert-routes.js';
import { registerDriveRoutes } from './api/routes/drive-routes.js';
import { registerDriveLoaderRoutes } from './api/routes/drive-loader-routes.js';
import { registerHistoryRoutes } from './api/routes/history-routes.js';
import { registerImageRoutes } from './api/routes/image-routes.js';
import { registerImageBuildRoutes } from './api/routes/image-build-routes.js';
import { registerMasterRoutes } from './api/routes/master-routes.js';
import { registerRunRoutes } from './api/routes/run-routes.js';
import { registerIdPrefixes } from './api/id-prefixes.js';
import { registerScreenRoutes } from './api/routes/screen-routes.js';
import { registerTemplateRoutes } from './api/routes/template-routes.js';
import { registerSystemRoutes } from './api/routes/system-routes.js';
import { registerAlertRoutes } from './api/routes/alert-routes.js';
import { registerStockRoutes } from './api/routes/stock-routes.js';
import { registerLabelRoutes } from './api/routes/label-routes.js';
import { LabelPrinting } from './labels/label-printing.js';
import { registerMetricsRoute } from './api/routes/metrics-routes.js';
import { TowerMetrics } from './metrics/tower-metrics.js';
import { registerReportRoutes } from './api/routes/report-routes.js';
import { RequestLog } from './api/request-log.js';
import { AlertEngine } from './alerts/alert-engine.js';
import { resolveAlerts } from './config/alerts-config.js';
import { createFeed } from './feed/feed-server.js';
import type { FeedServer } from './feed/feed-server.js';

export type { AppDeps } from './api/app-deps.js';

/** A built app: not listening yet. */
export interface App {
  /** The http server carrying both the API and the feed; call `server.listen()`. */
  readonly server: http.Server;
  readonly fastify: FastifyInstance;
  readonly io: FeedServer;
  readonly services: ApiServices;
  /** The wall screens and their tokens. */
  readonly screens: ScreenRegistry;
  /** The `/api/` routes and the response schemas each declares (what the OpenAPI document says). */
  readonly routes: readonly ApiRoute[];
  /** Close the feed, the API, the server and every connection the app opened (not the deps'). */
  close(): Promise<void>;
}

/** Build the API and the feed. */
export async function createApp(deps: AppDeps): Promise<App> {
  const services = createServices(deps);
  const logger = deps.logger;
  const log = deps.log ?? (logger === undefined ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => logger.warn(line));
  // The wall screens' tokens count beside the configured ones; a revoked one fails at once.
  const screens = new ScreenRegistry({ redis: deps.redis, keys: services.keys, now: services.now });
  await screens.load();
  const auth = new Authenticator(new TokenTable(deps.tokens, screens), new AuthThrottle(deps.authThrottle ?? {}, { log }));
  const logging = logger === undefined ? { logger: false } : { loggerInstance: logger, logController: new RequestLog() };
  const fastify = Fastify({ ...logging, bodyLimit: 1024 * 1024, forceCloseConnections: true }).withTypeProvider<TypeBoxTypeProvider>();
  // Schemas marked `x-raw-body` only document a streamed body (uploads); `x-optional-body` bodies may be left out.
  fastify.setValidatorCompiler((route) => {
    const marks = route.schema as Record<string, unknown>;
    if (marks[RAW_BODY] === true || marks[DOC_ONLY] === true) return (value: unknown) => ({ value });
    const check = TypeBoxValidatorCompiler(route);
    return marks[OPTIONAL_BODY] === true ? (value: unknown) => (value === undefined || value === null ? { value: undefined } : check(value)) : check;
  });
  // Responses are what the handlers build (typed by api-types.ts); response schemas document them.
  fastify.setSerializerCompiler(() => (data) => JSON.stringify(data));
  fastify.setErrorHandler((err: FastifyError, request, reply) => apiErrorHandler(err, request, reply, services.redisGuard));
  let ui: UiSite | null = null;
  fastify.setNotFoundHandler(notFoundHandler(() => ui, auth));
  // JSON bodies: the default (prototype-poisoning-safe) parser, but an empty body is no body.
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, body as string, done);
  });

  // Every changing route documents the Idempotency-Key header (checked by registerIdempotency, not the schema).
  documentIdempotencyHeader(fastify);
  // Every route that needs a token documents the auth hook's 401/403/429, every one with a body the parser's 400/413/415.
  documentAuthResponses(fastify);
  documentBodyRefusals(fastify);
  const routes = recordApiRoutes(fastify);
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Duplication tower controller API', version: deps.version ?? '0.1.0', description: 'See src/shared/api-types.ts.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await registerSecurityHeaders(fastify);
  registerAuth(fastify, auth);
  // Changing requests: admitted by Redis within the deadline (or 503), idempotency keys claimed and replayed.
  registerIdempotency(fastify, {
    redis: deps.redis, keys: services.keys, guard: services.redisGuard, ...(deps.idempotencyTtlMs === undefined ? {} : { ttlMs: deps.idempotencyTtlMs }),
  });
  // Short ids (a unique prefix) on the run and image routes, after authentication.
  registerIdPrefixes(fastify, services);
  registerSystemRoutes(fastify, services);
  registerDriveRoutes(fastify, services);
  registerDriveInsertRoutes(fastify, services);
  registerDriveLoaderRoutes(fastify, services);
  registerImageRoutes(fastify, services);
  registerImageBuildRoutes(fastify, services);
  registerRunRoutes(fastify, services);
  registerTemplateRoutes(fastify, services);
  registerHistoryRoutes(fastify, services);
  registerMasterRoutes(fastify, services);
  registerScreenRoutes(fastify, services, screens, auth);
  const alerts = new AlertEngine({
    services, config: deps.alerts ?? resolveAlerts(undefined), line: log, ...(deps.alertTickMs === undefined ? {} : { tickMs: deps.alertTickMs }),
  });
  registerAlertRoutes(fastify, alerts);
  registerStockRoutes(fastify, services);
  const printing = deps.printing === undefined || deps.printing === null ? null : new LabelPrinting({
    services, config: deps.printing, alert: (c, set, key) => alerts.report(c, set, key), line: log,
  });
  registerLabelRoutes(fastify, services, printing);
  // Prometheus: a registry of this app's own; outside the API's roles (its own optional scrape token).
  if (deps.metrics?.enabled !== false) {
    registerMetricsRoute(fastify, new TowerMetrics(services), { token: deps.metrics?.token ?? null, throttle: auth.throttle });
  }
  registerReportRoutes(fastify, services);
  if (deps.uiDir !== undefined) ui = await registerUi(fastify, deps.uiDir);
  await fastify.ready();

  const onError = (err: Error): void => fastify.log.error({ err }, 'feed');
  const subscriber = new RedisSubscriber(deps.redisUrl, onError, services.connectivity);
  await subscriber.connect();
  await services.agents.attach(subscriber);
  // Screens paired or revoked on another controller.
  await subscriber.on(services.keys.screensChannel(), (message) => void screens.applyMessage(message).catch(onError));
  const feed = await createFeed({ server: fastify.server, services, auth, subscriber, screens, onError });
  alerts.start();
  await printing?.start(subscriber);

  let closing: Promise<void> | null = null;
  return {
    server: fastify.server,
    fastify,
    io: feed.io,
    services,
    screens,
    routes,
    close() {
      closing ??= (async () => {
        services.agents.close();
        printing?.close();
        await alerts.close();
        auth.throttle.close();
        await feed.close();
        await fastify.close();
        const server = fastify.server;
        if (server.listening) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        await subscriber.close();
        await services.queues.close();
        services.redisGuard.close();
        if (deps.connectivity === undefined) services.connectivity.close();
      })();
      return closing;
    },
  };
}
