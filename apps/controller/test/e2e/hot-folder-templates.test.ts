/**
 * Hot folders, templates and "run again" end to end: `tower start` (the
 * built CLI, embedded Redis) with two simulated drives and two cdrskin
 * `stdio:` pseudo drives, and a hot folder in tower.json.
 *
 * - A `.jrq` job by path inside the import roots burns its copies and its
 *   status file ends final with the counts; a malformed job lands in the
 *   error folder with its reason; a job copied in slowly (chunks over 3 s)
 *   is taken once, complete.
 * - A job picked up before a controller restart is not started again, and
 *   its status file keeps being updated to the end.
 * - `tower template save` / `tower run --template` / `tower runs again`: the
 *   runs have the settings saved, and the original's.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCdrskinStdioAsRoot, makeIso } from '../../../../drivers/test/support/test-images.js';
import type { JobStatus } from '../../src/hot-folder/job-status.js';
import type { RunView } from '../../src/shared/api-types.js';
import { Api, countedSlots, FAST, OPERATOR_TOKEN, sleep, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface Tower {
  readonly dir: string;
  readonly hot: string;
  readonly importRoot: string;
  readonly config: string;
  readonly stdioDrives: readonly string[];
}

function towerConfig(prefix: string): Tower {
  allowCdrskinStdioAsRoot();
  const tmp = tempDir(prefix);
  cleanups.push(tmp.cleanup);
  const importRoot = path.join(tmp.dir, 'import');
  mkdirSync(importRoot);
  const stdioDrives = [0, 1].map((i) => path.join(tmp.dir, `disc-${i}.img`));
  const hot = path.join(tmp.dir, 'hot');
  const config = writeConfig(tmp.dir, 'tower.json', {
    dataDir: 'data',
    http: FAST.http,
    tokens: FAST.tokens,
    controller: FAST.controller,
    library: { importRoots: ['import'] },
    hotFolders: [{ dir: 'hot', settleMs: 1000, pollMs: 200 }],
    agent: {
      id: `e2e-${prefix}`, ...FAST.agentTiming,
      drives: stdioDrives.map((d, i) => ({ device: `stdio:${d}`, label: `Disc ${i}`, media: 'CD-R' })),
      simulated: { count: 2, media: 'CD-R', timeScale: 0.05, autoLoader: true },
    },
  });
  return { dir: tmp.dir, hot, importRoot, config, stdioDrives };
}

function start(t: Tower): { tower: TowerProcess; api: Promise<Api> } {
  const tower = new TowerProcess(['start', '--config', t.config]);
  cleanups.push(() => tower.stop('SIGTERM'));
  return { tower, api: tower.url().then((url) => new Api(url)) };
}

function readStatus(dir: string, job: string): JobStatus | null {
  const file = path.join(dir, `${job}.status`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as JobStatus : null;
}

async function finalStatus(dir: string, job: string, timeoutMs: number): Promise<JobStatus> {
  return waitFor(() => {
    const s = readStatus(dir, job);
    return s?.final === true ? s : null;
  }, timeoutMs, `${job}'s final status`);
}

async function runsLabelled(api: Api, label: string): Promise<RunView[]> {
  return (await api.runs()).filter((r) => r.label === label);
}

/** One `tower` command against the running controller; its exit code and output. */
async function cli(api: Api, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new TowerProcess(args, { TOWER_URL: api.url, TOWER_TOKEN: OPERATOR_TOKEN });
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

describe('hot folders end to end', () => {
  it('a job file burns its copies with a final status; a malformed one goes to errors; a slow copy is taken once, complete', { timeout: 120_000 }, async () => {
    const t = towerConfig('tower-e2e-hot-');
    const iso = makeIso(t.importRoot, { name: 'order.iso', payloadBytes: 256 * 1024, label: 'ORDER' });
    const { api: apiP } = start(t);
    const api = await apiP;
    await waitFor(async () => (await api.drives()).length === 4, 20_000, 'four drives');

    writeFileSync(path.join(t.hot, 'order.jrq'), `ImageFile=${iso}\nCopies=4\nVerifyDisc=YES\nJobID=e2e-order\n`);
    writeFileSync(path.join(t.hot, 'bad.json'), '{"copies": 2, "imageId": }');
    // The slow copy: a job written in 12 chunks, 250 ms apart (each within the 1 s settle period of the last).
    const images = await api.images();
    const sample = images.find((i) => i.name === 'Sample image');
    const text = JSON.stringify({ imageId: sample?.id, copies: 2, verify: 'off', label: 'e2e-slow' }, null, 1);
    const slow = path.join(t.hot, 'slow.json');
    for (let i = 0, size = Math.ceil(text.length / 12); i < 12; i++) {
      appendFileSync(slow, text.slice(i * size, (i + 1) * size));
      await sleep(250);
    }

    const order = await finalStatus(t.hot, 'order.jrq', 90_000);
    expect(order).toMatchObject({ state: 'completed', copies: 4, passed: 4, remaining: 0, surplus: 0, notes: [] });
    const [run] = await runsLabelled(api, 'e2e-order');
    expect(run).toMatchObject({ id: order.runId, createdBy: 'hot-folder', verify: 'all' });
    expect(countedSlots(await api.history(order.runId))).toEqual([1, 2, 3, 4]);

    const slowStatus = await finalStatus(t.hot, 'slow.json', 60_000);
    expect(slowStatus).toMatchObject({ state: 'completed', copies: 2, passed: 2 });
    expect((await runsLabelled(api, 'e2e-slow')).map((r) => r.id)).toEqual([slowStatus.runId]);

    const errors = path.join(t.hot, 'errors');
    await waitFor(() => existsSync(path.join(errors, 'bad.json')), 10_000, 'the refused job file');
    expect(readFileSync(path.join(errors, 'bad.json.reason'), 'utf8')).toMatch(/not valid JSON/);
    expect(readdirSync(errors).sort()).toEqual(['bad.json', 'bad.json.reason']);
    expect(readdirSync(t.hot).sort()).toEqual(['errors', 'order.jrq', 'order.jrq.status', 'slow.json', 'slow.json.status']);
  });

  it('a job picked up before a controller restart is not started again, and its status goes on to the end', { timeout: 120_000 }, async () => {
    const t = towerConfig('tower-e2e-hotrestart-');
    let { tower, api: apiP } = start(t);
    let api = await apiP;
    const [image] = await api.images();
    mkdirSync(t.hot, { recursive: true });
    writeFileSync(path.join(t.hot, 'long.json'), JSON.stringify({ imageId: image?.id, copies: 8, label: 'e2e-restart', drives: ['sim:0', 'sim:1'] }));
    const before = await waitFor(() => {
      const s = readStatus(t.hot, 'long.json');
      return s !== null && s.passed >= 1 ? s : null;
    }, 60_000, 'a first good copy');
    expect(before.final).toBe(false);
    expect((await tower.stop('SIGTERM')).code).toBe(0);

    ({ tower, api: apiP } = start(t));
    api = await apiP;
    const final = await finalStatus(t.hot, 'long.json', 90_000);
    expect(final).toMatchObject({ runId: before.runId, state: 'completed', passed: 8, copies: 8 });
    expect((await runsLabelled(api, 'e2e-restart')).map((r) => r.id)).toEqual([before.runId]);
    expect(tower.stderr + tower.stdout).not.toContain('long.json started run');
  });
});

describe('templates and run again end to end', () => {
  it('a template\'s run has the settings it was saved with; run again has the original\'s', { timeout: 120_000 }, async () => {
    const t = towerConfig('tower-e2e-tpl-');
    const { api: apiP } = start(t);
    const api = await apiP;
    const [image] = await api.images();
    const stdio = t.stdioDrives[0] ?? '';
    const saved = await cli(api, ['template', 'save', 'std', '--image', image?.id ?? '', '--copies', '3', '--verify', 'first-per-drive', '--priority', '9', '--label', 'e2e-tpl', '--drives', stdio, '--json']);
    expect(saved.code, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ name: 'std', copies: 3, verify: 'first-per-drive', priority: 9, drives: [stdio] });

    const started = await cli(api, ['run', '--template', 'std', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const run = await waitForRun(api, (JSON.parse(started.stdout) as RunView).id, 'completed', 90_000);
    expect(run).toMatchObject({ imageId: image?.id, copies: 3, passed: 3, verify: 'first-per-drive', priority: 9, label: 'e2e-tpl' });
    const history = await api.history(run.id);
    expect(new Set(history.map((a) => a.driveId))).toEqual(new Set([stdio]));

    const again = await cli(api, ['runs', 'again', run.id, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = await waitForRun(api, (JSON.parse(again.stdout) as RunView).id, 'completed', 90_000);
    expect(second.id).not.toBe(run.id);
    const pick = (r: RunView): unknown[] => [r.imageId, r.copies, r.verify, r.priority, r.label, r.mediaClass, r.speed];
    expect(pick(second)).toEqual(pick(run));
    expect(new Set((await api.history(second.id)).map((a) => a.driveId))).toEqual(new Set([stdio]));

    // A job file may name the template too.
    writeFileSync(path.join(t.hot, 'tpl.jrq'), 'Template=std\nCopies=1\n');
    const status = await finalStatus(t.hot, 'tpl.jrq', 60_000);
    expect(status).toMatchObject({ state: 'completed', copies: 1, passed: 1 });
    expect((await api.run(status.runId))).toMatchObject({ label: 'e2e-tpl', priority: 9, verify: 'first-per-drive' });
  });
});
