/**
 * Templates of collated set runs and of runs with serials (issue 15): a
 * template saves `set` and `merge`, checked when saved as a run would be
 * (each disc's image known, serials or CSV rows one per set), and its run
 * has exactly the saved set and serials; "run again" of a set run with
 * serials keeps both. Refused saves change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
let disc2 = '';
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  disc2 = (await env.library.importFromPath(env.isoBig, { name: 'Disc 2' })).id;
});
afterAll(async () => env?.stop());

describe('templates of set runs and serials', () => {
  it('saves a set with serials, and its run has exactly that set and those serials', async () => {
    const body = { imageId: env.image.id, copies: 3, set: { imageIds: [env.image.id, disc2] }, merge: { serials: { first: 41, last: 43, pad: 4, prefix: 'SN-' } }, label: 'Box sets' };
    const saved = await call(env, 'PUT', '/api/templates/box-sets', { body });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body).toMatchObject({ name: 'box-sets', ...body });

    const run = await call(env, 'POST', '/api/templates/box-sets/run');
    expect(run.status, run.text).toBe(201);
    expect(run.body).toMatchObject({ copies: 6, label: 'Box sets', merge: 'serials SN-0041 to SN-0043 in /SERIAL.TXT', set: { discs: 2, sets: 3, imageIds: [env.image.id, disc2] } });
    const stored = await env.runStore.getRun(run.body.id);
    expect(stored?.set?.imageIds).toEqual([env.image.id, disc2]);
    expect(stored?.merge).toEqual({ kind: 'serials', first: 41, pad: 4, prefix: 'SN-', file: '/SERIAL.TXT' });

    // Run again keeps the set and its serials, one per set.
    expect((await call(env, 'POST', `/api/runs/${run.body.id}/cancel`)).status).toBe(200);
    const again = await call(env, 'POST', `/api/runs/${run.body.id}/again`);
    expect(again.status, again.text).toBe(201);
    expect(again.body).toMatchObject({ copies: 6, merge: 'serials SN-0041 to SN-0043 in /SERIAL.TXT', set: { discs: 2, sets: 3, imageIds: [env.image.id, disc2] } });
  });

  it('starts a set template with other copies as that many sets (serials without a last follow them)', async () => {
    const saved = await call(env, 'PUT', '/api/templates/pairs', { body: { imageId: env.image.id, copies: 2, set: { imageIds: [env.image.id, disc2] }, merge: { serials: { first: 7 } } } });
    expect(saved.status, saved.text).toBe(201);
    const run = await call(env, 'POST', '/api/templates/pairs/run', { body: { copies: 4 } });
    expect(run.status, run.text).toBe(201);
    expect(run.body).toMatchObject({ copies: 8, merge: 'serials 7 to 10 in /SERIAL.TXT', set: { discs: 2, sets: 4 } });
  });

  it('saves a plain template with serials, and its run has them', async () => {
    const saved = await call(env, 'PUT', '/api/templates/numbered', { body: { imageId: env.image.id, copies: 4, merge: { serials: { first: 100, last: 103 } } } });
    expect(saved.status, saved.text).toBe(201);
    const run = await call(env, 'POST', '/api/templates/numbered/run');
    expect(run.status, run.text).toBe(201);
    expect(run.body).toMatchObject({ copies: 4, merge: 'serials 100 to 103 in /SERIAL.TXT' });
    expect(run.body.set).toBeUndefined();
  });

  it.each<{ name: string; set?: string[]; merge?: unknown; extra?: Record<string, unknown>; status: number; field?: string; message?: RegExp }>([
    { name: 'an unknown disc', set: ['no-such-image'], status: 404, field: 'set.imageIds[1]', message: /no-such-image/ },
    { name: 'serials not one per set', merge: { serials: { first: 1, last: 6 } }, status: 400, field: 'merge.serials.last', message: /serials 1-6 are not one per set \(3 sets\)/ },
    { name: 'CSV rows not one per set', merge: { csv: 'name,text:/N.TXT\nAda,a\nAlan,b\n' }, status: 400, field: 'copies', message: /the merge CSV has 2 rows, one per set: copies must be 2, not 3/ },
    { name: 'a set with an unknown field', extra: { set: { imageIds: [], sets: 3 } }, status: 400 },
  ])('refuses $name, saving nothing', async (c) => {
    const body = {
      imageId: env.image.id, copies: 3, set: { imageIds: [env.image.id, ...(c.set ?? [disc2])] },
      ...(c.merge === undefined ? {} : { merge: c.merge }), ...(c.extra ?? {}),
    };
    const res = await call(env, 'PUT', '/api/templates/refused', { body });
    expect(res.status, res.text).toBe(c.status);
    if (c.field !== undefined) expect(res.body.error.field).toBe(c.field);
    if (c.message !== undefined) expect(res.body.error.message).toMatch(c.message);
    expect((await call(env, 'GET', '/api/templates/refused')).status).toBe(404);
  });

  it('refuses a set of more than 10000 discs when saved', async () => {
    const res = await call(env, 'PUT', '/api/templates/huge', { body: { imageId: env.image.id, copies: 4000, set: { imageIds: [env.image.id, disc2, disc2] } } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.message).toMatch(/12000 discs/);
  });
});
