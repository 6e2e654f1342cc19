/**
 * Hot folders on a real API, Redis and library (no drives: the runs wait;
 * the e2e test burns them): job files become runs with their settings and
 * status files; bad ones go to the error folder with their reason; a file
 * still being written, or under a temp name, is never taken; a job seen
 * again, re-dropped, after a restart or after its claim expired, never
 * starts a second run, and its status keeps being updated after the restart.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHotFolders } from '../../src/hot-folder/hot-folders.js';
import type { JobStatus } from '../../src/hot-folder/job-status.js';
import type { RunView } from '../../src/shared/api-types.js';
import { call, startEnv, waitFor } from '../api/support.js';
import type { Env } from '../api/support.js';

let env: Env;
let stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  env = await startEnv();
});
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
});
afterAll(async () => env?.stop());

/** Settle period of the tests' folders, ms: a file unchanged this long is taken. */
const SETTLE_MS = 600;

let folders = 0;
async function hotFolder(): Promise<{ dir: string; errorDir: string; restart: () => Promise<void> }> {
  const dir = path.join(env.dir, `hot-${++folders}`);
  const spec = { dir, errorDir: path.join(dir, 'errors'), settleMs: SETTLE_MS, pollMs: 100 };
  let stop = await startHotFolders([spec], env.app.services, () => undefined, 100);
  stops.push(() => stop());
  return {
    dir,
    errorDir: spec.errorDir,
    async restart() {
      await stop();
      stop = await startHotFolders([spec], env.app.services, () => undefined, 100);
    },
  };
}

async function hotRuns(label: string): Promise<RunView[]> {
  return ((await call<RunView[]>(env, 'GET', '/api/runs')).body).filter((r) => r.createdBy === 'hot-folder' && r.label === label);
}

function readStatus(dir: string, job: string): JobStatus | null {
  const file = path.join(dir, `${job}.status`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as JobStatus : null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('hot folders', () => {
  it('a JSON job by image id starts a run with its settings, and its status follows the run to its end', async () => {
    const hot = await hotFolder();
    writeFileSync(path.join(hot.dir, 'order-1.json'), JSON.stringify({ imageId: env.image.id, copies: 3, verify: 'off', priority: 7, label: 'order-1' }));
    const status = await waitFor(() => readStatus(hot.dir, 'order-1.json'), 10_000, 'the status file');
    const [run] = await hotRuns('order-1');
    expect(run).toMatchObject({ id: status.runId, copies: 3, verify: 'off', priority: 7, imageId: env.image.id });
    expect(status).toMatchObject({ job: 'order-1.json', copies: 3, final: false, passed: 0 });
    expect((await call(env, 'POST', `/api/runs/${status.runId}/cancel`)).status).toBe(200);
    const final = await waitFor(() => (readStatus(hot.dir, 'order-1.json')?.final ? readStatus(hot.dir, 'order-1.json') : null), 10_000, 'the final status');
    expect(final).toMatchObject({ state: 'cancelled', final: true, passed: 0 });
    expect(readdirSync(hot.dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a JRQ job by path inside the import roots imports the image; CD-TEXT for an ISO and bad files are refused with a reason', async () => {
    const hot = await hotFolder();
    writeFileSync(path.join(hot.dir, 'press.JRQ'), `ImageFile=${env.isoSmall}\r\nCopies=2\r\nVerifyDisc=NO\r\nBurnSpeed=8\r\nJobID=press\r\n`);
    writeFileSync(path.join(hot.dir, 'merge.jrq'), `ImageFile=${env.isoSmall}\nCopies=2\nCDTextDiscTitle=Hits\n`);
    writeFileSync(path.join(hot.dir, 'broken.json'), '{ "imageId": ');
    writeFileSync(path.join(hot.dir, 'unknown.json'), JSON.stringify({ imageId: 'no-such-image', copies: 1 }));
    writeFileSync(path.join(hot.dir, 'outside.jrq'), 'ImageFile=/etc/passwd\nCopies=1\n');
    const status = await waitFor(() => readStatus(hot.dir, 'press.JRQ'), 10_000, 'the status file');
    expect(status.notes).toEqual([]);
    const [run] = await hotRuns('press');
    expect(run).toMatchObject({ copies: 2, verify: 'off', speed: 8 });
    expect(env.library.get(run?.imageId ?? '')?.sha256).toBe(env.image.sha256);
    const refused = ['merge.jrq', 'broken.json', 'unknown.json', 'outside.jrq'];
    // Each reason is written first, then its job file moved beside it.
    await waitFor(() => refused.every((n) => existsSync(path.join(hot.errorDir, n))), 10_000, 'four refused files');
    const reason = (name: string): string => readFileSync(path.join(hot.errorDir, `${name}.reason`), 'utf8');
    expect(reason('merge.jrq')).toMatch(/CD_TEXT_NEEDS_TOC: cdText: image .* is an ISO image; CD-TEXT is burned only from an audio \(CUE\) image with a TOC file/);
    expect(reason('broken.json')).toMatch(/not valid JSON/);
    expect(reason('unknown.json')).toMatch(/NOT_FOUND: .*no-such-image/);
    expect(reason('outside.jrq')).toMatch(/import root/);
    expect(readdirSync(hot.dir).sort()).toEqual(['errors', 'press.JRQ', 'press.JRQ.status']);
  });

  it('a JRQ job of Data= builds its image into the library and starts the run; MergeField values are the run\'s; a bad Data= job goes to the error folder', async () => {
    const hot = await hotFolder();
    const src = path.join(env.importRoot, 'press-data');
    mkdirSync(path.join(src, 'docs'), { recursive: true });
    writeFileSync(path.join(src, 'README.TXT'), 'read me\n');
    writeFileSync(path.join(src, 'docs', 'a.txt'), 'x'.repeat(100_000));
    const extra = path.join(env.importRoot, 'press-extra');
    mkdirSync(extra, { recursive: true });
    writeFileSync(path.join(extra, 'price=list.txt'), 'prices\n');
    const data = [`Data=${src}`, `Data=${extra}/price=list.txt>\\Lists\\PRICES.TXT`, `Data=${extra}>\\Extra`, `Data=${src}/README.TXT>/Copy of README.TXT`];
    writeFileSync(path.join(hot.dir, 'data.jrq'), `${data.join('\n')}\nVolumeName=Press Data\nCopies=2\nJobID=data-job\nMergeField=Ada & Co\nMergeField=Order 17\n`);
    writeFileSync(path.join(hot.dir, 'outside.jrq'), 'Data=/etc\nCopies=1\n');
    writeFileSync(path.join(hot.dir, 'two.jrq'), `Data=${src}\nData=${src}/README.TXT\nCopies=1\n`);
    const status = await waitFor(() => (readStatus(hot.dir, 'data.jrq')?.state === 'queued' ? readStatus(hot.dir, 'data.jrq') : null), 30_000, 'the run\'s status');
    const [run] = await hotRuns('data-job');
    expect(run?.id).toBe(status.runId);
    const image = env.library.get(run?.imageId ?? '');
    expect(image).toMatchObject({ name: 'Press Data', format: 'iso', provenance: { kind: 'built' } });
    expect(status.notes).toEqual([`built image ${image?.id ?? ''} 'Press Data' from ${[src, `${extra}/price=list.txt`, extra, `${src}/README.TXT`].join(', ')}`]);
    // What is on the disc, as xorriso reads the image back.
    const listed = spawnSync('xorriso', ['-indev', path.join(env.library.dir, image?.imageFile ?? ''), '-find', '/', '-type', 'f'], { encoding: 'utf8' }).stdout;
    expect(listed.trim().split('\n').map((l) => l.replace(/^'|'$/g, '')).sort()).toEqual(['/Copy of README.TXT', '/Extra/price=list.txt', '/Lists/PRICES.TXT', '/README.TXT', '/docs/a.txt']);
    const meta = await env.redis.hget(env.app.services.keys.runMeta(status.runId), 'labelMerge');
    expect(JSON.parse(meta ?? 'null')).toEqual(['Ada & Co', 'Order 17']);
    expect(run?.labelMerge).toEqual(['Ada & Co', 'Order 17']);
    await waitFor(() => ['outside.jrq', 'two.jrq'].every((n) => existsSync(path.join(hot.errorDir, n))), 30_000, 'the refused jobs');
    expect(readFileSync(path.join(hot.errorDir, 'outside.jrq.reason'), 'utf8')).toMatch(/BUILD_FOLDER_REFUSED: .*\/etc.*import root/);
    expect(readFileSync(path.join(hot.errorDir, 'two.jrq.reason'), 'utf8')).toMatch(/BUILD_OPTIONS_REFUSED: two sources put something at \/README\.TXT on the disc/);
    expect(existsSync(path.join(hot.dir, 'outside.jrq.status'))).toBe(false);
  });

  it('a job file written in chunks over 2.4 s, or under a temp name, is taken once, complete, after it settled', async () => {
    const hot = await hotFolder();
    const text = JSON.stringify({ imageId: env.image.id, copies: 4, verify: 'off', label: 'slow-copy' }, null, 1);
    const file = path.join(hot.dir, 'slow.json');
    writeFileSync(path.join(hot.dir, 'slow.json.tmp'), text);
    writeFileSync(path.join(hot.dir, '.slow.json'), text);
    writeFileSync(path.join(hot.dir, 'slow.json~'), text);
    // Each chunk comes within the settle period of the last: a look in between finds it still changing.
    const chunks = 12;
    const size = Math.ceil(text.length / chunks);
    for (let i = 0; i < chunks; i++) {
      appendFileSync(file, text.slice(i * size, (i + 1) * size));
      await sleep(200);
      expect(readdirSync(hot.errorDir)).toEqual([]);
    }
    const status = await waitFor(() => readStatus(hot.dir, 'slow.json'), 10_000, 'the status file');
    await sleep(2 * SETTLE_MS);
    const runs = await hotRuns('slow-copy');
    expect(runs.map((r) => [r.id, r.copies])).toEqual([[status.runId, 4]]);
    expect(readdirSync(hot.errorDir)).toEqual([]);
  });

  it('a job picked up twice, re-dropped or after a restart, never starts a second run; its status goes on after the restart', async () => {
    const hot = await hotFolder();
    const text = JSON.stringify({ imageId: env.image.id, copies: 2, label: 'twice' });
    const file = path.join(hot.dir, 'twice.json');
    writeFileSync(file, text);
    const first = await waitFor(() => readStatus(hot.dir, 'twice.json'), 10_000, 'the status file');
    writeFileSync(file, text);
    await sleep(3 * SETTLE_MS);
    await hot.restart();
    await sleep(3 * SETTLE_MS);
    expect((await hotRuns('twice')).map((r) => r.id)).toEqual([first.runId]);
    // Its claim gone (expired after 30 days) while the file stayed: the status file still names its run.
    const claims = await env.redis.keys(`${env.runStore.keys.prefix}:hot-folder:job:*`);
    expect(claims.length).toBeGreaterThan(0);
    await env.redis.del(...claims);
    writeFileSync(file, text);
    await sleep(3 * SETTLE_MS);
    expect((await hotRuns('twice')).map((r) => r.id)).toEqual([first.runId]);
    expect((await call(env, 'POST', `/api/runs/${first.runId}/cancel`)).status).toBe(200);
    const final = await waitFor(() => (readStatus(hot.dir, 'twice.json')?.final ? readStatus(hot.dir, 'twice.json') : null), 10_000, 'the final status');
    expect(final).toMatchObject({ runId: first.runId, state: 'cancelled' });
    // The same content under another name is another job.
    mkdirSync(hot.dir, { recursive: true });
    writeFileSync(path.join(hot.dir, 'twice-again.json'), text);
    await waitFor(() => readStatus(hot.dir, 'twice-again.json'), 10_000, 'the second job\'s status');
    expect(await hotRuns('twice')).toHaveLength(2);
  });
});
