/**
 * Issue 14, CD images stored as a CHD, through the API: `POST
 * /api/images/:id/compress?as=chd` (a CUE image, or an ISO that fits a CD;
 * an ISO larger than a CD refused with 400),
 * the space saved in the view, a run carrying the CHD and the image's BIN
 * list for the agents, and `/decompress` back. Real chdman, real Redis.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoTrackDisc } from '../../../../jobs/test/support/stored-chd.js';
import { adoptIsoLargerThanCd } from '../support/larger-than-cd-iso.js';
import { call, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

describe('store a CD image as a CHD', () => {
  it('stores it as a CHD, runs it from the CHD, makes it plain again; refuses bad forms', async () => {
    const disc = twoTrackDisc(path.join(env.importRoot, 'chd-api'), 'mixed');
    const imported = await call(env, 'POST', '/api/images/import', { body: { path: disc.cue } });
    expect(imported.status, imported.text).toBe(201);
    const id = imported.body.id as string;
    const packed = await call(env, 'POST', `/api/images/${id}/compress?as=chd`);
    expect(packed.status, packed.text).toBe(200);
    expect(packed.body).toMatchObject({ id, format: 'cue', sha256: imported.body.sha256, storage: { compression: 'chd' } });
    expect(packed.body.storage.storedBytes + packed.body.storage.savedBytes).toBe(imported.body.sizeBytes);
    expect(packed.body.storage.savedBytes).toBeGreaterThan(0);
    expect(existsSync(path.join(env.library.dir, `${id}.chd`))).toBe(true);

    const withCdText = await call(env, 'POST', '/api/runs', { body: { imageId: id, copies: 1, cdText: { disc: { title: 'T' } } } });
    expect(withCdText.status, withCdText.text).toBe(422);
    expect(withCdText.body.error.message).toMatch(/is stored as a CHD: a run's own CD-TEXT .* decompress it first/);
    const made = await call(env, 'POST', '/api/runs', { body: { imageId: id, copies: 1 } });
    expect(made.status, made.text).toBe(201);
    const run = await env.runStore.getRun(made.body.id as string);
    expect(run?.image).toMatchObject({ format: 'cue', path: env.library.imagePath(id), stored: { compression: 'chd', path: path.join(env.library.dir, `${id}.chd`) } });
    expect(run?.image.stored?.bins?.map((b) => b.name)).toEqual([`${id}-01.bin`, `${id}-02.bin`]);
    expect((await call(env, 'POST', `/api/runs/${made.body.id as string}/cancel`, { body: {} })).status).toBe(200);

    expect((await call(env, 'POST', `/api/images/${env.image.id}/compress?as=rar`)).status).toBe(400);
    expect((await call(env, 'POST', `/api/images/${id}/decompress?as=chd`)).status).toBe(400);

    const plain = await call(env, 'POST', `/api/images/${id}/decompress`);
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.storage).toEqual({ compression: 'plain', storedBytes: imported.body.sizeBytes, savedBytes: 0 });
    expect(existsSync(path.join(env.library.dir, `${id}-02.bin`))).toBe(true);
    expect(existsSync(path.join(env.library.dir, `${id}.chd`))).toBe(false);
  });

  it('stores an ISO that fits a CD as a CHD and back; refuses one larger than any CD with its size and the capacity', async () => {
    const id = env.image.id;
    const packed = await call(env, 'POST', `/api/images/${id}/compress?as=chd`);
    expect(packed.status, packed.text).toBe(200);
    expect(packed.body).toMatchObject({ id, format: 'iso', sha256: env.image.sha256, storage: { compression: 'chd' } });
    expect(packed.body.storage.storedBytes + packed.body.storage.savedBytes).toBe(env.image.sizeBytes);
    expect(existsSync(path.join(env.library.dir, env.image.imageFile))).toBe(false);
    const made = await call(env, 'POST', '/api/runs', { body: { imageId: id, copies: 1 } });
    expect(made.status, made.text).toBe(201);
    const run = await env.runStore.getRun(made.body.id as string);
    expect(run?.image).toMatchObject({ format: 'iso', stored: { compression: 'chd', path: path.join(env.library.dir, `${id}.chd`), bins: [{ name: env.image.imageFile, bytes: env.image.sizeBytes, sha256: env.image.sha256 }] } });
    expect((await call(env, 'POST', `/api/runs/${made.body.id as string}/cancel`, { body: {} })).status).toBe(200);
    const plain = await call(env, 'POST', `/api/images/${id}/decompress`);
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.storage).toEqual({ compression: 'plain', storedBytes: env.image.sizeBytes, savedBytes: 0 });
    expect(existsSync(path.join(env.library.dir, `${id}.chd`))).toBe(false);

    const big = await adoptIsoLargerThanCd(env.library);
    const refused = await call(env, 'POST', `/api/images/${big.id}/compress?as=chd`);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'LIBRARY_BAD_REQUEST' });
    expect(refused.body.error.message).toMatch(/is an ISO of 829442048 bytes \(405001 sectors\), more than a CD holds \(CD 800 MB \(90 min\): 829440000 bytes, 405000 sectors\): CHD stores CD images only/);
    expect((await call(env, 'GET', `/api/images/${big.id}`)).body.storage.compression).toBe('plain');
  });
});
