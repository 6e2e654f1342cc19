import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../src/shared/api-types.js';
import { seedRunHistory } from './run-history.js';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
/** Ids newest first. */
let finished: string[] = [];
let active: string[] = [];

beforeAll(async () => {
  env = await startEnv();
  // 25 finished runs, then 7 queued ones, all created 1 ms apart.
  const ids = await seedRunHistory(env, { prefix: 'page', finished: 25, active: 7, base: 1_700_000_000_000 });
  finished = ids.slice(0, 25).reverse();
  active = ids.slice(25).reverse();
});
afterAll(async () => env?.stop());

const ids = (body: RunView[]): string[] => body.map((r) => r.id);

describe('GET /api/runs paging', () => {
  it('lists every run, newest first, without paging parameters, with the total in X-Total-Count', async () => {
    const res = await call<RunView[]>(env, 'GET', '/api/runs', { token: VIEWER });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body)).toEqual([...active, ...finished]);
    expect(res.headers.get('x-total-count')).toBe('32');
    expect(res.body[0]).toMatchObject({ id: active[0], status: 'queued', imageName: 'Test image', createdBy: 'olga' });
  });

  it('pages the finished runs with offset and limit, and the pages add up to them all', async () => {
    const pages: string[] = [];
    for (let offset = 0; offset < 30; offset += 10) {
      const res = await call<RunView[]>(env, 'GET', `/api/runs?status=finished&limit=10&offset=${offset}`, { token: VIEWER });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('x-total-count')).toBe('25');
      expect(res.body.length).toBe(offset < 20 ? 10 : 5);
      expect(res.body.every((r) => ['completed', 'cancelled', 'failed'].includes(r.status))).toBe(true);
      pages.push(...ids(res.body));
    }
    expect(pages).toEqual(finished);
  });

  it('gives the active runs alone, and an empty page past the end', async () => {
    const res = await call<RunView[]>(env, 'GET', '/api/runs?status=active', { token: VIEWER });
    expect(ids(res.body)).toEqual(active);
    expect(res.headers.get('x-total-count')).toBe('7');
    const past = await call<RunView[]>(env, 'GET', '/api/runs?limit=5&offset=100', { token: VIEWER });
    expect(past.status).toBe(200);
    expect(past.body).toEqual([]);
    expect(past.headers.get('x-total-count')).toBe('32');
  });

  it.each([
    ['limit=0', /limit/],
    ['limit=1001', /limit/],
    ['limit=ten', /limit/],
    ['offset=-1', /offset/],
    ['status=done', /status/],
    ['page=2', /page|additional/i],
  ])('refuses %s with 400', async (query, message) => {
    const res = await call(env, 'GET', `/api/runs?${query}`, { token: VIEWER });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
    expect(`${res.body.error.field ?? ''} ${res.body.error.message}`).toMatch(message);
  });
});
