import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

describe('images', () => {
  it('lists and gets images', async () => {
    const list = await call(env, 'GET', '/api/images', { token: VIEWER });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({
      id: env.image.id, name: 'Test image', format: 'iso', sha256: env.image.sha256, volumeLabel: 'SMALL', mediaClass: 'cd',
      inUse: false, damaged: false, damage: [], provenance: { kind: 'imported' },
    });
    expect(list.body[0].filesystems).toContain('iso9660');
    expect(list.body[0].tracks).toEqual([{ number: 1, mode: 'MODE1/2048', startSector: 0, sectors: expect.any(Number), pregapSectors: 0 }]);
    expect((await call(env, 'GET', `/api/images/${env.image.id}`)).body.id).toBe(env.image.id);
  });

  it('imports from a path inside the import root', async () => {
    const res = await call(env, 'POST', '/api/images/import', { body: { path: 'big.iso', name: 'Big one' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'Big one', volumeLabel: 'BIG', provenance: { kind: 'imported' } });
    expect(res.body.sameContentAs).toBeUndefined();
    // Imported again: added, and the answer names the image already held.
    const again = await call(env, 'POST', '/api/images/import', { body: { path: 'big.iso', name: 'Big again' } });
    expect(again.status, again.text).toBe(201);
    expect(again.body.sameContentAs).toEqual([{ id: res.body.id, name: 'Big one' }]);
    expect((await call(env, 'DELETE', `/api/images/${again.body.id}`)).status).toBe(204);
  });

  it('takes a streamed upload, renames it and deletes it, all audited', async () => {
    const bytes = readFileSync(env.isoSmall);
    const up = await call(env, 'POST', '/api/images/upload?name=Uploaded&fileName=small.iso', { body: bytes, contentType: 'application/octet-stream' });
    expect(up.status, up.text).toBe(201);
    // The same content as the test image: the answer says so, and names it.
    expect(up.body.sameContentAs).toEqual([{ id: env.image.id, name: 'Test image' }]);
    expect(up.body).toMatchObject({ name: 'Uploaded', sizeBytes: bytes.length, provenance: { kind: 'uploaded', detail: 'small.iso' } });
    const id = up.body.id as string;
    const renamed = await call(env, 'PATCH', `/api/images/${id}`, { body: { name: 'Renamed' } });
    expect(renamed.body.name).toBe('Renamed');
    expect(env.library.get(id)?.name).toBe('Renamed');
    const del = await call(env, 'DELETE', `/api/images/${id}`);
    expect(del.status).toBe(204);
    expect(env.library.get(id)).toBeUndefined();
    const audit = (await call(env, 'GET', '/api/audit?limit=3')).body.map((e: { action: string; who: string }) => `${e.action}:${e.who}`);
    expect(audit).toEqual(['image.delete:olga', 'image.rename:olga', 'image.upload:olga']);
  });

  it('refuses an upload sent as JSON', async () => {
    const res = await call(env, 'POST', '/api/images/upload', { body: { data: 'x' } });
    expect(res.status).toBe(415);
  });
});
