/**
 * End-to-end support: the built `tower` CLI (apps/controller/bin/tower.js)
 * as child processes (argument arrays only), their output, a temp folder
 * with a configuration file, and a small client for the controller's API.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedRedis } from '@tower/jobs';
import type { AttemptView, DriveView, ImageView, RunView } from '../../../src/shared/api-types.js';

/** The CLI under test (built by `npm run build`). */
export const TOWER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'tower.js');

/** Fixed tokens the tests configure. */
export const OPERATOR_TOKEN = 'e2e-operator-token-0123456789';
export const VIEWER_TOKEN = 'e2e-viewer-token-0123456789ab';

/** Settings that make the tests quick: short heartbeats, timeouts and delays. */
export const FAST = {
  tokens: [
    { token: OPERATOR_TOKEN, name: 'e2e operator', role: 'operator' },
    { token: VIEWER_TOKEN, name: 'e2e viewer', role: 'viewer' },
  ],
  http: { bind: '127.0.0.1', port: 0 },
  controller: { agentTimeoutMs: 3000, retryBackoffMs: 100, demoRunCopies: 0 },
  agentTiming: { heartbeatMs: 500, heartbeatTtlMs: 3000, lockDurationMs: 4000, pollIntervalMs: 100, sameDriveRetryDelayMs: 300 },
} as const;

/** A temp folder for one test, removed by `cleanup`. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write a configuration file; returns its path. */
export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** One `tower` child process. */
export class TowerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    const base = { ...process.env };
    for (const k of ['REDIS_URL', 'TOWER_CONFIG', 'TOWER_PORT', 'TOWER_DATA_DIR', 'TOWER_AGENT_ID']) delete base[k];
    this.child = spawn(process.execPath, [TOWER_BIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (b: Buffer) => (this.stdout += b.toString('utf8')));
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Wait until stdout matches; resolves with the match. Fails early when the process exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.stdout);
      if (m !== null) return m;
      if (exited) throw new Error(`tower exited before printing ${pattern}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${this.stdout}\n${this.stderr}`);
      await sleep(50);
    }
  }

  /** The controller's URL, once it printed it. */
  async url(): Promise<string> {
    return (await this.waitForOutput(/controller listening on (http:\/\/\S+)/))[1] as string;
  }

  /** Send a signal and wait for the exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A small client of the controller's API. */
export class Api {
  constructor(readonly url: string, readonly token = OPERATOR_TOKEN) {}

  async get<T>(route: string): Promise<T> {
    return this.#call<T>('GET', route);
  }

  async post<T>(route: string, body: unknown): Promise<T> {
    return this.#call<T>('POST', route, body);
  }

  images(): Promise<ImageView[]> {
    return this.get('/api/images');
  }
  run(id: string): Promise<RunView> {
    return this.get(`/api/runs/${encodeURIComponent(id)}`);
  }
  runs(): Promise<RunView[]> {
    return this.get('/api/runs');
  }
  drives(): Promise<DriveView[]> {
    return this.get('/api/drives');
  }
  history(runId: string): Promise<AttemptView[]> {
    return this.get(`/api/history?runId=${encodeURIComponent(runId)}&limit=10000`);
  }
  createRun(body: Record<string, unknown>): Promise<RunView> {
    return this.post('/api/runs', body);
  }

  async #call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
}

/** Wait until a run reaches a status (fails at once on a final status that is not it). */
export async function waitForRun(api: Api, runId: string, status: RunView['status'], timeoutMs = 60_000): Promise<RunView> {
  return waitFor(async () => {
    const run = await api.run(runId);
    if (run.status !== status && ['completed', 'failed', 'cancelled'].includes(run.status)) {
      throw new Error(`run ${runId} ended ${run.status} (${run.statusReason ?? ''}), expected ${status}`);
    }
    return run.status === status ? run : null;
  }, timeoutMs, `run ${status}`);
}

/** Poll until `check` returns a truthy value. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 30_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      if (err instanceof Error && /ended/.test(err.message)) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError === null ? '' : `: ${String(lastError)}`}`);
    await sleep(100);
  }
}

/** Counted passes of a history: exactly one per slot when all is well. */
export function countedSlots(attempts: readonly AttemptView[]): number[] {
  return attempts.filter((a) => a.outcome === 'passed' && a.counted).map((a) => a.copy).sort((x, y) => x - y);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A controller and an agent in their own processes on an external Redis, as on a real tower. */
export interface SplitTower {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly serveConfig: string;
  readonly agentConfig: string;
  serve: TowerProcess;
  agent: TowerProcess;
  api: Api;
}

/**
 * Start redis-server, `tower serve` and `tower agent` (two simulated CD-R drives
 * with auto-loaders); every process is stopped by the returned cleanups, last first.
 */
export async function startSplitTower(
  name: string,
  timeScale: number,
  cleanups: (() => Promise<unknown> | void)[],
  /** Extra environment of each process (e.g. faketime's LD_PRELOAD on one of them). */
  processEnv: { readonly serve?: Readonly<Record<string, string>>; readonly agent?: Readonly<Record<string, string>> } = {},
): Promise<SplitTower> {
  const tmp = tempDir(`tower-e2e-${name}-`);
  cleanups.push(tmp.cleanup);
  const redis = await startEmbeddedRedis({ dataDir: path.join(tmp.dir, 'redis') });
  cleanups.push(() => redis.stop());
  const env = { REDIS_URL: redis.url };
  const common = { dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller };
  const serveConfig = writeConfig(tmp.dir, 'serve.json', common);
  const agentConfig = writeConfig(tmp.dir, 'agent.json', {
    ...common,
    agent: { id: `e2e-${name}`, ...FAST.agentTiming, simulated: { count: 2, media: 'CD-R', timeScale, autoLoader: true } },
  });
  const current: { tower?: SplitTower } = {};
  // The test may replace a process (a restart): whichever is current at the end is stopped.
  const serve = new TowerProcess(['serve', '--config', serveConfig], { ...env, ...processEnv.serve });
  cleanups.push(() => (current.tower?.serve ?? serve).stop('SIGTERM'));
  const api = new Api(await serve.url());
  const agent = new TowerProcess(['agent', '--config', agentConfig], { ...env, ...processEnv.agent });
  cleanups.push(() => (current.tower?.agent ?? agent).stop('SIGTERM'));
  await agent.waitForOutput(/serving 2 drive/);
  current.tower = { dir: tmp.dir, env, serveConfig, agentConfig, serve, agent, api };
  return current.tower;
}
