import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, queuedCopies, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { driveLayout: { 'sim:0': { label: 'Top', group: 'left' } } } });
});
afterAll(async () => env?.stop());

/** Everything a refused request must leave as it was. */
async function state(): Promise<unknown> {
  return {
    runs: await env.runStore.listRunIds(),
    queued: await queuedCopies(env),
    library: readdirSync(env.library.dir).sort(),
    images: env.library.list().map((i) => `${i.id}:${i.name}`),
    quarantine: await env.redis.hgetall('tower:quarantine'),
  };
}

const run = (extra: Record<string, unknown>): Record<string, unknown> => ({ imageId: env.image.id, copies: 2, ...extra });

interface Case {
  readonly name: string;
  readonly method: string;
  readonly route: () => string;
  readonly body?: () => unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly message: RegExp;
}

const cases: Case[] = [
  { name: 'unknown image id', method: 'POST', route: () => '/api/runs', body: () => run({ imageId: 'img-000000000000' }), status: 404, code: 'NOT_FOUND', field: 'imageId', message: /no image with id img-000000000000/ },
  { name: 'malformed image id', method: 'POST', route: () => '/api/runs', body: () => run({ imageId: '../etc' }), status: 400, code: 'INVALID_INPUT', field: 'imageId', message: /imageId/ },
  { name: 'copies 0', method: 'POST', route: () => '/api/runs', body: () => run({ copies: 0 }), status: 400, code: 'INVALID_INPUT', field: 'copies', message: /copies must be >= 1 \(got 0\)/ },
  { name: 'copies -1', method: 'POST', route: () => '/api/runs', body: () => run({ copies: -1 }), status: 400, code: 'INVALID_INPUT', field: 'copies', message: /copies must be >= 1/ },
  { name: 'copies 1.5', method: 'POST', route: () => '/api/runs', body: () => run({ copies: 1.5 }), status: 400, code: 'INVALID_INPUT', field: 'copies', message: /copies must be integer \(got 1\.5\)/ },
  { name: 'copies 100000', method: 'POST', route: () => '/api/runs', body: () => run({ copies: 100000 }), status: 400, code: 'INVALID_INPUT', field: 'copies', message: /copies must be <= 10000/ },
  { name: 'copies "ten"', method: 'POST', route: () => '/api/runs', body: () => run({ copies: 'ten' }), status: 400, code: 'INVALID_INPUT', field: 'copies', message: /copies must be integer \(got "ten"\)/ },
  { name: 'copies missing', method: 'POST', route: () => '/api/runs', body: () => ({ imageId: env.image.id }), status: 400, code: 'INVALID_INPUT', field: 'copies', message: /copies is required/ },
  { name: 'malformed JSON', method: 'POST', route: () => '/api/runs', body: () => '{"imageId": "x", "copies": ', status: 400, code: 'INVALID_INPUT', message: /not valid JSON/ },
  { name: 'extra property', method: 'POST', route: () => '/api/runs', body: () => run({ colour: 'blue' }), status: 400, code: 'INVALID_INPUT', field: 'colour', message: /unknown property "colour"/ },
  { name: 'unknown drive', method: 'POST', route: () => '/api/runs', body: () => run({ drives: ['sim:0', 'sim:99'] }), status: 400, code: 'INVALID_INPUT', field: 'drives[1]', message: /no drive or group named "sim:99"/ },
  { name: 'priority 0', method: 'POST', route: () => '/api/runs', body: () => run({ priority: 0 }), status: 400, code: 'INVALID_INPUT', field: 'priority', message: /priority must be >= 1/ },
  { name: 'priority 1001', method: 'POST', route: () => '/api/runs', body: () => run({ priority: 1001 }), status: 400, code: 'INVALID_INPUT', field: 'priority', message: /priority must be <= 1000/ },
  { name: 'speed 0', method: 'POST', route: () => '/api/runs', body: () => run({ speed: 0 }), status: 400, code: 'INVALID_INPUT', field: 'speed', message: /speed must be >= 1/ },
  { name: 'maxAttemptsPerCopy 11', method: 'POST', route: () => '/api/runs', body: () => run({ maxAttemptsPerCopy: 11 }), status: 400, code: 'INVALID_INPUT', field: 'maxAttemptsPerCopy', message: /<= 10/ },
  { name: 'verify "sometimes"', method: 'POST', route: () => '/api/runs', body: () => run({ verify: 'sometimes' }), status: 400, code: 'INVALID_INPUT', field: 'verify', message: /verify must be 'all', 'first-per-drive', 'off' or/ },
  { name: 'verify everyNth 0', method: 'POST', route: () => '/api/runs', body: () => run({ verify: { everyNth: 0 } }), status: 400, code: 'INVALID_INPUT', field: 'verify.everyNth', message: /verify\.everyNth must be >= 1/ },
  { name: 'label too long', method: 'POST', route: () => '/api/runs', body: () => run({ label: 'x'.repeat(201) }), status: 400, code: 'INVALID_INPUT', field: 'label', message: /label/ },
  { name: 'body not an object', method: 'POST', route: () => '/api/runs', body: () => '[1,2]', status: 400, code: 'INVALID_INPUT', message: /must be object/ },
  { name: 'no body', method: 'POST', route: () => '/api/runs', status: 400, code: 'INVALID_INPUT', message: /body/ },
  { name: 'unknown run', method: 'POST', route: () => '/api/runs/no-such-run/pause', status: 404, code: 'NOT_FOUND', message: /no run with id no-such-run/ },
  { name: 'cancel with a bad inFlight', method: 'POST', route: () => '/api/runs/x/cancel', body: () => ({ inFlight: 'later' }), status: 400, code: 'INVALID_INPUT', field: 'inFlight', message: /inFlight/ },
  { name: 'import outside the roots', method: 'POST', route: () => '/api/images/import', body: () => ({ path: '/etc/passwd' }), status: 400, code: 'IMPORT_PATH_REFUSED', field: 'path', message: /cannot import \/etc\/passwd/ },
  { name: 'import with ..', method: 'POST', route: () => '/api/images/import', body: () => ({ path: '../../etc/passwd' }), status: 400, code: 'IMPORT_PATH_REFUSED', field: 'path', message: /cannot import/ },
  { name: 'upload over the limit', method: 'POST', route: () => '/api/images/upload?name=big', body: () => readFileSync(env.isoBig), contentType: 'application/octet-stream', status: 413, code: 'UPLOAD_TOO_LARGE', message: /exceeds the limit of 1048576 bytes/ },
  { name: 'upload not an image', method: 'POST', route: () => '/api/images/upload', body: () => Buffer.alloc(100_000, 7), contentType: 'application/octet-stream', status: 422, code: 'IMAGE_UNRECOGNISED', message: /./ },
  { name: 'rename to empty', method: 'PATCH', route: () => `/api/images/${env.image.id}`, body: () => ({ name: '' }), status: 400, code: 'INVALID_INPUT', field: 'name', message: /name must not be empty/ },
  { name: 'rename to blanks', method: 'PATCH', route: () => `/api/images/${env.image.id}`, body: () => ({ name: '   ' }), status: 400, code: 'INVALID_IMAGE_NAME', field: 'name', message: /the name is empty/ },
  { name: 'rename an unknown image', method: 'PATCH', route: () => '/api/images/img-000000000000', body: () => ({ name: 'x' }), status: 404, code: 'NOT_FOUND', message: /no image/ },
  { name: 'delete an unknown image', method: 'DELETE', route: () => '/api/images/img-000000000000', status: 404, code: 'NOT_FOUND', message: /no image/ },
  { name: 'quarantine without reason', method: 'POST', route: () => '/api/drives/sim:0/quarantine', body: () => ({}), status: 400, code: 'INVALID_INPUT', field: 'reason', message: /reason is required/ },
  { name: 'quarantine an unknown drive', method: 'POST', route: () => '/api/drives/sim:42/quarantine', body: () => ({ reason: 'x' }), status: 404, code: 'NOT_FOUND', message: /no drive with id sim:42/ },
  { name: 'release a drive not quarantined', method: 'POST', route: () => '/api/drives/sim:0/release', status: 409, code: 'NOT_QUARANTINED', message: /not quarantined/ },
  { name: 'load 0 blanks', method: 'POST', route: () => '/api/drives/sim:0/loader/blanks', body: () => ({ count: 0 }), status: 400, code: 'INVALID_INPUT', field: 'count', message: /count must be >= 1/ },
  { name: 'load blanks into an unknown drive', method: 'POST', route: () => '/api/drives/sim:42/loader/blanks', body: () => ({ count: 5 }), status: 404, code: 'NOT_FOUND', message: /no drive with id sim:42/ },
  { name: 'empty the reject bin of an unknown drive', method: 'POST', route: () => '/api/drives/sim:42/loader/empty-rejects', status: 404, code: 'NOT_FOUND', message: /no drive with id sim:42/ },
  { name: 'history limit 0', method: 'GET', route: () => '/api/history?limit=0', status: 400, code: 'INVALID_INPUT', field: 'limit', message: /query limit must be >= 1/ },
  { name: 'history outcome unknown', method: 'GET', route: () => '/api/history?outcome=great', status: 400, code: 'INVALID_INPUT', field: 'outcome', message: /outcome/ },
  { name: 'master retries 21', method: 'POST', route: () => '/api/masters', body: () => ({ driveId: 'sim:0', name: 'm', retries: 21 }), status: 400, code: 'INVALID_INPUT', field: 'retries', message: /retries must be <= 20/ },
];

describe('bad input is refused with a readable 4xx and changes nothing', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const before = await state();
    const res = await call(env, c.method, c.route(), { ...(c.body === undefined ? {} : { body: c.body() }), ...(c.contentType === undefined ? {} : { contentType: c.contentType }) });
    expect(res.status, res.text).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    expect(res.body.error.message).toMatch(c.message);
    if (c.field !== undefined) expect(res.body.error.field).toBe(c.field);
    expect(await state()).toEqual(before);
    // No staging folder left behind by a refused upload or import.
    expect(readdirSync(env.library.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('answers the API after a refused upload on the same connection', async () => {
    const res = await call(env, 'GET', '/api/images');
    expect(res.status).toBe(200);
    expect(res.body.map((i: { id: string }) => i.id)).toEqual([env.image.id]);
    expect(path.isAbsolute(env.library.dir)).toBe(true);
  });
});
