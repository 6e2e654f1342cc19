/**
 * The API's routes as registered, with the response schemas each declares
 * (after every `onRoute` hook before this one has added its own, such as
 * the 409/422/503 of the idempotency layer). Nothing uses it to answer a
 * request: it tells what the OpenAPI document promises, so the API tests
 * can check each answer against it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

/** One route: method, URL pattern (`/api/runs/:id`) and its response schemas by status code. */
export interface ApiRoute {
  readonly method: string;
  readonly url: string;
  /** As declared (`schema.response`); undefined when the route declares none. */
  readonly responses: Readonly<Record<string, unknown>> | undefined;
}

/** Record every `/api/` route registered on `app` from now on into the returned list. */
export function recordApiRoutes(app: FastifyInstance): readonly ApiRoute[] {
  const routes: ApiRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/')) return;
    const responses = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      routes.push({ method: method.toUpperCase(), url: route.url, responses });
    }
  });
  return routes;
}
