/**
 * Bad input to run templates, "run again" and hot-folder job files, on the
 * real app (apps/controller/test/api/support.ts: Redis, library, planner).
 *
 * - Over the API: every template route and `POST /api/runs/:id/again` with
 *   malformed names, bodies, unknown ids, wrong roles, a run still active:
 *   each a clear 4xx in the API's error format, nothing changed (templates,
 *   runs, audit log).
 * - Job files dropped into a hot folder: malformed JSON or `.jrq`, unknown
 *   keys and fields, out-of-range values, paths out of the import roots,
 *   unknown images, templates and drives, a file too large; `Data=` jobs
 *   whose folder is outside the roots, climbs out with `..`, holds a link
 *   out or is too large for the media; MergeField, PrintLabel and CDText
 *   lines that are too long, unknown, mixed or for an ISO: each moved to the
 *   error folder with its reason beside it, no run, no image, no status.
 * - `hotFolders` in tower.json: folders that cannot be hot folders, bad
 *   settle and poll periods, unknown fields: each refused naming the entry.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv, VIEWER, waitFor } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';
import { startHotFolders } from '../../apps/controller/src/hot-folder/hot-folders.js';
import { parseConfigText, resolveConfig } from '../../apps/controller/src/config/config.js';

let env: Env;
let activeRun = '';
let stopHot: () => Promise<void> = async () => undefined;
const hot = { dir: '', errorDir: '' };
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  expect((await call(env, 'PUT', '/api/templates/std', { body: { imageId: env.image.id, copies: 2 } })).status).toBe(201);
  activeRun = (await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } })).body.id;
  hot.dir = path.join(env.dir, 'hot');
  hot.errorDir = path.join(hot.dir, 'errors');
  stopHot = await startHotFolders([{ dir: hot.dir, errorDir: hot.errorDir, settleMs: 200, pollMs: 50 }], env.app.services, () => undefined, 100);
});
afterAll(async () => {
  await stopHot();
  await env?.stop();
});

async function state(): Promise<unknown> {
  return {
    templates: await env.redis.hgetall(env.runStore.keys.templates()),
    runs: (await env.runStore.listRunIds()).sort(),
    audit: await env.redis.llen(env.runStore.keys.audit()),
  };
}

interface ApiCase {
  readonly label: string;
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly route: () => string;
  readonly body?: unknown;
  readonly token?: string | null;
  readonly status: number;
  readonly message: RegExp;
}

/** Stands for the library image's id in the cases (known only once the app runs). */
const IMAGE = '$image';
const good = (): Record<string, unknown> => ({ imageId: IMAGE, copies: 2 });
/** A case's body with the image's id in place. */
function bodyOf(body: unknown): unknown {
  return typeof body === 'string' ? body : JSON.parse(JSON.stringify(body).replaceAll(JSON.stringify(IMAGE), JSON.stringify(env.image.id))) as unknown;
}
const apiCases: ApiCase[] = [
  { label: 'template name with a space', method: 'PUT', route: () => '/api/templates/bad%20name', body: { copies: 1 }, status: 400, message: /name/ },
  { label: 'template name of 65 characters', method: 'PUT', route: () => `/api/templates/${'a'.repeat(65)}`, body: { copies: 1 }, status: 400, message: /name/ },
  { label: 'template name starting with a dot', method: 'PUT', route: () => '/api/templates/.hidden', body: { copies: 1 }, status: 400, message: /name/ },
  { label: 'template without imageId', method: 'PUT', route: () => '/api/templates/t1', body: { copies: 1 }, status: 400, message: /imageId/ },
  { label: 'template with copies 0', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), copies: 0 }, status: 400, message: /copies/ },
  { label: 'template with copies as a string', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), copies: '2' }, status: 400, message: /copies/ },
  { label: 'template with copies 10001', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), copies: 10001 }, status: 400, message: /copies/ },
  { label: 'template of an unknown image', method: 'PUT', route: () => '/api/templates/t1', body: { imageId: 'no-such-image', copies: 1 }, status: 404, message: /no-such-image/ },
  { label: 'template with merge serials as a string', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), merge: { serials: '1-10' } }, status: 400, message: /merge/ },
  { label: 'template with an unknown drive', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), drives: ['sim:99'] }, status: 400, message: /sim:99/ },
  { label: 'template with a bad verify', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), verify: 'sometimes' }, status: 400, message: /verify/ },
  { label: 'template with speed 101', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), speed: 101 }, status: 400, message: /speed/ },
  { label: 'template with priority 0', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), priority: 0 }, status: 400, message: /priority/ },
  { label: 'template with a label of 201 characters', method: 'PUT', route: () => '/api/templates/t1', body: { ...good(), label: 'x'.repeat(201) }, status: 400, message: /label/ },
  { label: 'template body not JSON', method: 'PUT', route: () => '/api/templates/t1', body: '{"copies": ', status: 400, message: /JSON/ },
  { label: 'template body an array', method: 'PUT', route: () => '/api/templates/t1', body: [good()], status: 400, message: /object/ },
  { label: 'template saved by a viewer', method: 'PUT', route: () => '/api/templates/t1', body: good(), token: VIEWER, status: 403, message: /viewer/ },
  { label: 'template saved without a token', method: 'PUT', route: () => '/api/templates/t1', body: good(), token: null, status: 401, message: /token/ },
  { label: 'delete of an unknown template', method: 'DELETE', route: () => '/api/templates/nope', status: 404, message: /nope/ },
  { label: 'delete of a template by a viewer', method: 'DELETE', route: () => '/api/templates/std', token: VIEWER, status: 403, message: /viewer/ },
  { label: 'template read with a bad name', method: 'GET', route: () => '/api/templates/a%2Fb', status: 400, message: /name/ },
  { label: 'run of an unknown template', method: 'POST', route: () => '/api/templates/nope/run', status: 404, message: /nope/ },
  { label: 'template run with copies 0', method: 'POST', route: () => '/api/templates/std/run', body: { copies: 0 }, status: 400, message: /copies/ },
  { label: 'template run changing the image', method: 'POST', route: () => '/api/templates/std/run', body: { imageId: 'other-image' }, status: 400, message: /imageId/ },
  { label: 'template run with an unknown drive', method: 'POST', route: () => '/api/templates/std/run', body: { drives: ['sim:99'] }, status: 400, message: /sim:99/ },
  { label: 'template run by a viewer', method: 'POST', route: () => '/api/templates/std/run', token: VIEWER, status: 403, message: /viewer/ },
  { label: 'run again of an unknown run', method: 'POST', route: () => '/api/runs/no-such-run/again', status: 404, message: /no-such-run/ },
  { label: 'run again of a run still active', method: 'POST', route: () => `/api/runs/${activeRun}/again`, status: 409, message: /only a completed, cancelled or failed run/ },
  { label: 'run again with a bad run id', method: 'POST', route: () => '/api/runs/bad%20id/again', status: 400, message: /id/ },
  { label: 'run again by a viewer', method: 'POST', route: () => `/api/runs/${activeRun}/again`, token: VIEWER, status: 403, message: /viewer/ },
];

describe('templates and run again: bad input over the API', () => {
  it.each(apiCases)('$label → $status', async (k) => {
    const before = await state();
    const res = await call(env, k.method, k.route(), { ...(k.body === undefined ? {} : { body: bodyOf(k.body) }), ...(k.token === undefined ? {} : { token: k.token }) });
    expect(res.status, res.text).toBe(k.status);
    expect(res.body.error.message).toMatch(k.message);
    expect(await state()).toEqual(before);
  });
});

interface JobCase {
  readonly name: string;
  readonly content: () => string | Buffer;
  readonly reason: RegExp;
}

const jobCases: JobCase[] = [
  { name: 'not-json.json', content: () => '{ "copies": 2, ', reason: /not valid JSON/ },
  { name: 'array.json', content: () => '[]', reason: /one object/ },
  { name: 'unknown-field.json', content: () => JSON.stringify({ ...good(), colour: 'red' }), reason: /unknown field 'colour'/ },
  { name: 'copies-zero.json', content: () => JSON.stringify({ ...good(), copies: 0 }), reason: /copies/ },
  { name: 'no-image.json', content: () => JSON.stringify({ copies: 2 }), reason: /no image: give imageId, imagePath or template/ },
  { name: 'two-sources.json', content: () => JSON.stringify({ ...good(), template: 'std' }), reason: /give one of imageId, template/ },
  { name: 'no-copies.json', content: () => JSON.stringify({ imageId: env.image.id }), reason: /copies: required/ },
  { name: 'bad-verify.json', content: () => JSON.stringify({ ...good(), verify: 'maybe' }), reason: /verify: must be/ },
  { name: 'traversal.json', content: () => JSON.stringify({ imagePath: '../secret.iso', copies: 1 }), reason: /'\.\.'/ },
  { name: 'outside.json', content: () => JSON.stringify({ imagePath: '/etc/passwd', copies: 1 }), reason: /import root/ },
  { name: 'unknown-image.json', content: () => JSON.stringify({ imageId: 'no-such-image', copies: 1 }), reason: /NOT_FOUND: .*no-such-image/ },
  { name: 'unknown-template.json', content: () => JSON.stringify({ template: 'nope' }), reason: /no template named 'nope'/ },
  { name: 'unknown-drive.json', content: () => JSON.stringify({ ...good(), drives: ['sim:99'] }), reason: /INVALID_INPUT: drives\[0\]: no drive or group named "sim:99"/ },
  { name: 'too-large.json', content: () => Buffer.alloc(65 * 1024, 0x20), reason: /at most 65536/ },
  { name: 'no-equals.jrq', content: () => `ImageId=${env.image.id}\nCopies 2\n`, reason: /line 2: not Key=Value/ },
  { name: 'unknown-key.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nRejectIfNotBlank=YES\n`, reason: /unknown key 'RejectIfNotBlank'/ },
  { name: 'merge-file.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nMergeFile=fields.txt\n`, reason: /line 3: MergeFile: not a PTBurn key this tower honours/ },
  { name: 'merge-long.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nMergeField=${'m'.repeat(201)}\n`, reason: /line 3: MergeField: at most 200 characters/ },
  { name: 'merge-many.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\n${'MergeField=x\n'.repeat(100)}`, reason: /at most 99 MergeField lines/ },
  { name: 'print-label-path.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nPrintLabel=C:\\labels\\disc.std\n`, reason: /PrintLabel: not a label template name/ },
  { name: 'print-label-unconfigured.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nPrintLabel=disc\n`, reason: /PRINTING_NOT_CONFIGURED/ },
  { name: 'data-outside.jrq', content: () => 'Data=/srv/files\nCopies=2\n', reason: /BUILD_FOLDER_REFUSED: .*import root/ },
  { name: 'data-traversal.jrq', content: () => 'Data=../secret\nCopies=2\n', reason: /BUILD_FOLDER_REFUSED: .*'\.\.'/ },
  { name: 'data-link-out.jrq', content: () => `Data=${dataFolder('link-out', (d) => symlinkSync('/etc', path.join(d, 'etc')))}\nCopies=2\n`, reason: /the link etc leads outside the import roots/ },
  { name: 'data-empty.jrq', content: () => `Data=${dataFolder('empty', () => undefined)}\nCopies=2\n`, reason: /the folder holds no files/ },
  { name: 'data-too-big.jrq', content: () => `Data=${dataFolder('big', (d) => sparse(path.join(d, 'big.bin'), 800 * 1024 * 1024))}\nCopies=2\nMedia=cd\n`, reason: /BUILD_TOO_LARGE_FOR_MEDIA: the image would take \d+ sectors .* cd holds/ },
  { name: 'data-session.jrq', content: () => 'Data=/srv/files,Session2\nCopies=2\n', reason: /line 1: Data: SessionX is not supported/ },
  { name: 'data-disc-path-up.jrq', content: () => 'Data=/srv/files>\\..\\..\\x\nCopies=2\n', reason: /line 1: Data: .* is not a path on the disc/ },
  { name: 'data-and-image.jrq', content: () => `ImageId=${env.image.id}\nData=/srv/files\nCopies=2\n`, reason: /give one of ImageId, Data, not 2/ },
  { name: 'volume-alone.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nVolumeName=DISC\n`, reason: /VolumeName: only with Data= lines/ },
  { name: 'cdtext-iso.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nCDTextDiscTitle=Hits\n`, reason: /CD_TEXT_NEEDS_TOC: cdText: image .* is an ISO image/ },
  { name: 'cdtext-unknown.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nCDTextDiscGenre=Pop\n`, reason: /line 3: unknown CD-TEXT key 'CDTextDiscGenre'/ },
  { name: 'cdtext-mixed.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nCDTextTrackTitle2=B\nCDTextTrackTitle=A\n`, reason: /line 4: .*numbered or every one in order, not both/ },
  { name: 'cdtext-long.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nCDTextTrackTitle1=${'t'.repeat(101)}\n`, reason: /CD-TEXT: track 1 title: at most 100 characters/ },
  { name: 'cdtext-unicode.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nCDTextDiscPerformer=Σ\n`, reason: /disc performer: only printable ISO 8859-1/ },
  { name: 'copies-word.jrq', content: () => `ImageId=${env.image.id}\nCopies=many\n`, reason: /Copies: a whole number 1\.\.10000/ },
  { name: 'verify-maybe.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nVerifyDisc=MAYBE\n`, reason: /VerifyDisc: YES or NO/ },
  { name: 'twice.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\ncopies=3\n`, reason: /copies given twice/ },
  { name: 'speed.jrq', content: () => `ImageId=${env.image.id}\nCopies=2\nBurnSpeed=500\n`, reason: /BurnSpeed: a whole number 1\.\.100/ },
  { name: 'no-copies.jrq', content: () => `ImageId=${env.image.id}\n`, reason: /Copies: required/ },
  { name: 'bad-media.jrq', content: () => `ImageId=${env.image.id}\nCopies=1\nMedia=floppy\n`, reason: /Media: one of cd, dvd/ },
];

/** A folder inside the import root for a `Data=` job, made by `fill`. */
function dataFolder(name: string, fill: (dir: string) => void): string {
  const dir = path.join(env.importRoot, `data-${name}`);
  mkdirSync(dir, { recursive: true });
  fill(dir);
  return dir;
}

/** A sparse file of `bytes` (no disc space taken). */
function sparse(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

describe('hot-folder job files: bad input lands in the error folder with its reason', () => {
  it.each(jobCases)('$name', async (k) => {
    const runs = (await env.runStore.listRunIds()).sort();
    const images = env.library.list().length;
    const content = k.content();
    writeFileSync(path.join(hot.dir, k.name), typeof content === 'string' ? content.replaceAll(IMAGE, env.image.id) : content);
    const reasonFile = path.join(hot.errorDir, `${k.name}.reason`);
    // The reason is written first, then the job file moved beside it.
    await waitFor(() => existsSync(path.join(hot.errorDir, k.name)), 10_000, 'the job file in the error folder');
    expect(readFileSync(reasonFile, 'utf8')).toMatch(k.reason);
    expect(existsSync(path.join(hot.dir, k.name))).toBe(false);
    expect(existsSync(path.join(hot.dir, `${k.name}.status`))).toBe(false);
    expect((await env.runStore.listRunIds()).sort()).toEqual(runs);
    expect(env.library.list()).toHaveLength(images);
  });
});

interface ConfigCase {
  readonly label: string;
  readonly hotFolders: unknown;
  readonly message: RegExp;
}

const configCases: ConfigCase[] = [
  { label: 'the root folder', hotFolders: [{ dir: '/' }], message: /hotFolders\[0\]\.dir: '\/' is the root folder/ },
  { label: 'inside the library', hotFolders: [{ dir: 'data/library/hot' }], message: /hotFolders\[0\]\.dir: .* is the image library's folder or inside it/ },
  { label: 'the data folder itself', hotFolders: [{ dir: 'data' }], message: /hotFolders\[0\]\.dir: .* is the data folder itself/ },
  { label: 'its error folder the hot folder', hotFolders: [{ dir: 'hot', errorDir: 'hot' }], message: /hotFolders\[0\]\.errorDir: the error folder must not be the hot folder itself/ },
  { label: 'one inside another', hotFolders: [{ dir: 'hot' }, { dir: 'hot/inner' }], message: /hotFolders\[1\]\.dir: .* is hotFolders\[0\]'s folder or inside it/ },
  { label: 'settleMs 0', hotFolders: [{ dir: 'hot', settleMs: 0 }], message: /settleMs/ },
  { label: 'pollMs as a string', hotFolders: [{ dir: 'hot', pollMs: '100' }], message: /pollMs/ },
  { label: 'an unknown field', hotFolders: [{ dir: 'hot', watch: true }], message: /hotFolders/ },
  { label: 'an empty dir', hotFolders: [{ dir: '' }], message: /dir/ },
  { label: 'not a list', hotFolders: { dir: 'hot' }, message: /hotFolders/ },
];

describe('hotFolders in tower.json: bad entries are refused, naming the entry', () => {
  it.each(configCases)('$label', (k) => {
    const file = '/srv/tower/tower.json';
    expect(() => resolveConfig(parseConfigText(JSON.stringify({ dataDir: 'data', hotFolders: k.hotFolders })), { filePath: file, cwd: '/srv/tower' })).toThrow(k.message);
  });
});
