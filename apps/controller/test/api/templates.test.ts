/**
 * Run templates and "run again" through the API: a template's run is
 * created with exactly the settings it was saved with (and the overrides
 * given), a finished run run again with exactly its own; an active run is
 * refused; viewers read, operators write; the routes are in the OpenAPI
 * document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '@tower/jobs';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

/** What of a stored run a template or a run again decides. */
function settingsOf(run: RunRecord | null): Record<string, unknown> {
  if (run === null) throw new Error('no such run');
  return {
    imageId: run.imageId, copies: run.copies, verify: run.verify, speed: run.speed, priority: run.priority, dummyFirst: run.dummyFirst,
    allowedDrives: run.allowedDrives, maxAttemptsPerCopy: run.maxAttemptsPerCopy, mediaClass: run.mediaClass,
  };
}

const SAVED = {
  copies: 7, verify: { everyNth: 3 }, speed: 12, dummyFirst: true, priority: 42, label: 'Order 17', maxAttemptsPerCopy: 5, media: 'dvd',
};

describe('run templates', () => {
  it('saves, lists, shows and deletes a template; a viewer reads but may not write', async () => {
    const saved = await call(env, 'PUT', '/api/templates/order-17', { body: { imageId: env.image.id, ...SAVED } });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body).toMatchObject({ name: 'order-17', imageId: env.image.id, imageName: 'Test image', ...SAVED, updatedBy: 'olga' });
    const replaced = await call(env, 'PUT', '/api/templates/order-17', { body: { imageId: env.image.id, ...SAVED, copies: 8 } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body.createdAt).toBe(saved.body.createdAt);
    expect((await call(env, 'GET', '/api/templates/order-17', { token: VIEWER })).body.copies).toBe(8);
    // The image may be named by a unique prefix of its id, as for a run.
    const short = await call(env, 'PUT', '/api/templates/short-id', { body: { imageId: env.image.id.slice(0, 8), copies: 1 } });
    expect(short.status, short.text).toBe(201);
    expect(short.body.imageId).toBe(env.image.id);
    expect((await call(env, 'GET', '/api/templates', { token: VIEWER })).body.map((t: { name: string }) => t.name)).toContain('order-17');
    expect((await call(env, 'PUT', '/api/templates/x1', { token: VIEWER, body: { imageId: env.image.id, copies: 1 } })).status).toBe(403);
    expect((await call(env, 'DELETE', '/api/templates/order-17', { token: VIEWER })).status).toBe(403);
    expect((await call(env, 'DELETE', '/api/templates/order-17')).status).toBe(204);
    expect((await call(env, 'GET', '/api/templates/order-17')).status).toBe(404);
    expect((await call(env, 'DELETE', '/api/templates/order-17')).status).toBe(404);
  });

  it('starts a run with exactly the saved settings, and with the overrides given', async () => {
    expect((await call(env, 'PUT', '/api/templates/std', { body: { imageId: env.image.id, ...SAVED } })).status).toBe(201);
    const run = await call(env, 'POST', '/api/templates/std/run');
    expect(run.status, run.text).toBe(201);
    expect(run.body).toMatchObject({ imageId: env.image.id, copies: 7, label: 'Order 17', priority: 42, speed: 12, mediaClass: 'dvd' });
    expect(settingsOf(await env.runStore.getRun(run.body.id))).toEqual({
      imageId: env.image.id, copies: 7, verify: { mode: 'every-nth', n: 3 }, speed: 12, priority: 42, dummyFirst: true,
      allowedDrives: undefined, maxAttemptsPerCopy: 5, mediaClass: 'dvd',
    });
    const changed = await call(env, 'POST', '/api/templates/std/run', { body: { copies: 2, verify: 'off', label: 'reprint' } });
    expect(changed.status, changed.text).toBe(201);
    expect(settingsOf(await env.runStore.getRun(changed.body.id))).toMatchObject({ copies: 2, verify: { mode: 'off' }, speed: 12, priority: 42 });
    expect(changed.body.label).toBe('reprint');
    expect((await call(env, 'POST', '/api/templates/nope/run')).status).toBe(404);
    expect((await call(env, 'POST', '/api/templates/std/run', { token: VIEWER })).status).toBe(403);
  });
});

describe('run again', () => {
  it('creates a new run with a finished run\'s own settings, and refuses an active run', async () => {
    const first = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, ...SAVED, verify: 'first-per-drive' } });
    expect(first.status, first.text).toBe(201);
    const active = await call(env, 'POST', `/api/runs/${first.body.id}/again`);
    expect(active.status, active.text).toBe(409);
    expect(active.body.error.code).toBe('RUN_NOT_FINISHED');
    expect((await call(env, 'POST', `/api/runs/${first.body.id}/cancel`)).status).toBe(200);
    const again = await call(env, 'POST', `/api/runs/${first.body.id}/again`);
    expect(again.status, again.text).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.body.label).toBe('Order 17');
    expect(settingsOf(await env.runStore.getRun(again.body.id))).toEqual(settingsOf(await env.runStore.getRun(first.body.id)));
    expect((await call(env, 'POST', '/api/runs/no-such-run/again')).status).toBe(404);
    expect((await call(env, 'POST', `/api/runs/${first.body.id}/again`, { token: VIEWER })).status).toBe(403);
  });

  it('is in the OpenAPI document with the template routes', async () => {
    const doc = await call(env, 'GET', '/api/openapi.json', { token: null });
    const paths = Object.keys(doc.body.paths);
    for (const p of ['/api/templates', '/api/templates/{name}', '/api/templates/{name}/run', '/api/runs/{id}/again']) expect(paths).toContain(p);
    expect(doc.body.paths['/api/templates/{name}'].put.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });
});
