/**
 * Converted images through the API: `POST /api/images/import` and
 * `/api/images/upload` take `keepOriginal`, and the image view names the
 * file a burn writes (`burnFile`), the originals kept beside it
 * (`keptOriginals`, never burned) and what it was converted from with the
 * proof. A mixed-mode NRG becomes a CUE image; a keepOriginal that is not a
 * boolean is a 400 with nothing added.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNrg } from '../../../../drivers/test/support/nrg-images.js';
import { call, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
  const iso = readFileSync(env.isoSmall);
  writeFileSync(path.join(env.importRoot, 'mixed.nrg'), makeNrg([{ data: iso }, { data: Buffer.alloc(2352 * 75, 3), modeCode: 0x07, sectorBytes: 2352 }], { version: 2, writing: 'tao' }));
});
afterAll(async () => env?.stop());

describe('converted images and their originals', () => {
  it('imports a mixed-mode NRG as a CUE image, keeping the original when asked', async () => {
    const kept = await call(env, 'POST', '/api/images/import', { body: { path: 'mixed.nrg', name: 'Mixed', keepOriginal: true } });
    expect(kept.status, kept.text).toBe(201);
    const id = kept.body.id as string;
    expect(kept.body).toMatchObject({ format: 'cue', burnFile: `${id}.cue`, keptOriginals: [`${id}.nrg`], conversion: { from: 'nrg' } });
    expect(kept.body.tracks.map((t: { mode: string }) => t.mode)).toEqual(['MODE1/2048', 'AUDIO']);
    expect(kept.body.conversion.proof).toMatch(/^NRG v2 ETN2 chunk: 2 track\(s\)/);
    expect((await call(env, 'GET', `/api/images/${id}`)).body).toMatchObject({ burnFile: `${id}.cue`, keptOriginals: [`${id}.nrg`] });
    const plain = await call(env, 'POST', '/api/images/import', { body: { path: 'mixed.nrg', keepOriginal: false } });
    expect(plain.status, plain.text).toBe(201);
    expect(plain.body).toMatchObject({ burnFile: `${plain.body.id}.cue`, keptOriginals: [], conversion: { from: 'nrg' } });
    // An image that was not converted: the file burned, nothing kept, no conversion.
    expect((await call(env, 'GET', `/api/images/${env.image.id}`)).body).toMatchObject({ burnFile: `${env.image.id}.iso`, keptOriginals: [], conversion: null });
  });

  it('an upload takes keepOriginal=true in its query', async () => {
    const gz = spawnSync('gzip', ['-c'], { input: readFileSync(env.isoSmall) }).stdout;
    const up = await call(env, 'POST', '/api/images/upload?name=Zipped&fileName=small.iso.gz&keepOriginal=true', { body: gz, contentType: 'application/octet-stream' });
    expect(up.status, up.text).toBe(201);
    expect(up.body).toMatchObject({ format: 'iso', burnFile: `${up.body.id}.iso`, keptOriginals: [`${up.body.id}.iso.gz`], conversion: { from: 'gzip' } });
  });

  it.each([
    ['import', () => call(env, 'POST', '/api/images/import', { body: { path: 'mixed.nrg', keepOriginal: 'yes' } })],
    ['upload', () => call(env, 'POST', '/api/images/upload?keepOriginal=maybe', { body: Buffer.alloc(16), contentType: 'application/octet-stream' })],
  ])('%s with a keepOriginal that is not a boolean: 400, nothing added', async (_what, send) => {
    const before = env.library.list().length;
    const res = await send();
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'keepOriginal' });
    expect(res.body.error.message).toMatch(/keepOriginal/);
    expect(env.library.list().length).toBe(before);
  });
});
