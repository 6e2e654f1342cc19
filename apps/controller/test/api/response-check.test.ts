import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv } from './support.js';
import type { Env, Json } from './support.js';
import { assertDeclaredResponse, findRoute, responseProblems } from './response-check.js';

/**
 * The check every `call()` makes: an answer a route does not declare (a
 * status it does not list, a body its schema does not match, a property the
 * schema does not name) fails the test that got it.
 */
describe('answers checked against the routes\' declared response schemas', () => {
  let env: Env;
  let image: Json;
  beforeAll(async () => {
    env = await startEnv();
    image = (await call(env, 'GET', `/api/images/${env.image.id}`)).body;
  });
  afterAll(async () => env.stop());

  const answer = (path: string, body: unknown, status = 200, method = 'GET') => ({
    method, path, status, contentType: 'application/json; charset=utf-8', text: JSON.stringify(body),
  });

  it('knows every route and the schemas it declares, the 503 of an unreachable Redis included', () => {
    expect(findRoute(env.app.routes, 'GET', `/api/images/${env.image.id}`)?.url).toBe('/api/images/:id');
    expect(findRoute(env.app.routes, 'POST', '/api/images/import')?.url).toBe('/api/images/import');
    expect(findRoute(env.app.routes, 'GET', '/api/runs?limit=2')?.url).toBe('/api/runs');
    expect(Object.keys(findRoute(env.app.routes, 'DELETE', '/api/images/x')?.responses ?? {})).toEqual(expect.arrayContaining(['204', '404', '409', '503']));
  });

  it('declares the auth hook\'s refusals: 401 and 429 wherever a token is needed, 403 where an operator\'s is', () => {
    const codes = (method: string, path: string) => Object.keys(findRoute(env.app.routes, method, path)?.responses ?? {});
    expect(codes('GET', '/api/runs')).toEqual(expect.arrayContaining(['401', '429']));
    expect(codes('GET', '/api/runs')).not.toContain('403');
    expect(codes('POST', '/api/runs')).toEqual(expect.arrayContaining(['401', '403', '429']));
    expect(codes('GET', '/api/audit')).toEqual(expect.arrayContaining(['401', '403', '429']));
    expect(codes('GET', '/api/health')).not.toContain('401');
  });

  it('declares the body parser\'s refusals on every route of a method with a body, one that takes none included', async () => {
    const run = (await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } })).body;
    const wrongType = await call(env, 'POST', `/api/runs/${run.id}/pause`, { body: '<pause/>', contentType: 'application/xml' });
    expect(wrongType.status).toBe(415);
    const tooLarge = await call(env, 'DELETE', '/api/images/no-such-image', { body: { pad: 'x'.repeat(1024 * 1024) } });
    expect(tooLarge.status).toBe(413);
    const notJson = await call(env, 'POST', `/api/runs/${run.id}/resume`, { body: '{', contentType: 'application/json' });
    expect(notJson.status).toBe(400);
  });

  it('passes an answer that matches', () => {
    expect(responseProblems(env.app.routes, answer(`/api/images/${env.image.id}`, image))).toEqual([]);
    expect(responseProblems(env.app.routes, answer('/api/images/nope', { error: { code: 'NOT_FOUND', message: 'no image' } }, 404))).toEqual([]);
  });

  it('fails a body with a wrong type, a missing property or one the schema does not name', () => {
    const wrongType = responseProblems(env.app.routes, answer(`/api/images/${env.image.id}`, { ...image, sizeBytes: 'big' }));
    expect(wrongType.join()).toMatch(/\/sizeBytes must be number/);
    const { sha256: _sha, ...missing } = image;
    expect(responseProblems(env.app.routes, answer(`/api/images/${env.image.id}`, missing)).join()).toMatch(/sha256/);
    const extra = responseProblems(env.app.routes, answer('/api/images', [{ ...image, secret: 1 }]));
    expect(extra.join()).toMatch(/additional properties.*secret/);
    expect(() => assertDeclaredResponse(env.app.routes, answer('/api/images', [{ ...image, secret: 1 }]))).toThrow(/not what the OpenAPI document declares/);
  });

  it('fails a status the route does not declare, and a body where none is declared', () => {
    expect(responseProblems(env.app.routes, answer(`/api/images/${env.image.id}`, image, 201)).join()).toMatch(/status 201 is not among/);
    expect(responseProblems(env.app.routes, answer(`/api/images/${env.image.id}`, image, 204, 'DELETE')).join()).toMatch(/a body was sent where none is declared/);
  });
});
