/**
 * Short ids: a unique prefix of a run's or an image's id works wherever the
 * id does (the CLI and the UI show 8 characters); an ambiguous one is
 * refused with the ids it could mean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveIdPrefix } from '../../src/api/id-prefixes.js';
import { call, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

describe('short ids', () => {
  it('resolves a unique prefix, keeps an exact id, refuses an ambiguous one, leaves an unknown one to 404', () => {
    const ids = ['874bddfd-1111', '874bddfe-2222', 'a0000000-3333'];
    expect(resolveIdPrefix('run', 'id', '874bddfd', ids)).toBe('874bddfd-1111');
    expect(resolveIdPrefix('run', 'id', 'a000', ids)).toBe('a0000000-3333');
    expect(resolveIdPrefix('run', 'id', 'a0000000-3333', ids)).toBe('a0000000-3333');
    expect(() => resolveIdPrefix('run', 'id', '874b', ids)).toThrow(/run id "874b" is ambiguous: it starts 2 run ids \(874bddfd-1111, 874bddfe-2222\); give more of it/);
    expect(resolveIdPrefix('run', 'id', 'ffff', ids)).toBe('ffff');
    // Too short to be taken as a prefix.
    expect(resolveIdPrefix('run', 'id', 'a0', ids)).toBe('a0');
  });

  it('takes a run\'s 8-character id on its routes, in the history, and an image\'s prefix for a new run', async () => {
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id.slice(0, 8), copies: 1 } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect(created.body.imageId).toBe(env.image.id);
    const short = id.slice(0, 8);
    const shown = await call(env, 'GET', `/api/runs/${short}`);
    expect(shown.status).toBe(200);
    expect(shown.body.id).toBe(id);
    expect((await call(env, 'GET', `/api/history?runId=${short}`)).status).toBe(200);
    expect((await call(env, 'GET', `/api/images/${env.image.id.slice(0, 8)}`)).body.id).toBe(env.image.id);
    const cancelled = await call(env, 'POST', `/api/runs/${short}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });
    expect((await call(env, 'GET', '/api/runs/ffffffff')).status).toBe(404);
  });
});
