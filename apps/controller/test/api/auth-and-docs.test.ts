import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

describe('health and OpenAPI', () => {
  it('answers health without a token', async () => {
    const res = await call(env, 'GET', '/api/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, redis: 'up', version: expect.any(String) });
    expect(res.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('serves an OpenAPI document listing the routes and their schemas', async () => {
    const res = await call(env, 'GET', '/api/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/api/health', '/api/whoami', '/api/drives', '/api/drives/{id}', '/api/drives/{id}/eject', '/api/drives/{id}/quarantine',
      '/api/drives/{id}/release', '/api/drives/{id}/loader/blanks', '/api/drives/{id}/loader/empty-rejects', '/api/agents', '/api/images', '/api/images/{id}', '/api/images/import', '/api/images/upload',
      '/api/masters', '/api/masters/{id}', '/api/runs', '/api/runs/{id}', '/api/runs/{id}/pause', '/api/runs/{id}/resume',
      '/api/runs/{id}/cancel', '/api/runs/{id}/report', '/api/history', '/api/stats/drives', '/api/audit',
    ]) expect(paths).toContain(p);
    const create = res.body.paths['/api/runs'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.properties.copies).toMatchObject({ type: 'integer', minimum: 1, maximum: 10000 });
    expect(schema.additionalProperties).toBe(false);
    expect(create.responses['201']).toBeDefined();
    expect(res.body.paths['/api/images/upload'].post.requestBody.content['application/octet-stream']).toBeDefined();
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('auth', () => {
  it('refuses a missing token with 401', async () => {
    const res = await call(env, 'GET', '/api/runs', { token: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    expect(res.body.error.message).toMatch(/token/);
  });

  it('refuses an unknown token with 401', async () => {
    const res = await call(env, 'GET', '/api/runs', { token: 'nope' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('lets a viewer read but not change anything (403)', async () => {
    expect((await call(env, 'GET', '/api/runs', { token: VIEWER })).status).toBe(200);
    const who = await call(env, 'GET', '/api/whoami', { token: VIEWER });
    expect(who.body).toEqual({ name: 'victor', role: 'viewer' });
    const res = await call(env, 'POST', '/api/runs', { token: VIEWER, body: { imageId: env.image.id, copies: 1 } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect((await call(env, 'GET', '/api/runs')).body).toEqual([]);
    // The audit log is for operators only.
    expect((await call(env, 'GET', '/api/audit', { token: VIEWER })).status).toBe(403);
  });

  it('lets an operator change things', async () => {
    const who = await call(env, 'GET', '/api/whoami', { token: OPERATOR });
    expect(who.body).toEqual({ name: 'olga', role: 'operator' });
    const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } });
    expect(res.status).toBe(201);
    expect(res.body.createdBy).toBe('olga');
  });

  it('answers unknown routes with 404 in the error format', async () => {
    const res = await call(env, 'GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
