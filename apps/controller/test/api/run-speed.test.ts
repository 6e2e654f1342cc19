/** A run's view says the write speed it was created with (the run card and `tower runs show` show it). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

describe('a run’s speed', () => {
  it('is in the run’s view when asked for, and absent for the drives’ maximum', async () => {
    const slow = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, speed: 8 } });
    expect(slow.status, slow.text).toBe(201);
    expect(slow.body.speed).toBe(8);
    expect((await call(env, 'GET', `/api/runs/${slow.body.id}`, { token: VIEWER })).body.speed).toBe(8);
    const fast = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } });
    expect(fast.status, fast.text).toBe(201);
    expect(fast.body).not.toHaveProperty('speed');
    const list = await call(env, 'GET', '/api/runs', { token: VIEWER });
    expect(list.body.map((r: { id: string; speed?: number }) => [r.id, r.speed])).toEqual(expect.arrayContaining([[slow.body.id, 8], [fast.body.id, undefined]]));
  });
});
