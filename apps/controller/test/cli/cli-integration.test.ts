/**
 * The controller commands against a real controller: embedded redis-server,
 * an image library with a real ISO, the run store and planner, and
 * `createApp` listening on a free port. Commands run in-process (real fetch,
 * real socket.io feed); one also runs the built `bin/tower.js` when it exists.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunPlanner, RunStore, startEmbeddedRedis } from '@tower/jobs';
import type { EmbeddedRedis } from '@tower/jobs';
import type { App } from '../../src/app.js';
import { createApp } from '../../src/app.js';
import { imageInUse } from '../../src/api/image-in-use.js';
import { EXIT } from '../../src/cli/cli-output.js';
import { ImageLibrary } from '../../src/library/index.js';
import type { ImageView, RunView } from '../../src/shared/api-types.js';
import { makeIso, makeTempDir } from '../../../../drivers/test/support/test-images.js';
import type { HarnessOptions } from './cli-harness.js';
import { runCli } from './cli-harness.js';

const OPERATOR = 'op-token-integration';
const VIEWER = 'viewer-token-integration';
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tower.js');
const BUILT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/controller-commands.js');

let temp: { dir: string; cleanup: () => void };
let redisServer: EmbeddedRedis;
let redis: Redis;
let planner: RunPlanner;
let app: App;
let url: string;
let isoPath: string;

const as = (token: string): HarnessOptions => ({ env: { TOWER_URL: url, TOWER_TOKEN: token } });

beforeAll(async () => {
  temp = makeTempDir('tower-cli-it-');
  const importRoot = path.join(temp.dir, 'incoming');
  await mkdir(importRoot, { recursive: true });
  isoPath = makeIso(importRoot, { name: 'install.iso', payloadBytes: 256 * 1024, label: 'INSTALL' });
  redisServer = await startEmbeddedRedis({ dataDir: path.join(temp.dir, 'redis') });
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const runStore = new RunStore(redis);
  const library = await ImageLibrary.open({ dir: path.join(temp.dir, 'library'), importRoots: [importRoot], isInUse: imageInUse(runStore, redis) });
  planner = new RunPlanner({ redisUrl: redisServer.url });
  await planner.start();
  app = await createApp({
    redis,
    redisUrl: redisServer.url,
    library,
    runStore,
    planner,
    tokens: [{ token: OPERATOR, name: 'olga', role: 'operator' }, { token: VIEWER, name: 'victor', role: 'viewer' }],
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await planner?.close();
  redis?.disconnect();
  await redisServer?.stop();
  temp?.cleanup();
});

describe('tower CLI against a running controller', () => {
  let image: ImageView;

  it('imports an image by server path and lists it', async () => {
    const imported = await runCli(['images', 'import', isoPath, '--name', 'Install disc', '--json'], as(OPERATOR));
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(EXIT.ok);
    image = JSON.parse(imported.stdout) as ImageView;
    expect(image).toMatchObject({ name: 'Install disc', format: 'iso', mediaClass: 'cd' });

    const listed = await runCli(['images'], as(VIEWER));
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.stdout).toMatch(new RegExp(`^${image.id}\\s+Install disc\\s+iso\\s`, 'm'));
  });

  it('uploads a local file, streamed', async () => {
    const result = await runCli(['images', 'upload', isoPath, '--name', 'Uploaded copy', '--json'], as(OPERATOR));
    expect(result.code).toBe(EXIT.ok);
    const uploaded = JSON.parse(result.stdout) as ImageView;
    expect(uploaded.name).toBe('Uploaded copy');
    expect(uploaded.sha256).toBe(image.sha256);
  });

  it('refuses --copies 0 locally', async () => {
    const result = await runCli(['run', image.id, '--copies', '0'], as(OPERATOR));
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toBe("tower: --copies must be a whole number from 1 to 10000, got '0'\n");
  });

  it('creates a run that `runs --json` then shows', async () => {
    const created = await runCli(['run', image.id, '--copies', '2', '--verify', 'first-per-drive', '--label', 'Batch 1', '--json'], as(OPERATOR));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(EXIT.ok);
    const run = JSON.parse(created.stdout) as RunView;
    expect(run).toMatchObject({ imageId: image.id, copies: 2, label: 'Batch 1', createdBy: 'olga' });

    const listed = await runCli(['runs', '--json'], as(VIEWER));
    expect((JSON.parse(listed.stdout) as RunView[]).map((r) => r.id)).toContain(run.id);
    const shown = await runCli(['runs', 'show', run.id], as(VIEWER));
    expect(shown.stdout).toMatch(new RegExp(`^Run:\\s+${run.id}$`, 'm'));

    const cancelled = await runCli(['runs', 'cancel', run.id, '--json'], as(OPERATOR));
    expect(cancelled.code).toBe(EXIT.ok);
    expect((JSON.parse(cancelled.stdout) as RunView).status).toBe('cancelled');
  });

  it('a viewer token on `run` gets the 403 one-liner', async () => {
    const result = await runCli(['run', image.id, '--copies', '2'], as(VIEWER));
    expect(result.code).toBe(EXIT.failed);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tower: .*viewer.* \[FORBIDDEN\]\n$/);
  });

  it('an unknown token and an unknown run are one line each, exit 1', async () => {
    const bad = await runCli(['runs'], as('nobody'));
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.stderr).toMatch(/^tower: .+ \[UNAUTHENTICATED\]\n$/);
    const missing = await runCli(['runs', 'show', 'no-such-run'], as(VIEWER));
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toMatch(/^tower: .+ \[NOT_FOUND\]\n$/);
  });

  it('history --csv prints the header; --output writes the file', async () => {
    const result = await runCli(['history', '--csv'], as(VIEWER));
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout.split('\r\n')[0]).toMatch(/^attemptId,runId,runLabel,copy,driveId,/);
    const file = path.join(temp.dir, 'history.csv');
    await runCli(['history', '--csv', '--output', file], as(VIEWER));
    expect(await readFile(file, 'utf8')).toBe(result.stdout);
    const table = await runCli(['history'], as(VIEWER));
    expect(table.stdout).toBe('No attempts match.\n');
  });

  it('drives and stats answer (no agent: empty)', async () => {
    const drives = await runCli(['drives', '--json'], as(VIEWER));
    expect(drives.code).toBe(EXIT.ok);
    expect(JSON.parse(drives.stdout)).toEqual([]);
    const stats = await runCli(['stats'], as(VIEWER));
    expect(stats.code).toBe(EXIT.ok);
  });

  it('watch --once prints a snapshot from the live feed', async () => {
    const result = await runCli(['watch', '--once'], as(VIEWER));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^tower: 0 drives, 0 busy, 0 need attention; at /);
    const refused = await runCli(['watch', '--once'], as('nobody'));
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.stderr.split('\n')).toHaveLength(2);
  });

  it.skipIf(!existsSync(BUILT))('the built bin/tower.js lists runs as JSON and refuses bad copies', async () => {
    const exec = promisify(execFile);
    const env = { ...process.env, TOWER_URL: url, TOWER_TOKEN: VIEWER };
    const { stdout } = await exec(process.execPath, [BIN, 'runs', '--json'], { env });
    expect((JSON.parse(stdout) as RunView[]).length).toBeGreaterThan(0);
    const refused = await exec(process.execPath, [BIN, 'run', image.id, '--copies', '1.5'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toBe("tower: --copies must be a whole number from 1 to 10000, got '1.5'\n");
  });
});
