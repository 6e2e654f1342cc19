/**
 * Bad input over the controller's HTTP API (the real app on a free port, with
 * Redis, a library and a planner: apps/controller/test/api/support.ts). One
 * table of cases the API's own bad-input table (apps/controller/test/api/
 * bad-input.test.ts, 36 cases) does not hold: device strings with shell
 * metacharacters, path traversal in import paths (incl. a symlink out of the
 * root and NUL bytes), oversized uploads (declared and streamed), truncated
 * and garbage images, missing tokens and wrong roles on every changing route,
 * wall-screen pairing codes (wrong, used, expired, revoked, malformed) and
 * screen tokens on operator routes,
 * wrong types, out-of-range numbers, unknown ids, and routes reached without a
 * token through another spelling of their path (percent-encoded, double-
 * encoded, absolute-form request targets, mixed case, dot segments), sent
 * byte for byte over node:http, and malformed or reused Idempotency-Key
 * headers. Each gets a clear 4xx in the API's error
 * format and changes nothing: runs, queues, library folder (hidden files too),
 * images, masters, quarantine, screens and pairing codes, and the audit log.
 */
import http from 'node:http';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, queuedCopies, startEnv, VIEWER } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';
import { adoptIsoLargerThanCd } from '../../apps/controller/test/support/larger-than-cd-iso.js';
import { storeAsChd } from '../../apps/controller/src/library/chd-storage.js';

let env: Env;
let outside = '';
/** An ISO one sector larger than any CD (sparse, adopted), and an ISO stored as a CHD. */
let overCd = '';
let chdIso = '';
/** Pairing codes that must not work, and a paired screen's token (a viewer). */
const codes = { used: '', expired: '', revoked: '' };
let screenToken = '';
/** An Idempotency-Key used once in `beforeAll`. */
const REUSED_KEY = 'bad-input-used-key';
let screenId = '';
beforeAll(async () => {
  env = await startEnv({
    deps: {
      driveLayout: { 'sim:0': { label: 'Top', group: 'left' } },
      // This suite tries wrong tokens on purpose, all from 127.0.0.1: the token-guessing throttle has its own tests.
      authThrottle: { maxFailures: 10_000 },
      log: () => undefined,
    },
  });
  // A file outside the import root, and a symlink to it inside the root.
  outside = path.join(env.dir, 'secret.iso');
  writeFileSync(outside, readFileSync(env.isoSmall));
  symlinkSync(outside, path.join(env.importRoot, 'link-out.iso'));
  symlinkSync(env.dir, path.join(env.importRoot, 'dir-out'));
  // A truncated ISO and a garbage file inside the root.
  writeFileSync(path.join(env.importRoot, 'truncated.iso'), readFileSync(env.isoSmall).subarray(0, 40 * 1024));
  writeFileSync(path.join(env.importRoot, 'garbage.iso'), Buffer.alloc(200 * 1024, 0x5a));
  writeFileSync(path.join(env.importRoot, 'empty.iso'), Buffer.alloc(0));
  // A folder to build images from, and one too large for a CD (sparse).
  mkdirSync(path.join(env.importRoot, 'build-src'));
  writeFileSync(path.join(env.importRoot, 'build-src', 'a.txt'), 'a');
  mkdirSync(path.join(env.importRoot, 'build-big'));
  writeFileSync(path.join(env.importRoot, 'build-big', 'big.bin'), '');
  truncateSync(path.join(env.importRoot, 'build-big', 'big.bin'), 900 * 1000 ** 2);
  overCd = (await adoptIsoLargerThanCd(env.library)).id;
  chdIso = (await env.library.changeStorage((await env.library.importFromPath(env.isoBig)).id, storeAsChd)).id;
  // A paired screen (its code used), a code whose screen was revoked, and an expired code.
  const pair = async (name: string): Promise<{ code: string; screen: { id: string } }> => (await call(env, 'POST', '/api/screens/pairing', { body: { name } })).body;
  const used = await pair('wall-used');
  codes.used = used.code;
  const claimed = await call(env, 'POST', '/api/screens/claim', { token: null, body: { code: used.code } });
  screenToken = claimed.body.token;
  screenId = used.screen.id;
  const revoked = await pair('wall-revoked');
  codes.revoked = revoked.code;
  await call(env, 'DELETE', `/api/screens/${revoked.screen.id}`);
  const expired = await pair('wall-expired');
  codes.expired = expired.code;
  await env.redis.pexpire(`tower:screen:${expired.screen.id}`, 1);
  for (const key of await env.redis.keys('tower:screen-code:*')) await env.redis.pexpire(key, 1);
  await new Promise((r) => setTimeout(r, 20));
  // An Idempotency-Key used once (its answer, a 404, is kept): reusing it for another request is refused.
  const keyUsed = await fetch(`${env.url}/api/runs/run-nope/cancel`, {
    method: 'POST', headers: { authorization: 'Bearer op-secret-token', 'content-type': 'application/json', 'idempotency-key': REUSED_KEY }, body: '{}',
  });
  expect(keyUsed.status).toBe(404);
});
afterAll(async () => env?.stop());

/** Every file under `dir`, hidden ones included. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Everything a refused request must leave as it was. */
async function state(): Promise<unknown> {
  return {
    runs: await env.runStore.listRunIds(),
    queued: await queuedCopies(env),
    library: tree(env.library.dir),
    images: env.library.list().map((i) => `${i.id}:${i.name}`),
    quarantine: await env.redis.hgetall('tower:quarantine'),
    audit: await env.redis.llen('tower:audit'),
    masters: await env.redis.keys('tower:master*'),
    screens: await Promise.all((await env.redis.zrange('tower:screens', '0', '-1')).map((id) => env.redis.hgetall(`tower:screen:${id}`))),
    screenCodes: await env.redis.keys('tower:screen-code:*'),
  };
}

const run = (extra: Record<string, unknown>): Record<string, unknown> => ({ imageId: env.image.id, copies: 2, ...extra });
const enc = encodeURIComponent;

interface Case {
  readonly name: string;
  readonly method: string;
  readonly route: () => string;
  readonly body?: () => unknown;
  readonly contentType?: string;
  /** null: no token; `screen`: the paired screen's token; another string: that token; absent: the operator's. */
  readonly token?: string | null;
  /** Send the body as a stream without Content-Length (chunked). */
  readonly chunked?: boolean;
  /** Send `route()` as the request target exactly as written (node:http, no URL normalisation). */
  readonly raw?: boolean;
  /** More request headers. */
  readonly headers?: () => Record<string, string>;
  readonly status: number;
  readonly code: string | RegExp;
  readonly message?: RegExp;
}

const SHELL = ['/dev/sr0;rm -rf /', '$(reboot)', '`reboot`', '/dev/sr0 && halt', 'sim:0|cat /etc/shadow', "sim:0'\"", '/dev/sr0\nreboot'];

const shellCases: Case[] = SHELL.flatMap((dev): Case[] => [
  { name: `drive info ${JSON.stringify(dev)}`, method: 'GET', route: () => `/api/drives/${enc(dev)}`, status: 400, code: 'INVALID_INPUT', message: /not allowed/ },
  { name: `eject ${JSON.stringify(dev)}`, method: 'POST', route: () => `/api/drives/${enc(dev)}/eject`, status: 400, code: 'INVALID_INPUT', message: /not allowed/ },
  { name: `quarantine ${JSON.stringify(dev)}`, method: 'POST', route: () => `/api/drives/${enc(dev)}/quarantine`, body: () => ({ reason: 'x' }), status: 400, code: 'INVALID_INPUT', message: /not allowed/ },
  { name: `run on drive ${JSON.stringify(dev)}`, method: 'POST', route: () => '/api/runs', body: () => run({ drives: [dev] }), status: 400, code: 'INVALID_INPUT' },
  { name: `master from ${JSON.stringify(dev)}`, method: 'POST', route: () => '/api/masters', body: () => ({ driveId: dev, name: 'm' }), status: 400, code: 'INVALID_INPUT', message: /not allowed/ },
]);

const traversalCases: Case[] = [
  { name: 'import root/../../etc/passwd', method: 'POST', route: () => '/api/images/import', body: () => ({ path: `${env.importRoot}/../../etc/passwd` }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import root/../secret.iso (a real ISO outside)', method: 'POST', route: () => '/api/images/import', body: () => ({ path: `${env.importRoot}/../secret.iso` }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import a symlink out of the root', method: 'POST', route: () => '/api/images/import', body: () => ({ path: path.join(env.importRoot, 'link-out.iso') }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import through a symlinked folder out of the root', method: 'POST', route: () => '/api/images/import', body: () => ({ path: path.join(env.importRoot, 'dir-out', 'secret.iso') }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import a path with a NUL byte', method: 'POST', route: () => '/api/images/import', body: () => ({ path: `${env.isoSmall}\0.txt` }), status: 400, code: /IMPORT_PATH_REFUSED|INVALID_INPUT/ },
  { name: 'import ~root/.ssh', method: 'POST', route: () => '/api/images/import', body: () => ({ path: '~root/.ssh/id_rsa' }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import the import root itself (a folder)', method: 'POST', route: () => '/api/images/import', body: () => ({ path: env.importRoot }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import a missing file in the root', method: 'POST', route: () => '/api/images/import', body: () => ({ path: path.join(env.importRoot, 'nope.iso') }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import a file:// URL', method: 'POST', route: () => '/api/images/import', body: () => ({ path: `file://${env.isoSmall}` }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'import with a backslash traversal', method: 'POST', route: () => '/api/images/import', body: () => ({ path: `${env.importRoot}\\..\\..\\etc\\passwd` }), status: 400, code: 'IMPORT_PATH_REFUSED' },
  { name: 'upload fileName with traversal', method: 'POST', route: () => `/api/images/upload?fileName=${enc('../../../etc/cron.d/x')}`, body: () => Buffer.alloc(10, 1), contentType: 'application/octet-stream', status: 422, code: /IMAGE_UNRECOGNISED|INVALID_INPUT/ },
];

const imageCases: Case[] = [
  { name: 'import a truncated ISO', method: 'POST', route: () => '/api/images/import', body: () => ({ path: path.join(env.importRoot, 'truncated.iso') }), status: 422, code: 'ISO_TRUNCATED' },
  { name: 'import garbage', method: 'POST', route: () => '/api/images/import', body: () => ({ path: path.join(env.importRoot, 'garbage.iso') }), status: 422, code: 'IMAGE_UNRECOGNISED' },
  { name: 'import an empty file', method: 'POST', route: () => '/api/images/import', body: () => ({ path: path.join(env.importRoot, 'empty.iso') }), status: 422, code: /IMAGE_UNRECOGNISED|IMAGE_EMPTY/ },
  { name: 'upload a truncated ISO', method: 'POST', route: () => '/api/images/upload?name=t', body: () => readFileSync(env.isoSmall).subarray(0, 40 * 1024), contentType: 'application/octet-stream', status: 422, code: 'ISO_TRUNCATED' },
  { name: 'upload an ISO cut inside its descriptors', method: 'POST', route: () => '/api/images/upload', body: () => readFileSync(env.isoSmall).subarray(0, 16 * 2048 + 100), contentType: 'application/octet-stream', status: 422, code: /ISO_TRUNCATED|IMAGE_UNRECOGNISED|ISO_BAD_DESCRIPTOR/ },
  { name: 'upload an ISO with an insane PVD', method: 'POST', route: () => '/api/images/upload', body: () => { const b = Buffer.from(readFileSync(env.isoSmall)); b.writeUInt16LE(0, 16 * 2048 + 128); b.writeUInt16BE(0, 16 * 2048 + 130); return b; }, contentType: 'application/octet-stream', status: 422, code: 'ISO_BAD_DESCRIPTOR', message: /logical block size/ },
  { name: 'upload a CUE sheet alone', method: 'POST', route: () => '/api/images/upload', body: () => Buffer.from('FILE "../../etc/passwd" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n'), contentType: 'application/octet-stream', status: 422, code: /IMAGE_UNRECOGNISED|CUE_/ },
  { name: 'upload random bytes', method: 'POST', route: () => '/api/images/upload', body: () => Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251)), contentType: 'application/octet-stream', status: 422, code: 'IMAGE_UNRECOGNISED' },
  { name: 'upload nothing', method: 'POST', route: () => '/api/images/upload', body: () => Buffer.alloc(0), contentType: 'application/octet-stream', status: 422, code: /IMAGE_UNRECOGNISED|IMAGE_EMPTY/ },
  { name: 'upload over the limit, streamed without Content-Length', method: 'POST', route: () => '/api/images/upload?name=big', body: () => readFileSync(env.isoBig), contentType: 'application/octet-stream', chunked: true, status: 413, code: 'UPLOAD_TOO_LARGE' },
  { name: 'upload declaring a huge Content-Length', method: 'POST', route: () => '/api/images/upload', body: () => Buffer.alloc(2 * 1024 * 1024, 0), contentType: 'application/octet-stream', status: 413, code: 'UPLOAD_TOO_LARGE' },
  { name: 'upload as JSON', method: 'POST', route: () => '/api/images/upload', body: () => ({ image: 'AAAA' }), status: 415, code: /MEDIA_TYPE|UNSUPPORTED/ },
  { name: 'upload as text/plain', method: 'POST', route: () => '/api/images/upload', body: () => 'CD001', contentType: 'text/plain', status: 415, code: /MEDIA_TYPE|UNSUPPORTED/ },
  ...([
    ['a folder outside the roots', () => ({ folder: env.dir, name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['root/.. (traversal)', () => ({ folder: `${env.importRoot}/..`, name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['build-src/../../ (traversal)', () => ({ folder: 'build-src/../..', name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['a symlinked folder out of the root', () => ({ folder: path.join(env.importRoot, 'dir-out'), name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['the import root (it holds a link out of the root)', () => ({ folder: env.importRoot, name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['a missing folder', () => ({ folder: 'no-such-folder', name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['a file, not a folder', () => ({ folder: env.isoSmall, name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['a folder with a NUL byte', () => ({ folder: 'build-src\0x', name: 'x' }), 'BUILD_FOLDER_REFUSED'],
    ['a boot image outside the folder', () => ({ folder: 'build-src', name: 'x', boot: '../small.iso' }), 'BUILD_OPTIONS_REFUSED'],
    ['a boot image that is an option', () => ({ folder: 'build-src', name: 'x', boot: '-o/etc/passwd' }), 'BUILD_OPTIONS_REFUSED'],
    ['a missing boot image', () => ({ folder: 'build-src', name: 'x', boot: 'nope.img' }), 'BUILD_OPTIONS_REFUSED'],
    ['unknown media', () => ({ folder: 'build-src', name: 'x', media: 'floppy' }), 'INVALID_INPUT'],
    ['an unknown field', () => ({ folder: 'build-src', name: 'x', shell: 'rm -rf /' }), 'INVALID_INPUT'],
    ['no name', () => ({ folder: 'build-src' }), 'INVALID_INPUT'],
    ['a blank name', () => ({ folder: 'build-src', name: '   ' }), 'INVALID_IMAGE_NAME'],
    ['joliet as a string', () => ({ folder: 'build-src', name: 'x', joliet: 'yes' }), 'INVALID_INPUT'],
  ] as const).map(([what, body, code]): Case => ({ name: `build from ${what}`, method: 'POST', route: () => '/api/images/build', body, status: 400, code })),
  { name: 'build a folder too large for a CD', method: 'POST', route: () => '/api/images/build', body: () => ({ folder: 'build-big', name: 'x', media: 'cd' }), status: 422, code: 'BUILD_TOO_LARGE_FOR_MEDIA' },
  { name: 'an unknown build', method: 'GET', route: () => '/api/image-builds/bld-0123456789ab', status: 404, code: 'NOT_FOUND' },
  { name: 'a malformed build id', method: 'GET', route: () => '/api/image-builds/..%2f..%2fetc', status: 400, code: 'INVALID_INPUT' },
];

const CHANGING: { method: string; label: string; route: () => string; body?: () => unknown }[] = [
  { method: 'POST', label: '/api/runs', route: () => '/api/runs', body: () => run({}) },
  { method: 'POST', label: '/api/runs/x/pause', route: () => '/api/runs/x/pause' },
  { method: 'POST', label: '/api/runs/x/resume', route: () => '/api/runs/x/resume' },
  { method: 'POST', label: '/api/runs/x/cancel', route: () => '/api/runs/x/cancel', body: () => ({}) },
  { method: 'POST', label: '/api/images/import', route: () => '/api/images/import', body: () => ({ path: env.isoSmall }) },
  { method: 'POST', label: '/api/images/upload', route: () => '/api/images/upload' },
  { method: 'POST', label: '/api/images/build', route: () => '/api/images/build', body: () => ({ folder: 'build-src', name: 'x' }) },
  { method: 'PATCH', label: '/api/images/:image', route: () => `/api/images/${env.image.id}`, body: () => ({ name: 'renamed' }) },
  { method: 'DELETE', label: '/api/images/:image', route: () => `/api/images/${env.image.id}` },
  { method: 'POST', label: '/api/images/:image/scan', route: () => `/api/images/${env.image.id}/scan` },
  { method: 'POST', label: '/api/images/:image/compress', route: () => `/api/images/${env.image.id}/compress` },
  { method: 'POST', label: '/api/images/:image/decompress', route: () => `/api/images/${env.image.id}/decompress` },
  { method: 'POST', label: '/api/drives/sim:0/eject', route: () => '/api/drives/sim:0/eject' },
  { method: 'POST', label: '/api/drives/sim:0/quarantine', route: () => '/api/drives/sim:0/quarantine', body: () => ({ reason: 'x' }) },
  { method: 'POST', label: '/api/drives/sim:0/release', route: () => '/api/drives/sim:0/release' },
  { method: 'POST', label: '/api/masters', route: () => '/api/masters', body: () => ({ driveId: 'sim:0', name: 'm' }) },
  { method: 'POST', label: '/api/drives/sim:0/insert', route: () => '/api/drives/sim:0/insert', body: () => ({ kind: 'blank', mediaType: 'CD-R' }) },
  { method: 'POST', label: '/api/screens/pairing', route: () => '/api/screens/pairing', body: () => ({ name: 'wall-9' }) },
  { method: 'DELETE', label: '/api/screens/:screen', route: () => `/api/screens/${screenId}` },
];
const READING = ['/api/runs', '/api/runs/run-nope?waitFor=final&timeoutMs=60000', '/api/images', '/api/drives', '/api/history', '/api/audit', '/api/masters', '/api/agents', '/api/stats/drives', '/api/whoami', '/api/screens', '/api/reports/production', '/api/runs/run-nope/certificate.pdf'];

const authCases: Case[] = [
  ...CHANGING.flatMap((r): Case[] => [
    { name: `${r.method} ${r.label} without a token`, ...r, token: null, status: 401, code: 'UNAUTHENTICATED' },
    { name: `${r.method} ${r.label} with a wrong token`, ...r, token: 'not-a-real-token-123', status: 401, code: 'UNAUTHENTICATED' },
    { name: `${r.method} ${r.label} as a viewer`, ...r, token: VIEWER, status: 403, code: 'FORBIDDEN' },
  ]),
  ...READING.map((route): Case => ({ name: `GET ${route} without a token`, method: 'GET', route: () => route, token: null, status: 401, code: 'UNAUTHENTICATED' })),
];

/** Protected routes spelt so that the URL text is not `/api/...` while the router may still match them (the auth must follow the route). */
const BYPASS: { label: string; target: () => string }[] = [
  { label: 'first letter percent-encoded', target: () => '/%61pi/audit' },
  { label: 'whole path percent-encoded', target: () => '/%61%70%69/%61%75%64%69%74' },
  { label: 'last segment percent-encoded', target: () => '/api/%61udit' },
  { label: 'encoded, upper-case hex digit', target: () => '/api/hist%6Fry' },
  { label: 'encoded, lower-case hex digit', target: () => '/api/hist%6fry' },
  { label: 'encoded slash', target: () => '/api%2Faudit' },
  { label: 'encoded slash, lower-case hex', target: () => '/api%2faudit' },
  { label: 'double-encoded', target: () => '/%2561pi/audit' },
  { label: 'double-encoded slash', target: () => '/api%252Faudit' },
  { label: 'absolute-form', target: () => `${env.url}/api/runs` },
  { label: 'absolute-form, encoded path', target: () => `${env.url}/%61pi/audit` },
  { label: 'absolute-form, upper-case scheme and host', target: () => `HTTP://LOCALHOST:${new URL(env.url).port}/api/audit` },
  { label: 'absolute-form naming another host', target: () => 'http://evil.example/api/audit' },
  { label: 'mixed case', target: () => '/Api/Audit' },
  { label: 'upper case', target: () => '/API/RUNS' },
  { label: 'mixed case, encoded', target: () => '/%41pi/audit' },
  { label: 'trailing slash', target: () => '/api/audit/' },
  { label: 'double slash', target: () => '//api/audit' },
  { label: 'dot segment', target: () => '/api/./audit' },
  { label: 'dot-dot segment', target: () => '/x/../api/audit' },
  { label: 'encoded dot-dot segment', target: () => '/x/%2e%2e/api/audit' },
  { label: 'semicolon parameter', target: () => '/api/audit;a=1' },
  { label: 'a token in the query string', target: () => '/api/audit?token=op-secret-token' },
];

const bypassCases: Case[] = [
  ...BYPASS.map((b): Case => ({ name: `GET ${b.label} without a token`, method: 'GET', route: b.target, raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' })),
  { name: 'GET encoded with a wrong token', method: 'GET', route: () => '/%61pi/audit', raw: true, token: 'not-a-real-token-123', status: 401, code: 'UNAUTHENTICATED' },
  { name: 'GET the operators\' audit log, encoded, as a viewer', method: 'GET', route: () => '/%61pi/audit', raw: true, token: VIEWER, status: 403, code: 'FORBIDDEN' },
  { name: 'POST a run, encoded, without a token', method: 'POST', route: () => '/%61pi/runs', body: () => run({}), raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'POST a run, encoded, as a viewer', method: 'POST', route: () => '/api/%72uns', body: () => run({}), raw: true, token: VIEWER, status: 403, code: 'FORBIDDEN' },
  { name: 'POST a run, absolute-form, without a token', method: 'POST', route: () => `${env.url}/api/runs`, body: () => run({}), raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'POST a quarantine, encoded, without a token', method: 'POST', route: () => '/api/drives/sim:0/%71uarantine', body: () => ({ reason: 'x' }), raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'DELETE an image, encoded, without a token', method: 'DELETE', route: () => `/%61pi/images/${env.image.id}`, raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'an unknown route without a token tells nothing', method: 'GET', route: () => '/api/nothing-here', raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'a non-API path without a token tells nothing', method: 'GET', route: () => '/etc/passwd', raw: true, token: null, status: 401, code: 'UNAUTHENTICATED' },
];

const typeCases: Case[] = [
  { name: 'imageId a number', method: 'POST', route: () => '/api/runs', body: () => run({ imageId: 42 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'imageId null', method: 'POST', route: () => '/api/runs', body: () => run({ imageId: null }), status: 400, code: 'INVALID_INPUT' },
  { name: 'copies a boolean', method: 'POST', route: () => '/api/runs', body: () => run({ copies: true }), status: 400, code: 'INVALID_INPUT' },
  { name: 'copies an array', method: 'POST', route: () => '/api/runs', body: () => run({ copies: [3] }), status: 400, code: 'INVALID_INPUT' },
  { name: 'drives a string', method: 'POST', route: () => '/api/runs', body: () => run({ drives: 'sim:0' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'verify a number', method: 'POST', route: () => '/api/runs', body: () => run({ verify: 1 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'label an object', method: 'POST', route: () => '/api/runs', body: () => run({ label: { x: 1 } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'dummyFirst a string', method: 'POST', route: () => '/api/runs', body: () => run({ dummyFirst: 'yes' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'rename with a number', method: 'PATCH', route: () => `/api/images/${env.image.id}`, body: () => ({ name: 7 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'import path an array', method: 'POST', route: () => '/api/images/import', body: () => ({ path: [env.isoSmall] }), status: 400, code: 'INVALID_INPUT' },
  { name: 'quarantine reason an object', method: 'POST', route: () => '/api/drives/sim:0/quarantine', body: () => ({ reason: { why: 1 } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'master allowDamaged a string', method: 'POST', route: () => '/api/masters', body: () => ({ driveId: 'sim:0', name: 'm', allowDamaged: 'yes' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'history limit not a number', method: 'GET', route: () => '/api/history?limit=lots', status: 400, code: 'INVALID_INPUT' },
  { name: 'history from not a number', method: 'GET', route: () => '/api/history?from=yesterday', status: 400, code: 'INVALID_INPUT' },
  { name: 'run waitFor not final', method: 'GET', route: () => '/api/runs/run-nope?waitFor=done', status: 400, code: 'INVALID_INPUT', message: /waitFor/ },
  { name: 'run waitFor twice', method: 'GET', route: () => '/api/runs/run-nope?waitFor=final&waitFor=final', status: 400, code: 'INVALID_INPUT' },
  { name: 'run timeoutMs not a number', method: 'GET', route: () => '/api/runs/run-nope?waitFor=final&timeoutMs=soon', status: 400, code: 'INVALID_INPUT', message: /timeoutMs/ },
  { name: 'malformed JSON: trailing comma', method: 'POST', route: () => '/api/runs', body: () => '{"imageId":"x","copies":2,}', status: 400, code: 'INVALID_INPUT' },
  { name: 'malformed JSON: single quotes', method: 'POST', route: () => '/api/images/import', body: () => "{'path':'/etc/passwd'}", status: 400, code: 'INVALID_INPUT' },
  { name: 'JSON null body', method: 'POST', route: () => '/api/runs', body: () => 'null', status: 400, code: 'INVALID_INPUT' },
  { name: 'JSON string body', method: 'POST', route: () => '/api/drives/sim:0/quarantine', body: () => '"reason"', status: 400, code: 'INVALID_INPUT' },
  { name: 'prototype pollution body', method: 'POST', route: () => '/api/runs', body: () => `{"imageId":"${env.image.id}","copies":2,"__proto__":{"admin":true}}`, status: 400, code: 'INVALID_INPUT' },
  { name: 'deeply nested JSON (5000 levels)', method: 'POST', route: () => '/api/runs', body: () => `${'['.repeat(5000)}${']'.repeat(5000)}`, status: 400, code: 'INVALID_INPUT', message: /must be object/ },
  { name: 'deeply nested label (5000 levels)', method: 'POST', route: () => '/api/runs', body: () => `{"imageId":"${env.image.id}","copies":2,"label":${'['.repeat(5000)}${']'.repeat(5000)}}`, status: 400, code: 'INVALID_INPUT', message: /label/ },
  { name: 'JSON with a form content type', method: 'POST', route: () => '/api/runs', body: () => 'imageId=x&copies=2', contentType: 'application/x-www-form-urlencoded', status: 415, code: /MEDIA_TYPE|UNSUPPORTED/ },
];

const rangeCases: Case[] = [
  { name: 'copies 10001', method: 'POST', route: () => '/api/runs', body: () => run({ copies: 10001 }), status: 400, code: 'INVALID_INPUT', message: /copies must be <= 10000/ },
  { name: 'copies 1e300', method: 'POST', route: () => '/api/runs', body: () => run({ copies: 1e300 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'copies -0.5', method: 'POST', route: () => '/api/runs', body: () => run({ copies: -0.5 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'speed 101', method: 'POST', route: () => '/api/runs', body: () => run({ speed: 101 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'speed -4', method: 'POST', route: () => '/api/runs', body: () => run({ speed: -4 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'priority -5', method: 'POST', route: () => '/api/runs', body: () => run({ priority: -5 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'maxAttemptsPerCopy 0', method: 'POST', route: () => '/api/runs', body: () => run({ maxAttemptsPerCopy: 0 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'verify everyNth -1', method: 'POST', route: () => '/api/runs', body: () => run({ verify: { everyNth: -1 } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'master retries -1', method: 'POST', route: () => '/api/masters', body: () => ({ driveId: 'sim:0', name: 'm', retries: -1 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'history limit 1000000', method: 'GET', route: () => '/api/history?limit=1000000', status: 400, code: 'INVALID_INPUT' },
  { name: 'history limit -1', method: 'GET', route: () => '/api/history?limit=-1', status: 400, code: 'INVALID_INPUT' },
  { name: 'production report by week', method: 'GET', route: () => '/api/reports/production?by=week', status: 400, code: 'INVALID_INPUT' },
  { name: 'production report from 30 February', method: 'GET', route: () => '/api/reports/production?from=2026-02-30', status: 400, code: 'INVALID_INPUT', message: /not a date/ },
  { name: 'production report from after to', method: 'GET', route: () => '/api/reports/production?from=2026-03-02&to=2026-03-01', status: 400, code: 'INVALID_INPUT', message: /after to/ },
  { name: 'production report over 401 days', method: 'GET', route: () => '/api/reports/production?from=2025-01-01&to=2026-02-05', status: 400, code: 'INVALID_INPUT', message: /at most 400 days/ },
  { name: 'production report from 10^20', method: 'GET', route: () => '/api/reports/production?from=100000000000000000000', status: 400, code: 'INVALID_INPUT' },
  { name: 'certificate of an unknown run', method: 'GET', route: () => '/api/runs/run-nope/certificate.pdf', status: 404, code: 'NOT_FOUND' },
  { name: 'customer name of 10 000 characters', method: 'POST', route: () => '/api/runs', body: () => run({ customer: { name: 'c'.repeat(10_000) } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'customer with an unknown field', method: 'POST', route: () => '/api/runs', body: () => run({ customer: { name: 'x', vat: 'DE1' } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'run timeoutMs 60001', method: 'GET', route: () => '/api/runs/run-nope?waitFor=final&timeoutMs=60001', status: 400, code: 'INVALID_INPUT', message: /timeoutMs must be <= 60000/ },
  { name: 'run timeoutMs -1', method: 'GET', route: () => '/api/runs/run-nope?waitFor=final&timeoutMs=-1', status: 400, code: 'INVALID_INPUT', message: /timeoutMs/ },
  { name: 'run timeoutMs without waitFor', method: 'GET', route: () => '/api/runs/run-nope?timeoutMs=100', status: 400, code: 'INVALID_INPUT', message: /only with waitFor=final/ },
  { name: 'rename to 10 000 characters', method: 'PATCH', route: () => `/api/images/${env.image.id}`, body: () => ({ name: 'n'.repeat(10_000) }), status: 400, code: 'INVALID_INPUT' },
  { name: 'quarantine reason of 100 000 characters', method: 'POST', route: () => '/api/drives/sim:0/quarantine', body: () => ({ reason: 'r'.repeat(100_000) }), status: 400, code: 'INVALID_INPUT' },
];

const unknownCases: Case[] = [
  { name: 'get an unknown run', method: 'GET', route: () => '/api/runs/run-nope', status: 404, code: 'NOT_FOUND' },
  { name: 'report of an unknown run', method: 'GET', route: () => '/api/runs/run-nope/report', status: 404, code: 'NOT_FOUND' },
  { name: 'resume an unknown run', method: 'POST', route: () => '/api/runs/run-nope/resume', status: 404, code: 'NOT_FOUND' },
  { name: 'cancel an unknown run', method: 'POST', route: () => '/api/runs/run-nope/cancel', body: () => ({}), status: 404, code: 'NOT_FOUND' },
  { name: 'get an unknown image', method: 'GET', route: () => '/api/images/img-000000000000', status: 404, code: 'NOT_FOUND' },
  { name: 'get an image by a traversal id', method: 'GET', route: () => `/api/images/${enc('../../etc/passwd')}`, status: 400, code: /INVALID_INPUT|NOT_FOUND/ },
  { name: 'delete an image by a traversal id', method: 'DELETE', route: () => `/api/images/${enc('../library')}`, status: 400, code: /INVALID_INPUT|NOT_FOUND/ },
  { name: 'scan an unknown image', method: 'POST', route: () => '/api/images/img-000000000000/scan', status: 404, code: 'NOT_FOUND' },
  { name: 'scan an image by a traversal id', method: 'POST', route: () => `/api/images/${enc('../../etc/passwd')}/scan`, status: 400, code: /INVALID_INPUT|NOT_FOUND/ },
  { name: 'scan an image by an id with a NUL byte', method: 'POST', route: () => '/api/images/img-0%00/scan', status: 400, code: /INVALID_INPUT|NOT_FOUND/ },
  { name: 'compress an unknown image', method: 'POST', route: () => '/api/images/img-000000000000/compress', status: 404, code: 'NOT_FOUND' },
  { name: 'decompress an unknown image', method: 'POST', route: () => '/api/images/img-000000000000/decompress', status: 404, code: 'NOT_FOUND' },
  { name: 'compress an image by a traversal id', method: 'POST', route: () => `/api/images/${enc('../../etc/passwd')}/compress`, status: 400, code: /INVALID_INPUT|NOT_FOUND/ },
  { name: 'decompress an image stored plain', method: 'POST', route: () => `/api/images/${env.image.id}/decompress`, status: 400, code: 'LIBRARY_BAD_REQUEST', message: /stored plain already/ },
  { name: 'compress an ISO larger than any CD as a CHD', method: 'POST', route: () => `/api/images/${overCd}/compress?as=chd`, status: 400, code: 'LIBRARY_BAD_REQUEST', message: /is an ISO of 829442048 bytes \(405001 sectors\), more than a CD holds \(CD 800 MB \(90 min\): 829440000 bytes, 405000 sectors\): CHD stores CD images only/ },
  { name: 'compress an ISO stored as a CHD as a CHD again', method: 'POST', route: () => `/api/images/${chdIso}/compress?as=chd`, status: 400, code: 'LIBRARY_BAD_REQUEST', message: /already stored compressed \(chd\): decompress it first/ },
  { name: 'compress an ISO stored as a CHD with zstd', method: 'POST', route: () => `/api/images/${chdIso}/compress`, status: 400, code: 'LIBRARY_BAD_REQUEST', message: /already stored compressed \(chd\)/ },
  { name: 'scan an ISO stored as a CHD', method: 'POST', route: () => `/api/images/${chdIso}/scan`, status: 400, code: 'LIBRARY_BAD_REQUEST', message: /stored compressed, which clamscan does not read inside/ },
  { name: 'compress as an unknown form', method: 'POST', route: () => `/api/images/${env.image.id}/compress?as=rar`, status: 400, code: 'INVALID_INPUT' },
  { name: 'compress as an empty form', method: 'POST', route: () => `/api/images/${env.image.id}/compress?as=`, status: 400, code: 'INVALID_INPUT' },
  { name: 'decompress as a form', method: 'POST', route: () => `/api/images/${env.image.id}/decompress?as=chd`, status: 400, code: 'LIBRARY_BAD_REQUEST', message: /decompress takes none/ },
  { name: 'get an unknown master', method: 'GET', route: () => '/api/masters/master-nope', status: 404, code: 'NOT_FOUND' },
  { name: 'master from an unknown drive', method: 'POST', route: () => '/api/masters', body: () => ({ driveId: 'sim:77', name: 'm' }), status: 404, code: 'NOT_FOUND' },
  { name: 'eject an unknown drive', method: 'POST', route: () => '/api/drives/sim:77/eject', status: 404, code: 'NOT_FOUND' },
  { name: 'release an unknown drive', method: 'POST', route: () => '/api/drives/sim:77/release', status: 404, code: 'NOT_FOUND' },
  { name: 'an unknown route', method: 'POST', route: () => '/api/drives/sim:0/format', status: 404, code: 'NOT_FOUND' },
];

const claim = (code: unknown): Case['body'] => () => ({ code });
const screenCases: Case[] = [
  { name: 'claim a wrong code', method: 'POST', route: () => '/api/screens/claim', body: claim('ZZZZ-ZZZZ'), token: null, status: 401, code: 'INVALID_PAIRING_CODE', message: /ask an operator for a new one/ },
  { name: 'claim a code already used', method: 'POST', route: () => '/api/screens/claim', body: () => ({ code: codes.used }), token: null, status: 401, code: 'INVALID_PAIRING_CODE' },
  { name: 'claim an expired code', method: 'POST', route: () => '/api/screens/claim', body: () => ({ code: codes.expired }), token: null, status: 401, code: 'INVALID_PAIRING_CODE' },
  { name: 'claim the code of a revoked screen', method: 'POST', route: () => '/api/screens/claim', body: () => ({ code: codes.revoked }), token: null, status: 401, code: 'INVALID_PAIRING_CODE' },
  { name: 'claim without a body', method: 'POST', route: () => '/api/screens/claim', token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'claim a code that is a number', method: 'POST', route: () => '/api/screens/claim', body: claim(12345678), token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'claim a code too long', method: 'POST', route: () => '/api/screens/claim', body: claim('ABCD-EFGH-JKMN'), token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'claim a code too short', method: 'POST', route: () => '/api/screens/claim', body: claim('ABCD'), token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'claim a code with shell metacharacters', method: 'POST', route: () => '/api/screens/claim', body: claim('AB;D-$(rm'), token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'claim asking for the operator role', method: 'POST', route: () => '/api/screens/claim', body: () => ({ code: 'ZZZZ-ZZZZ', role: 'operator' }), token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'claim with malformed JSON', method: 'POST', route: () => '/api/screens/claim', body: () => '{"code":"ABCD-EFGH"', token: null, status: 400, code: 'INVALID_INPUT' },
  { name: 'a screen token making a pairing code', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: 'wall-x' }), token: 'screen', status: 403, code: 'FORBIDDEN' },
  { name: 'a screen token listing the screens', method: 'GET', route: () => '/api/screens', token: 'screen', status: 403, code: 'FORBIDDEN' },
  { name: 'a screen token revoking a screen', method: 'DELETE', route: () => `/api/screens/${screenId}`, token: 'screen', status: 403, code: 'FORBIDDEN' },
  { name: 'pairing without a name', method: 'POST', route: () => '/api/screens/pairing', body: () => ({}), status: 400, code: 'INVALID_INPUT' },
  { name: 'pairing with an empty name', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: '' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'pairing with a name of 65 characters', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: 'w'.repeat(65) }), status: 400, code: 'INVALID_INPUT' },
  { name: 'pairing with a newline in the name', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: 'wall\nreboot' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'pairing with markup in the name', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: '<script>x</script>' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'pairing with a name that is an object', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: { first: 'wall' } }), status: 400, code: 'INVALID_INPUT' },
  { name: 'pairing asking for the operator role', method: 'POST', route: () => '/api/screens/pairing', body: () => ({ name: 'wall-x', role: 'operator' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'revoke an unknown screen', method: 'DELETE', route: () => '/api/screens/scr-0000000000', status: 404, code: 'NOT_FOUND' },
  { name: 'revoke a screen by a traversal id', method: 'DELETE', route: () => `/api/screens/${enc('../../etc/passwd')}`, status: 400, code: 'INVALID_INPUT' },
];

const idempotencyCases: Case[] = [
  { name: 'create a run with an Idempotency-Key of 101 characters', method: 'POST', route: () => '/api/runs', body: () => run({}), headers: () => ({ 'idempotency-key': 'k'.repeat(101) }), status: 400, code: 'INVALID_INPUT', message: /Idempotency-Key must be 1\.\.100/ },
  { name: 'create a run with an Idempotency-Key with spaces', method: 'POST', route: () => '/api/runs', body: () => run({}), headers: () => ({ 'idempotency-key': 'my key' }), status: 400, code: 'INVALID_INPUT', message: /Idempotency-Key/ },
  { name: 'create a run with an Idempotency-Key of shell metacharacters', method: 'POST', route: () => '/api/runs', body: () => run({}), headers: () => ({ 'idempotency-key': '$(reboot);`id`' }), status: 400, code: 'INVALID_INPUT', message: /Idempotency-Key/ },
  { name: 'create a run with an empty Idempotency-Key', method: 'POST', route: () => '/api/runs', body: () => run({}), headers: () => ({ 'idempotency-key': '' }), status: 400, code: 'INVALID_INPUT', message: /Idempotency-Key/ },
  { name: 'delete an image with an Idempotency-Key climbing out', method: 'DELETE', route: () => `/api/images/${env.image.id}`, headers: () => ({ 'idempotency-key': '../../etc/passwd' }), status: 400, code: 'INVALID_INPUT', message: /Idempotency-Key/ },
  { name: 'quarantine with an Idempotency-Key of 10 000 characters', method: 'POST', route: () => '/api/drives/sim:0/quarantine', body: () => ({ reason: 'x' }), headers: () => ({ 'idempotency-key': 'q'.repeat(10_000) }), status: 400, code: 'INVALID_INPUT', message: /Idempotency-Key/ },
  { name: 'a used Idempotency-Key with another body', method: 'POST', route: () => '/api/runs/run-nope/cancel', body: () => ({ inFlight: 'finish' }), headers: () => ({ 'idempotency-key': REUSED_KEY }), status: 422, code: 'IDEMPOTENCY_KEY_REUSED', message: /use a new key/ },
  { name: 'a used Idempotency-Key for another run', method: 'POST', route: () => '/api/runs/run-other/cancel', body: () => ({}), headers: () => ({ 'idempotency-key': REUSED_KEY }), status: 422, code: 'IDEMPOTENCY_KEY_REUSED' },
];

const insert = (body: unknown): Pick<Case, 'method' | 'route' | 'body'> => ({ method: 'POST', route: () => '/api/drives/sim:0/insert', body: () => body });
const insertCases: Case[] = [
  { name: 'insert without a body', method: 'POST', route: () => '/api/drives/sim:0/insert', status: 400, code: 'INVALID_INPUT' },
  { name: 'insert a disc of no kind', ...insert({ mediaType: 'CD-R' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert a disc of an unknown kind', ...insert({ kind: 'floppy', mediaType: 'CD-R' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert a blank of a pressed type (DVD-ROM)', ...insert({ kind: 'blank', mediaType: 'DVD-ROM' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert a blank of a made-up type', ...insert({ kind: 'blank', mediaType: 'HD-DVD' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert a blank of no type', ...insert({ kind: 'blank' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert a blank with an image id too', ...insert({ kind: 'blank', mediaType: 'CD-R', imageId: 'img-000000000000' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert an image by a traversal id', ...insert({ kind: 'image', imageId: '../../etc/passwd' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert an image by a path', ...insert({ kind: 'image', path: '/etc/passwd' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert an image id that is a number', ...insert({ kind: 'image', imageId: 42 }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert into a drive with shell metacharacters', method: 'POST', route: () => `/api/drives/${enc('sim:0;reboot')}/insert`, body: () => ({ kind: 'blank', mediaType: 'CD-R' }), status: 400, code: 'INVALID_INPUT' },
  { name: 'insert into an unknown drive', method: 'POST', route: () => '/api/drives/sim:77/insert', body: () => ({ kind: 'blank', mediaType: 'CD-R' }), status: 404, code: 'NOT_FOUND' },
];

const tables: Record<string, Case[]> = {
  'shell metacharacters in device strings': shellCases,
  'path traversal in import paths': traversalCases,
  'truncated, garbage and oversized images': imageCases,
  'missing tokens and wrong roles': authCases,
  'routes reached through another spelling of their path': bypassCases,
  'wrong types and malformed JSON': typeCases,
  'out-of-range numbers': rangeCases,
  'unknown ids': unknownCases,
  'wall-screen pairing codes and screen tokens': screenCases,
  'malformed and reused Idempotency-Keys': idempotencyCases,
  'a disc put into a simulated drive': insertCases,
};

/** Send a request with `target` as its request target, byte for byte (fetch would normalise it). */
function sendRaw(method: string, target: string, token: string | null, body: unknown): Promise<{ status: number; body: { error?: { code?: string; message?: string } }; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
  };
  const { hostname, port } = new URL(env.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: the assertions on the error body say what came back.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as { error?: { code?: string } }, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function send(c: Case): Promise<{ status: number; body: { error?: { code?: string; message?: string } }; text: string }> {
  const body = c.body?.();
  if (c.headers !== undefined) {
    const headers: Record<string, string> = { authorization: `Bearer ${c.token ?? 'op-secret-token'}`, ...c.headers() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${env.url}${c.route()}`, { method: c.method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as { error?: { code?: string } }, text };
  }
  if (c.token === 'screen') return call(env, c.method, c.route(), { ...(body === undefined ? {} : { body }), token: screenToken });
  if (c.raw === true) return sendRaw(c.method, c.route(), c.token === undefined ? 'op-secret-token' : c.token, body);
  if (c.chunked === true && body instanceof Uint8Array) {
    const headers: Record<string, string> = { authorization: `Bearer ${c.token ?? 'op-secret-token'}`, 'content-type': c.contentType ?? 'application/octet-stream' };
    const chunks = [body.subarray(0, body.length / 2), body.subarray(body.length / 2)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    const res = await fetch(`${env.url}${c.route()}`, { method: c.method, headers, body: stream, duplex: 'half' } as RequestInit);
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as { error?: { code?: string } }, text };
  }
  return call(env, c.method, c.route(), {
    ...(body === undefined ? {} : { body }),
    ...(c.contentType === undefined ? {} : { contentType: c.contentType }),
    ...(c.token === undefined ? {} : { token: c.token }),
  });
}

describe('API bad input: a clear 4xx, nothing changed', () => {
  for (const [table, cases] of Object.entries(tables)) {
    describe(table, () => {
      it.each(cases)('$name → $status', async (c) => {
        const before = await state();
        const res = await send(c);
        expect(res.status, res.text.slice(0, 500)).toBe(c.status);
        expect(res.body.error?.code, res.text.slice(0, 500)).toMatch(typeof c.code === 'string' ? new RegExp(`^${c.code}$`) : c.code);
        expect(res.body.error?.message ?? '').not.toBe('');
        if (c.message !== undefined) expect(res.body.error?.message).toMatch(c.message);
        // No stack traces or internals in the answer.
        expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
        expect(await state()).toEqual(before);
      });
    });
  }

  it('still serves the library as it was', async () => {
    const res = await call(env, 'GET', '/api/images');
    expect(res.status).toBe(200);
    expect(res.body.map((i: { id: string }) => i.id).sort()).toEqual([env.image.id, overCd, chdIso].sort());
  });
});
