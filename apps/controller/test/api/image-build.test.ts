/**
 * `POST /api/images/build` and the build's progress: a folder inside the
 * import root built into the library (202, then followed to its image),
 * operator only, one build at a time, refusals (capacity, outside the roots)
 * answered before anything is built, unknown and malformed build ids.
 */
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
  const dir = path.join(env.importRoot, 'disc-files');
  mkdirSync(path.join(dir, 'docs'), { recursive: true });
  writeFileSync(path.join(dir, 'docs', 'read me – ünïcödé.txt'), 'hello\n');
  writeFileSync(path.join(dir, 'data.bin'), '');
  truncateSync(path.join(dir, 'data.bin'), 20 * 1024 * 1024);
  const big = path.join(env.importRoot, 'too-big-for-cd');
  mkdirSync(big);
  writeFileSync(path.join(big, 'big.bin'), '');
  truncateSync(path.join(big, 'big.bin'), 900 * 1000 ** 2);
});
afterAll(async () => env?.stop());

async function finished(id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const res = await call(env, 'GET', `/api/image-builds/${id}`, { token: VIEWER });
    expect(res.status).toBe(200);
    if (res.body.status !== 'building') return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('image builds', () => {
  it('builds a folder into the library and reports progress and the image', { timeout: 60_000 }, async () => {
    const res = await call(env, 'POST', '/api/images/build', { body: { folder: 'disc-files', name: 'Disc files', joliet: true, rockRidge: true, media: 'cd' } });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ folder: 'disc-files', name: 'Disc files', joliet: true, rockRidge: true, udf: false, boot: null, media: 'cd', status: 'building', imageId: null });
    expect(res.body.estimatedBytes).toBeGreaterThan(20 * 1024 * 1024);
    const again = await call(env, 'POST', '/api/images/build', { body: { folder: 'disc-files', name: 'Second' } });
    expect([409, 202]).toContain(again.status);
    if (again.status === 409) expect(again.body.error.code, again.text).toBe('BUILD_BUSY');
    const done = await finished(res.body.id);
    expect(done).toMatchObject({ status: 'done', percent: 100, error: null });
    const image = await call(env, 'GET', `/api/images/${String(done.imageId)}`);
    expect(image.status).toBe(200);
    expect(image.body).toMatchObject({ name: 'Disc files', format: 'iso', volumeLabel: 'DISC_FILES', mediaClass: 'cd', provenance: { kind: 'built' } });
    expect(image.body.filesystems).toEqual(expect.arrayContaining(['iso9660', 'joliet', 'rockRidge']));
    expect(image.body.provenance.detail).toMatch(/disc-files$/);
    const list = await call(env, 'GET', '/api/image-builds', { token: VIEWER });
    expect(list.body.map((b: { id: string }) => b.id)).toContain(res.body.id);
    const audit = await call(env, 'GET', '/api/audit');
    expect(audit.body.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['image.build', 'image.build.done']));
    if (again.status === 202) await finished(again.body.id);
  });

  it('refuses before building: too large for the media, outside the roots, a viewer', async () => {
    const before = (await call(env, 'GET', '/api/images')).body.length;
    const big = await call(env, 'POST', '/api/images/build', { body: { folder: 'too-big-for-cd', name: 'Big', media: 'cd' } });
    expect(big.status).toBe(422);
    expect(big.body.error.code).toBe('BUILD_TOO_LARGE_FOR_MEDIA');
    const out = await call(env, 'POST', '/api/images/build', { body: { folder: env.dir, name: 'Out' } });
    expect(out.status).toBe(400);
    expect(out.body.error.code).toBe('BUILD_FOLDER_REFUSED');
    const viewer = await call(env, 'POST', '/api/images/build', { token: VIEWER, body: { folder: 'disc-files', name: 'V' } });
    expect(viewer.status).toBe(403);
    expect((await call(env, 'GET', '/api/images')).body.length).toBe(before);
  });

  it('answers 404 for an unknown build and 400 for a malformed id', async () => {
    expect((await call(env, 'GET', '/api/image-builds/bld-000000000000')).status).toBe(404);
    expect((await call(env, 'GET', '/api/image-builds/nope')).status).toBe(400);
  });
});
