/**
 * Fault suite harness: a controller and agent(s) as `tower` processes (the
 * e2e support of apps/controller), an external Redis that a test may restart,
 * and the invariant checker every fault scenario ends with:
 *
 * - the run completed, and `passed` is exactly N;
 * - exactly N attempts are counted, on N distinct copy slots (no slot twice);
 * - every attempt is closed (no open attempt left), with an end after its start;
 * - the run's counters agree with its history (failed, interrupted, cancelled,
 *   surplus, in progress), and a passed attempt not counted is surplus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { startEmbeddedRedis } from '@tower/jobs';
import type { EmbeddedRedis } from '@tower/jobs';
import type { AttemptView, RunView } from '../../../apps/controller/src/shared/api-types.js';
import { Api, FAST, sleep, tempDir, TowerProcess, waitFor, waitForRun, writeConfig } from '../../../apps/controller/test/e2e/support/tower-process.js';

export { Api, FAST, sleep, tempDir, TowerProcess, waitFor, waitForRun, writeConfig };

/** Cleanups of one test, run in reverse order. */
export class Cleanups {
  #list: (() => Promise<unknown> | unknown)[] = [];
  add(fn: () => Promise<unknown> | unknown): void {
    this.#list.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.#list.reverse()) {
      try {
        await fn();
      } catch {
        // keep cleaning up
      }
    }
    this.#list = [];
  }
}

/** A Redis that can be stopped and started again on the same port and AOF folder. */
export class RestartableRedis {
  #server: EmbeddedRedis;
  private constructor(server: EmbeddedRedis, readonly dataDir: string) {
    this.#server = server;
  }
  static async start(dataDir: string): Promise<RestartableRedis> {
    return new RestartableRedis(await startEmbeddedRedis({ dataDir }), dataDir);
  }
  get url(): string {
    return this.#server.url;
  }
  get pid(): number {
    return this.#server.pid;
  }
  /** Stop (SIGTERM: AOF flushed), stay down `downMs`, start again on the same port and folder. */
  async restart(downMs: number): Promise<void> {
    const port = this.#server.port;
    await this.#server.stop();
    await sleep(downMs);
    this.#server = await startEmbeddedRedis({ dataDir: this.dataDir, port });
  }
  stop(): Promise<void> {
    return this.#server.stop();
  }
}

/** Options of {@link startSplitTower}. */
export interface SplitTowerOptions {
  readonly agentId: string;
  readonly simulated?: Record<string, unknown>;
  readonly drives?: readonly Record<string, unknown>[];
  readonly agent?: Record<string, unknown>;
  /** Overrides of the controller's settings (`controller` in both configurations). */
  readonly controller?: Record<string, unknown>;
}

/** `tower serve` and `tower agent` as two processes on an external, restartable Redis. */
export interface SplitTower {
  readonly dir: string;
  readonly redis: RestartableRedis;
  serve: TowerProcess;
  agent: TowerProcess;
  api: Api;
  readonly serveConfig: string;
  readonly agentConfig: string;
  readonly env: Record<string, string>;
  startServe(): Promise<void>;
  startAgent(): Promise<void>;
}

export async function startSplitTower(cleanups: Cleanups, options: SplitTowerOptions): Promise<SplitTower> {
  const tmp = tempDir('tower-fault-');
  cleanups.add(tmp.cleanup);
  const redis = await RestartableRedis.start(path.join(tmp.dir, 'redis'));
  cleanups.add(() => redis.stop());
  const env = { REDIS_URL: redis.url };
  const common = { dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: { ...FAST.controller, ...options.controller } };
  const serveConfig = writeConfig(tmp.dir, 'serve.json', common);
  const agentConfig = writeConfig(tmp.dir, 'agent.json', {
    ...common,
    agent: {
      id: options.agentId,
      ...FAST.agentTiming,
      ...options.agent,
      ...(options.simulated === undefined ? {} : { simulated: options.simulated }),
      ...(options.drives === undefined ? {} : { drives: options.drives }),
    },
  });
  const driveCount = (options.drives?.length ?? 0) + Number(options.simulated?.count ?? 0);
  const tower: SplitTower = {
    dir: tmp.dir,
    redis,
    serve: null as unknown as TowerProcess,
    agent: null as unknown as TowerProcess,
    api: null as unknown as Api,
    serveConfig,
    agentConfig,
    env,
    async startServe() {
      const p = new TowerProcess(['serve', '--config', serveConfig], env);
      cleanups.add(() => p.stop('SIGTERM'));
      tower.serve = p;
      tower.api = new Api(await p.url());
    },
    async startAgent() {
      const p = new TowerProcess(['agent', '--config', agentConfig], env);
      cleanups.add(() => p.stop('SIGTERM'));
      tower.agent = p;
      await p.waitForOutput(new RegExp(`serving ${driveCount} drive`));
    },
  };
  await tower.startServe();
  await tower.startAgent();
  return tower;
}

/** `tower start` (embedded Redis, controller and agent in one process). */
export async function startWholeTower(
  cleanups: Cleanups,
  agent: Record<string, unknown> | ((dir: string) => Record<string, unknown>),
  extra: Record<string, unknown> | ((dir: string) => Record<string, unknown>) = {},
  env: (dir: string) => Record<string, string> = () => ({}),
): Promise<{ tower: TowerProcess; api: Api; dir: string }> {
  const tmp = tempDir('tower-fault-');
  cleanups.add(tmp.cleanup);
  const config = writeConfig(tmp.dir, 'tower.json', {
    dataDir: 'data', http: FAST.http, tokens: FAST.tokens, controller: FAST.controller,
    ...(typeof extra === 'function' ? extra(tmp.dir) : extra),
    agent: { ...FAST.agentTiming, ...(typeof agent === 'function' ? agent(tmp.dir) : agent) },
  });
  const tower = new TowerProcess(['start', '--config', config], env(tmp.dir));
  cleanups.add(() => tower.stop('SIGTERM'));
  return { tower, api: new Api(await tower.url()), dir: tmp.dir };
}

/** Wait until a run has an attempt in flight (an open attempt). */
export async function waitForOpenAttempt(api: Api, runId: string, timeoutMs = 20_000): Promise<AttemptView[]> {
  return waitFor(async () => {
    const open = (await api.history(runId)).filter((a) => a.outcome === null);
    return open.length > 0 ? open : null;
  }, timeoutMs, 'an attempt in flight');
}

/** What a fault scenario ended with. */
export interface RunOutcome {
  readonly run: RunView;
  readonly history: AttemptView[];
}

/**
 * Wait for the run to complete and every attempt to close, then check the
 * invariants (see the file comment). Returns the final run and history.
 */
export async function expectExactlyN(api: Api, runId: string, copies: number, timeoutMs = 60_000): Promise<RunOutcome> {
  await waitForRun(api, runId, 'completed', timeoutMs);
  // Burns still in flight at completion finish as surplus: wait until nothing is open.
  const run = await waitFor(async () => {
    const r = await api.run(runId);
    return r.inProgress === 0 ? r : null;
  }, 30_000, 'every attempt closed');
  const history = await api.history(runId);
  expect(run.status).toBe('completed');
  expect(run.passed).toBe(copies);
  expect(run.remaining).toBe(0);

  const counted = history.filter((a) => a.counted);
  expect(counted.every((a) => a.outcome === 'passed' && a.verifyResult === 'passed'), 'only verified passes count').toBe(true);
  expect(counted).toHaveLength(copies);
  const slots = counted.map((a) => a.copy);
  expect(new Set(slots).size, `counted slots ${slots.join(',')}`).toBe(copies);
  expect(new Set(history.map((a) => a.id)).size, 'attempt ids unique').toBe(history.length);

  for (const a of history) {
    expect(a.outcome, `attempt ${a.id} is closed`).not.toBeNull();
    expect(a.endedAt, `attempt ${a.id} has an end`).not.toBeNull();
    expect(a.endedAt ?? 0).toBeGreaterThanOrEqual(a.startedAt);
    expect(a.runId).toBe(runId);
    expect(a.verifyPolicy).toBe('all');
    if (a.outcome === 'passed' && !a.counted) expect(a.surplus, `uncounted pass ${a.id} is surplus`).toBe(true);
    if (a.outcome !== 'passed') {
      expect(a.counted).toBe(false);
      expect(a.error?.code, `attempt ${a.id} (${a.outcome}) says why`).toMatch(/^[A-Z_]+$/);
    }
  }
  const by = (o: AttemptView['outcome']): number => history.filter((a) => a.outcome === o).length;
  expect({
    failed: run.failed, interrupted: run.interrupted, cancelled: run.cancelled, surplus: run.surplus, inProgress: run.inProgress,
  }).toEqual({
    failed: by('failed'), interrupted: by('interrupted'), cancelled: by('cancelled'), surplus: history.filter((a) => a.surplus).length, inProgress: 0,
  });
  expect(by('passed')).toBe(copies + run.surplus);
  const codes = history.filter((a) => a.error !== null).map((a) => `${a.driveId}#${a.copy}:${a.outcome}:${a.error?.code ?? ''}`);
  console.log(`run ${runId}: ${copies} wanted, ${run.passed} passed, ${history.length} attempts, surplus ${run.surplus}; not passed: ${codes.join(', ') || 'none'}`);
  return { run, history };
}

/** Processes whose command line contains every one of `needles` (from /proc). */
export function findProcesses(needles: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (needles.every((n) => cmdline.includes(n))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
