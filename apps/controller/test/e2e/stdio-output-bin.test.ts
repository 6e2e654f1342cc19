/**
 * Per-disc serials on cdrskin `stdio:` pseudo drives that keep every disc
 * (issue 15; `agent.drives[].outputDir`): `tower run --serials 1-20` gives 20
 * passed disc files in the output folder, each its own image, readable with
 * xorriso, with SERIAL.TXT holding its serial, the serials 1..20 once each,
 * matching the history disc by disc. The same holds with an agent SIGKILLed
 * mid-burn and started again (the interrupted disc is never among the passed
 * ones), and with a pseudo drive whose writes fail (EIO from an nbdkit error
 * filter under nbdfuse): its failed discs' serials land on later discs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '@tower/jobs';
import { allowCdrskinStdioAsRoot } from '../../../../drivers/test/support/test-images.js';
import type { AttemptView, RunView } from '../../src/shared/api-types.js';
import { expectKeptDiscs, isoFiles, nameParts } from './support/kept-discs.js';
import { Api, FAST, TOWER_BIN, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from './support/tower-process.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const COPIES = 20;

/** Pseudo drives `disc-<i>.img` in `<dir>/drives`, all keeping their discs in `<dir>/out`. */
function keepingDrives(dir: string, count: number): { out: string; drives: Record<string, unknown>[] } {
  const out = path.join(dir, 'out');
  mkdirSync(out, { recursive: true });
  mkdirSync(path.join(dir, 'drives'), { recursive: true });
  const drives = Array.from({ length: count }, (_, i) => ({ device: `stdio:${path.join(dir, 'drives', `disc-${i}.img`)}`, label: `Disc ${i}`, media: 'CD-R', outputDir: out }));
  return { out, drives };
}

/** `tower run <sample image> --serials 1-20 --json`, as an operator types it. */
async function runSerials(api: Api): Promise<string> {
  const [image] = await api.images();
  if (image === undefined) throw new Error('no sample image');
  const cli = spawnSync(process.execPath, [TOWER_BIN, 'run', image.id, '--serials', `1-${COPIES}`, '--json'], {
    encoding: 'utf8', env: { ...process.env, TOWER_URL: api.url, TOWER_TOKEN: api.token },
  });
  expect(cli.stderr).toBe('');
  expect(cli.status).toBe(0);
  const run = JSON.parse(cli.stdout) as RunView;
  expect(run.copies).toBe(COPIES);
  return run.id;
}

/** The run completed with 20 counted discs and every attempt closed; its history. */
async function completed(api: Api, runId: string): Promise<AttemptView[]> {
  await waitForRun(api, runId, 'completed', 150_000);
  const run = await waitFor(async () => {
    const r = await api.run(runId);
    return r.inProgress === 0 ? r : null;
  }, 30_000, 'every attempt closed');
  expect(run).toMatchObject({ passed: COPIES, remaining: 0 });
  const history = await api.history(runId);
  expect(history.filter((a) => a.counted).map((a) => a.copy).sort((x, y) => x - y)).toEqual(Array.from({ length: COPIES }, (_, i) => i + 1));
  // A disc that did not pass gave its serial to a later disc of its slot.
  for (const f of history.filter((a) => a.outcome !== 'passed')) {
    expect(history.some((c) => c.counted && c.copy === f.copy && c.startedAt > f.startedAt), `serial of copy ${f.copy} burned again`).toBe(true);
  }
  return history;
}

describe('a merged run on stdio: pseudo drives that keep their discs', () => {
  it('20 serials on 4 drives: 20 passed disc files, each its own image with its serial', { timeout: 170_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-keep-');
    cleanups.push(tmp.cleanup);
    const { out, drives } = keepingDrives(tmp.dir, 4);
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      agent: { id: 'e2e-keep', ...FAST.agentTiming, drives },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const runId = await runSerials(api);
    const history = await completed(api, runId);
    expectKeptDiscs(out, history, COPIES, tmp.dir);
    // No coaster on a healthy run, and the drive files went with their discs.
    expect(isoFiles(path.join(out, 'rejects'))).toEqual([]);
    expect(history.every((a) => a.outcome === 'passed')).toBe(true);
  });

  it('the agent SIGKILLed mid-burn and started again: 20 serials kept, the interrupted disc a reject, never a passed one', { timeout: 170_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-keep-kill-');
    cleanups.push(tmp.cleanup);
    const redis = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
    cleanups.push(() => redis.stop());
    const env = { REDIS_URL: redis.url };
    // The agent comes back before the controller would declare it dead: it closes its own attempts and sorts their discs.
    const common = { dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: { ...FAST.controller, agentTimeoutMs: 60_000 } };
    const serve = new TowerProcess(['serve', '--config', writeConfig(tmp.dir, 'serve.json', common)], env);
    cleanups.push(() => serve.stop('SIGTERM'));
    const api = new Api(await serve.url());
    const { out, drives } = keepingDrives(tmp.dir, 3);
    const agentConfig = writeConfig(tmp.dir, 'agent.json', { ...common, agent: { id: 'e2e-keep-kill', ...FAST.agentTiming, drives } });
    const startAgent = async (): Promise<TowerProcess> => {
      const a = new TowerProcess(['agent', '--config', agentConfig], env);
      await a.waitForOutput(/serving 3 drive/);
      return a;
    };
    let agent = await startAgent();
    cleanups.push(() => agent.stop('SIGTERM'));
    const runId = await runSerials(api);
    await waitFor(async () => ((await api.run(runId)).passed >= 3 ? true : null), 90_000, 'three discs passed');

    // Kill while a disc is in flight: a drive file holds data only from its burn until its disc is sorted. A kill
    // that lands between two discs (every attempt closed) is tried again.
    const files = drives.map((d) => String(d.device).slice('stdio:'.length));
    const killed: AttemptView[] = [];
    for (let tries = 0; killed.length === 0 && tries < 5; tries++) {
      await waitFor(() => files.some((f) => (statSync(f, { throwIfNoEntry: false })?.size ?? 0) > 0), 30_000, 'a disc in flight');
      expect((await agent.stop('SIGKILL')).signal).toBe('SIGKILL');
      killed.push(...(await api.history(runId)).filter((a) => a.outcome === null));
      agent = await startAgent();
    }
    expect(killed.length).toBeGreaterThan(0);
    expect(agent.stderr).toMatch(/closed \d+ interrupted attempt/);

    const history = await completed(api, runId);
    const passedIds = expectKeptDiscs(out, history, COPIES, tmp.dir);
    for (const k of killed) {
      expect(history.find((a) => a.id === k.id)?.outcome).toBe('interrupted');
      expect(passedIds).not.toContain(k.id.slice(0, 8));
    }
    // The disc the kill interrupted was sorted as a reject by the agent started again; every reject is such a disc.
    const rejects = isoFiles(path.join(out, 'rejects'));
    expect(rejects.some((name) => killed.some((k) => name.includes(`_${k.id.slice(0, 8)}_failed`)))).toBe(true);
    for (const name of rejects) {
      const attempt = history.find((a) => a.id.startsWith(nameParts(name)?.attempt8 ?? '-'));
      expect(attempt?.outcome, name).toBe('interrupted');
    }
  });

  it('a drive whose writes fail: its discs fail, their serials land on later discs, 20 passed kept', { timeout: 170_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const tmp = tempDir('tower-e2e-keep-eio-');
    cleanups.push(tmp.cleanup);
    const { out, drives } = keepingDrives(tmp.dir, 3);
    // A 16 MiB RAM disc under nbdfuse whose every write fails with EIO while the trigger file exists (a regular file: no output folder).
    const mount = path.join(tmp.dir, 'fuse');
    const trigger = path.join(tmp.dir, 'eio.trigger');
    writeFileSync(trigger, '');
    mkdirSync(mount);
    const nbd = spawn('nbdfuse', [path.join(mount, 'drive'), '--command', 'nbdkit', '-s', '--filter=error', 'memory', 'size=16M',
      'error-pwrite-rate=100%', 'error-pwrite=EIO', `error-pwrite-file=${trigger}`], { stdio: 'ignore' });
    cleanups.push(async () => {
      spawnSync('fusermount3', ['-u', mount]);
      nbd.kill('SIGTERM');
    });
    await waitFor(() => spawnSync('mountpoint', ['-q', mount]).status === 0, 10_000, 'the nbdfuse drive mounted');
    const faulty = path.join(mount, 'drive');
    const config = writeConfig(tmp.dir, 'tower.json', {
      dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
      agent: { id: 'e2e-keep-eio', ...FAST.agentTiming, quarantineAfter: 2, drives: [...drives, { device: `stdio:${faulty}`, label: 'EIO', media: 'CD-R' }] },
    });
    const tower = new TowerProcess(['start', '--config', config]);
    cleanups.push(() => tower.stop('SIGTERM'));
    const api = new Api(await tower.url());
    const runId = await runSerials(api);
    const history = await completed(api, runId);
    const failed = history.filter((a) => a.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const f of failed) expect(f).toMatchObject({ driveId: faulty, error: { code: 'WRITE_ERROR' } });
    expect(history.filter((a) => a.driveId === faulty && a.outcome === 'passed')).toEqual([]);
    expectKeptDiscs(out, history, COPIES, tmp.dir);
  });
});
