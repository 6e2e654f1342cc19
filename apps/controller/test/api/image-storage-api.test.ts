/**
 * Issue 14, compressed library, through the API: `POST /api/images/:id/compress`
 * and `/decompress`, the image's `storage` in its view, a run of a compressed
 * image carrying the stored file for the agents, and the change refused (409)
 * while an unfinished run uses the image. Real zstd, real Redis.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

describe('compress and decompress an image', () => {
  it('stores it compressed, runs it from the stored file, refuses a change while the run is unfinished', async () => {
    const id = env.image.id;
    const packed = await call(env, 'POST', `/api/images/${id}/compress`);
    expect(packed.status, packed.text).toBe(200);
    expect(packed.body).toMatchObject({ id, sha256: env.image.sha256, sizeBytes: env.image.sizeBytes, storage: { compression: 'zstd' } });
    expect(packed.body.storage.storedBytes + packed.body.storage.savedBytes).toBe(env.image.sizeBytes);
    expect((await call(env, 'GET', `/api/images/${id}`)).body.storage).toEqual(packed.body.storage);
    expect(existsSync(env.library.imagePath(id))).toBe(false);

    const made = await call(env, 'POST', '/api/runs', { body: { imageId: id, copies: 1 } });
    expect(made.status, made.text).toBe(201);
    const run = await env.runStore.getRun(made.body.id as string);
    expect(run?.image).toMatchObject({ path: env.library.imagePath(id), sha256: env.image.sha256, stored: { compression: 'zstd', bytes: packed.body.storage.storedBytes } });
    expect(run?.image.stored?.path).toMatch(new RegExp(`${id}\\.iso\\.zst$`));

    const busy = await call(env, 'POST', `/api/images/${id}/decompress`);
    expect(busy.status, busy.text).toBe(409);
    expect(busy.body.error.code).toBe('IMAGE_IN_USE');

    expect((await call(env, 'POST', `/api/runs/${made.body.id as string}/cancel`, { body: {} })).status).toBe(200);
    const plain = await call(env, 'POST', `/api/images/${id}/decompress`);
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.storage).toEqual({ compression: 'plain', storedBytes: env.image.sizeBytes, savedBytes: 0 });
    expect(existsSync(env.library.imagePath(id))).toBe(true);
  });
});
