/**
 * Idempotency-Key on the API's changing routes: a retry with the same key
 * and request gets the first answer again (Idempotent-Replayed: true) and
 * changes nothing; the same key with another request is refused (422); a
 * malformed key is refused (400); concurrent requests with one key run once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDeclaredResponse } from './response-check.js';
import { OPERATOR, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
});
afterAll(async () => env?.stop());

interface Sent {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly replayed: string | null;
}

async function send(method: string, route: string, key: string | null, body?: unknown): Promise<Sent> {
  const headers: Record<string, string> = { authorization: `Bearer ${OPERATOR}` };
  if (key !== null) headers['idempotency-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${env.url}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  assertDeclaredResponse(env.app.routes, { method, path: route, status: res.status, contentType: res.headers.get('content-type') ?? '', text });
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), replayed: res.headers.get('idempotent-replayed') };
}

const runBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ imageId: env.image.id, copies: 2, ...extra });

describe('Idempotency-Key', () => {
  it('a retry with the same key and body gets the same run, created once', async () => {
    const before = (await env.runStore.listRunIds()).length;
    const first = await send('POST', '/api/runs', 'run-key-1', runBody({ label: 'once' }));
    expect(first.status).toBe(201);
    expect(first.replayed).toBeNull();
    const second = await send('POST', '/api/runs', 'run-key-1', runBody({ label: 'once' }));
    expect(second.status).toBe(201);
    expect(second.replayed).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((await env.runStore.listRunIds()).length).toBe(before + 1);
    // The answer is kept a day.
    const keys = await env.redis.keys('tower:idempotency:*');
    const ttls = await Promise.all(keys.map((k) => env.redis.pttl(k)));
    expect(Math.max(...ttls)).toBeGreaterThan(23 * 3600_000);
  });

  it('the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing done', async () => {
    const first = await send('POST', '/api/runs', 'run-key-2', runBody());
    expect(first.status).toBe(201);
    const before = await env.runStore.listRunIds();
    const other = await send('POST', '/api/runs', 'run-key-2', runBody({ copies: 3 }));
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(other.body.error.message).toMatch(/use a new key/);
    expect(await env.runStore.listRunIds()).toEqual(before);
  });

  it('a key belongs to one route: the same key elsewhere is another request', async () => {
    const run = await send('POST', '/api/runs', 'shared-key', runBody());
    expect(run.status).toBe(201);
    const pause = await send('POST', `/api/runs/${run.body.id as string}/pause`, 'shared-key');
    expect(pause.status).toBe(200);
    expect(pause.replayed).toBeNull();
    expect(pause.body.status).toBe('paused');
  });

  it('a refusal is an answer too: replayed, not run again', async () => {
    const first = await send('POST', '/api/runs/run-nope/resume', 'refused-key');
    expect(first.status).toBe(404);
    const again = await send('POST', '/api/runs/run-nope/resume', 'refused-key');
    expect(again.status).toBe(404);
    expect(again.replayed).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('a DELETE retried: 204 again, not 404', async () => {
    const extra = await env.library.importFromPath(env.isoBig, { name: 'to delete' });
    const first = await send('DELETE', `/api/images/${extra.id}`, 'delete-key');
    expect(first.status).toBe(204);
    expect(env.library.get(extra.id)).toBeUndefined();
    const again = await send('DELETE', `/api/images/${extra.id}`, 'delete-key');
    expect(again.status).toBe(204);
    expect(again.replayed).toBe('true');
    // Without the key, the retry is a new request.
    expect((await send('DELETE', `/api/images/${extra.id}`, null)).status).toBe(404);
  });

  it('concurrent requests with one key: one run; the others wait their turn (409) or get its answer', async () => {
    const before = (await env.runStore.listRunIds()).length;
    const all = await Promise.all(Array.from({ length: 5 }, () => send('POST', '/api/runs', 'race-key', runBody({ label: 'race' }))));
    expect(all.map((r) => r.status).every((s) => s === 201 || s === 409)).toBe(true);
    const created = all.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.id as string)).size).toBe(1);
    expect(all.filter((r) => r.status === 409).every((r) => r.body.error.code === 'IDEMPOTENCY_KEY_IN_USE')).toBe(true);
    expect((await env.runStore.listRunIds()).length).toBe(before + 1);
    const after = await send('POST', '/api/runs', 'race-key', runBody({ label: 'race' }));
    expect(after.status).toBe(201);
    expect(after.body.id).toBe(created[0]?.body.id);
  });

  it.each([
    ['101 characters', 'k'.repeat(101)],
    ['a space', 'two words'],
    ['a semicolon', 'a;b'],
    ['a slash', '../x'],
    ['an empty value', ''],
  ])('a key with %s: 400, nothing done', async (_what, key) => {
    const before = await env.runStore.listRunIds();
    const res = await send('POST', '/api/runs', key, runBody());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
    expect(res.body.error.field).toBe('Idempotency-Key');
    expect(res.body.error.message).toMatch(/Idempotency-Key must be 1\.\.100/);
    expect(await env.runStore.listRunIds()).toEqual(before);
  });

  it('the OpenAPI document names the header on changing routes, and the 503', async () => {
    const res = await fetch(`${env.url}/api/openapi.json`);
    const docs = (await res.json()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };
    const create = docs.paths['/api/runs']?.post;
    expect(create?.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['201', '409', '422', '503']));
    expect(docs.paths['/api/runs']?.get?.parameters?.some((p) => p.name === 'idempotency-key') ?? false).toBe(false);
    expect(Object.keys(docs.paths['/api/runs']?.get?.responses ?? {})).toContain('503');
  });
});
