/**
 * Bad input to collated set runs (`POST /api/runs` with `set.imageIds`,
 * issue 15): an empty set, unknown or malformed image ids, disc 1 not the
 * run's image, discs of different media classes, too many discs, serials or
 * CSV rows that are not one per set, serials on a CUE disc, a viewer. Each
 * gets a clear 4xx in the API's error format and changes nothing: runs, run meta, queues, the images' run references,
 * the audit log. A good set run is then accepted, holding every disc's image.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, queuedCopies, startEnv, VIEWER } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';

let env: Env;
let disc2 = '';
let cue = '';
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  disc2 = (await env.library.importFromPath(env.isoBig, { name: 'Disc 2' })).id;
  // A CUE/BIN image: CD only.
  const dir = path.join(env.importRoot, 'cue');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'a.bin'), Buffer.alloc(2352 * 300, 1));
  writeFileSync(path.join(dir, 'a.cue'), 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
  cue = (await env.library.importFromPath(path.join(dir, 'a.cue'), { name: 'Audio disc' })).id;
});
afterAll(async () => env?.stop());

/** Everything a refused request must leave as it was. */
async function state(): Promise<unknown> {
  return {
    runs: await env.runStore.listRunIds(),
    runKeys: (await env.redis.keys('tower:run:*')).sort(),
    queued: await queuedCopies(env),
    imageRuns: await env.redis.keys('tower:image:*:runs'),
    audit: await env.redis.llen('tower:audit'),
  };
}

interface Case {
  readonly name: string;
  readonly body: () => unknown;
  readonly token?: string;
  readonly status: number;
  readonly code: string;
  readonly message?: RegExp;
  readonly field?: string;
}

const run = (extra: Record<string, unknown>): Record<string, unknown> => ({ imageId: env.image.id, copies: 4, ...extra });

const cases: Case[] = [
  { name: 'an empty set', body: () => run({ set: { imageIds: [] } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'a set without imageIds', body: () => run({ set: {} }), status: 400, code: 'INVALID_INPUT' },
  { name: 'a set as a list', body: () => run({ set: [env.image.id] }), status: 400, code: 'INVALID_INPUT' },
  { name: 'a set with an unknown field', body: () => run({ set: { imageIds: [env.image.id], sets: 4 } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'an image id that is a path', body: () => run({ set: { imageIds: [env.image.id, '../etc/passwd'] } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'an image id that is a number', body: () => run({ set: { imageIds: [env.image.id, 7] } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'an unknown image', body: () => run({ set: { imageIds: [env.image.id, 'no-such-image'] } }), status: 404, code: 'NOT_FOUND', message: /no-such-image/, field: 'set.imageIds[1]' },
  { name: 'disc 1 not the run\'s image', body: () => run({ set: { imageIds: [disc2, env.image.id] } }), status: 400, code: 'INVALID_INPUT', field: 'set.imageIds' },
  {
    name: 'discs of different media classes (a CD-only CUE in a DVD run)', body: () => run({ media: 'dvd', set: { imageIds: [env.image.id, cue] } }),
    status: 422, code: 'SET_MEDIA_MISMATCH', message: /disc 2 .* does not go on dvd media/, field: 'set.imageIds[1]',
  },
  { name: '100 discs', body: () => run({ set: { imageIds: Array.from({ length: 100 }, () => env.image.id) } }), status: 400, code: 'INVALID_INPUT' },
  { name: '4000 sets of 3 discs', body: () => run({ copies: 4000, set: { imageIds: [env.image.id, disc2, env.image.id] } }), status: 400, code: 'INVALID_INPUT', message: /12000 discs/, field: 'copies' },
  {
    name: 'serials not one per set (4 sets, serials 1-8)', body: () => run({ set: { imageIds: [env.image.id, disc2] }, merge: { serials: { first: 1, last: 8 } } }),
    status: 400, code: 'INVALID_INPUT', message: /serials 1-8 are not one per set \(4 sets\)/, field: 'merge.serials.last',
  },
  {
    name: 'CSV rows not one per set (4 sets, 8 rows)', body: () => run({ set: { imageIds: [env.image.id, disc2] }, merge: { csv: `name,text:/NOTE.TXT\n${Array.from({ length: 8 }, (_, i) => `n${i},t${i}`).join('\n')}\n` } }),
    status: 400, code: 'INVALID_INPUT', message: /the merge CSV has 8 rows, one per set .*: copies \(sets\) must be 8, not 4/, field: 'copies',
  },
  {
    name: 'serials on a set with a CUE disc', body: () => run({ media: 'cd', set: { imageIds: [env.image.id, cue] }, merge: { serials: { first: 1 } } }),
    status: 400, code: 'INVALID_INPUT', message: /disc 2 .* is a CUE image: per-disc data \(merge\) goes on ISO 9660 images only/, field: 'set.imageIds[1]',
  },
  { name: 'a viewer', body: () => run({ set: { imageIds: [env.image.id, disc2] } }), token: VIEWER, status: 403, code: 'FORBIDDEN' },
];

describe('set run bad input: a clear 4xx, nothing changed', () => {
  it.each(cases)('$name → $status', async (c) => {
    const before = await state();
    const res = await call(env, 'POST', '/api/runs', { body: c.body(), ...(c.token === undefined ? {} : { token: c.token }) });
    expect(res.status, res.text.slice(0, 500)).toBe(c.status);
    expect(res.body.error?.code, res.text.slice(0, 500)).toBe(c.code);
    expect(res.body.error?.message ?? '').not.toBe('');
    if (c.message !== undefined) expect(res.body.error?.message).toMatch(c.message);
    if (c.field !== undefined) expect(res.body.error?.field).toBe(c.field);
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await state()).toEqual(before);
  });

  it('accepts a good set run: copies count sets, and every disc\'s image is held while it is unfinished', async () => {
    const res = await call(env, 'POST', '/api/runs', { body: run({ copies: 2, set: { imageIds: [env.image.id, disc2, env.image.id] } }) });
    expect(res.status, res.text.slice(0, 500)).toBe(201);
    expect(res.body).toMatchObject({ copies: 6, set: { discs: 3, sets: 2, setsDone: 0, imageIds: [env.image.id, disc2, env.image.id], failedDiscs: [] } });
    expect(await queuedCopies(env)).toBe(6);
    expect(await env.redis.smembers(`tower:image:${disc2}:runs`)).toEqual([res.body.id]);
    const del = await call(env, 'DELETE', `/api/images/${disc2}`);
    expect(del.status).toBe(409);
  });

  it('accepts a set run with serials one per set: 3 sets of 2 discs, serials 7-9', async () => {
    const res = await call(env, 'POST', '/api/runs', { body: run({ copies: 3, set: { imageIds: [env.image.id, disc2] }, merge: { serials: { first: 7, last: 9 } } }) });
    expect(res.status, res.text.slice(0, 500)).toBe(201);
    expect(res.body).toMatchObject({ copies: 6, merge: 'serials 7 to 9 in /SERIAL.TXT', set: { discs: 2, sets: 3 } });
  });
});
