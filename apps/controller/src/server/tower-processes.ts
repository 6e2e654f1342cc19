/**
 * The three long-running roles of the `tower` command:
 * - `serve`: the controller (API, feed, planner, agent monitor), no drives;
 * - `agent`: one host's drives, on the controller's Redis;
 * - `start`: both in one process, with an embedded redis-server when no
 *   Redis is configured (what `npm start` runs).
 * Each runs until its signal is aborted (SIGINT/SIGTERM), then shuts down in
 * order: agent (burns in flight cancelled, drives offline), controller,
 * embedded Redis, all within `SHUTDOWN_BUDGET_MS` (the CLI exits by force
 * soon after: see process-commands.ts). A signal while the agent starts
 * (waiting for Redis, or for an old lease on its id to expire) stops the
 * start at once.
 */
import { readFileSync } from 'node:fs';
import { REDIS_DEBIAN_PACKAGE, redactRedisUrl, RedisSchema, startEmbeddedRedis } from '@tower/jobs';
import { ToolMissingError } from 'node-cdrecord-wrapper';
import type { EmbeddedRedis, Logger } from '@tower/jobs';
import { attachChangers, openAgentDrives, TowerAgent } from '@tower/agent';
import type { AgentDrive } from '@tower/agent';
import { ConfigError } from '../config/config.js';
import type { DriveSpec, TowerConfig } from '../config/config.js';
import { embeddedRedisFiles } from '../config/embedded-redis-files.js';
import { findProgram } from '../config/program-path.js';
import { ensureTokens } from '../config/token-store.js';
import type { TokenSet } from '../config/token-store.js';
import { ImageLibrary } from '../library/index.js';
import { startController } from './controller-process.js';
import { DemoRuns } from './demo-runs.js';
import { startProcessMetrics } from './process-metrics.js';
import type { RunningController } from './controller-process.js';

/** How long the ordered shutdown of a role may take in all, ms; a step still running then is left behind. */
export const SHUTDOWN_BUDGET_MS = 9000;

/** Where a role writes: `out` for what the user must see (URL, tokens), `log` for events (the process logger). */
export interface ProcessIo {
  readonly out: (line: string) => void;
  readonly log: Logger;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** The controller's version (package.json). */
export function towerVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `tower serve`: the controller alone. Without a Redis URL it starts an embedded one and prints its URL for agents. */
export async function runServe(config: TowerConfig, io: ProcessIo): Promise<void> {
  const stack = new ShutdownStack(io.log);
  try {
    if (config.metricsFile) await stack.add(startProcessMetrics(config.metricsFile, 'serve'));
    const redisUrl = config.redisUrl ?? (await stack.embeddedRedis(config, io)).url;
    const tokens = await ensureTokens(config);
    const controller = await stack.add(await startController({
      config, redisUrl, tokens: tokens.tokens, drives: configuredDrives(config), version: towerVersion(), log: io.log,
    }));
    io.out(`tower: controller listening on ${controller.url}`);
    printTokens(tokens, io);
    printPairing(controller.url, io);
    await untilAborted(io.signal);
    io.log.info('stopping…');
  } finally {
    await stack.close();
  }
}

/** `tower agent`: this host's drives on the controller's Redis (`REDIS_URL` or `redis.url`). */
export async function runAgent(config: TowerConfig, io: ProcessIo): Promise<void> {
  if (config.redisUrl === null) {
    throw new ConfigError('REDIS_URL', 'tower agent needs the controller\'s Redis: set REDIS_URL (or redis.url in the configuration)');
  }
  const stack = new ShutdownStack(io.log);
  try {
    if (config.metricsFile) await stack.add(startProcessMetrics(config.metricsFile, `agent:${config.agent.id}`));
    const drives = attachChangers(await openAgentDrives(config.agent.drives), config.agent.changers);
    const library = await ImageLibrary.open({
      dir: config.library.dir, importRoots: config.library.importRoots, malwareScan: config.library.malwareScan,
      ...(config.library.storage === undefined ? {} : { storage: config.library.storage }),
      ...(config.library.cdStorage === undefined ? {} : { cdStorage: config.library.cdStorage }),
    });
    const agent = await startAgent(config, config.redisUrl, drives, library, io);
    if (agent === null) return;
    await stack.add(agent);
    io.out(`tower: agent ${config.agent.id} serving ${agent.driveIds.length} drive(s) on ${redactRedisUrl(config.redisUrl)}`);
    const lost = await Promise.race([untilAborted(io.signal).then(() => null), agent.leaseLost]);
    // Another process took this agent id: nothing left to serve here; say so and exit non-zero.
    if (lost !== null) throw lost;
    io.log.info('stopping…');
  } finally {
    await stack.close();
  }
}

/** `tower start`: embedded Redis (unless configured) + controller + agent in one process. */
export async function runStart(config: TowerConfig, io: ProcessIo): Promise<void> {
  const stack = new ShutdownStack(io.log);
  try {
    if (config.metricsFile) await stack.add(startProcessMetrics(config.metricsFile, 'start'));
    const redisUrl = config.redisUrl ?? (await stack.embeddedRedis(config, io)).url;
    const tokens = await ensureTokens(config);
    const drives = attachChangers(await openAgentDrives(config.agent.drives), config.agent.changers);
    const controller = await stack.add(await startController({
      config, redisUrl, tokens: tokens.tokens, drives: drives.map((d) => d.spec), version: towerVersion(), log: io.log,
    }));
    const agent = await startAgent(config, redisUrl, drives, controller.library, io);
    if (agent === null) return;
    await stack.add(agent);
    // The controller goes on serving; the agent part has stopped taking work.
    void agent.leaseLost.then((err) => io.out(`tower: ${err.message}`));
    io.out(`tower: controller listening on ${controller.url}`);
    const simulated = drives.length > 0 && drives.every((d) => d.spec.simulated);
    io.out(`tower: agent ${config.agent.id} with ${agent.driveIds.length} ${simulated ? 'simulated ' : ''}drive(s)`);
    printTokens(tokens, io);
    printPairing(controller.url, io);
    const demo = await maybeDemoRuns(config, controller, tokens, simulated, io);
    if (demo !== null) await stack.add(demo);
    io.out('tower: press Ctrl-C to stop');
    await untilAborted(io.signal);
    io.log.info('stopping…');
  } finally {
    await stack.close();
  }
}

/** Start the agent; null when the signal stopped it while starting. */
async function startAgent(config: TowerConfig, redisUrl: string, drives: AgentDrive[], library: ImageLibrary, io: ProcessIo): Promise<TowerAgent | null> {
  const a = config.agent;
  const agent = new TowerAgent({
    agentId: a.id, redisUrl, schema: new RedisSchema(config.redisPrefix), drives, library,
    quarantineAfter: a.quarantineAfter, heartbeatMs: a.heartbeatMs, heartbeatTtlMs: a.heartbeatTtlMs,
    lockDurationMs: a.lockDurationMs, pollIntervalMs: a.pollIntervalMs, sameDriveRetryDelayMs: a.sameDriveRetryDelayMs,
    ...(a.mergeStaging === undefined ? {} : { mergeStaging: a.mergeStaging }),
    ...(a.staging === undefined ? {} : { imageStaging: a.staging }),
    version: towerVersion(), log: io.log,
  });
  try {
    await agent.start({ signal: io.signal });
  } catch (err) {
    await agent.stop().catch(() => undefined);
    if (io.signal.aborted) {
      io.log.info('stopped while starting');
      return null;
    }
    throw err;
  }
  return agent;
}

/**
 * First start of a simulated-only tower: duplicate the sample image so a new
 * user sees a run happen, and again each time it ends until an operator acts
 * (see demo-runs.ts). Null when there is no demo.
 */
async function maybeDemoRuns(config: TowerConfig, controller: RunningController, tokens: TokenSet, simulated: boolean, io: ProcessIo): Promise<DemoRuns | null> {
  const sample = controller.firstStart.sample;
  const copies = config.controller.demoRunCopies;
  const operator = tokens.tokens.find((t) => t.role === 'operator');
  if (sample === null || !simulated || copies === 0 || operator === undefined) return null;
  const demo = new DemoRuns({
    api: (method, url, body) => controller.requestAs(operator.token, method, url, body),
    image: sample, copies, repeats: config.controller.demoRunRepeats, out: io.out, log: io.log,
  });
  try {
    await demo.start();
    return demo;
  } catch (err) {
    io.log.warn(`the demo run could not be created: ${(err as Error).message}`);
    return null;
  }
}

function printTokens(tokens: TokenSet, io: ProcessIo): void {
  if (tokens.source === 'generated') {
    for (const t of tokens.tokens) io.out(`tower: ${t.role} token (${t.name}): ${t.token}`);
    io.out(`tower: the tokens are kept in ${tokens.file ?? ''} (mode 0600); they are printed this once`);
  } else if (tokens.source === 'stored') {
    io.out(`tower: API tokens: see ${tokens.file ?? ''}`);
  } else {
    io.out('tower: API tokens: from the configuration');
  }
}

/** How a wall screen gets its own token (never a token in its URL). */
function printPairing(url: string, io: ProcessIo): void {
  io.out(`tower: wall screen: open ${url}/shopfloor/ on it and enter the code that \`tower screens pair --name <screen>\` prints (an operator's, valid 10 minutes)`);
}

/** Drives the configuration lists (for labels on a controller that runs no agent). */
function configuredDrives(config: TowerConfig): DriveSpec[] {
  const src = config.agent.drives;
  return [...(src.kind === 'list' ? src.drives : src.extra)];
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Things to stop in reverse order of start, within SHUTDOWN_BUDGET_MS in all, so a dead Redis cannot hang the shutdown. */
class ShutdownStack {
  readonly #steps: { name: string; stop: () => Promise<unknown> }[] = [];
  constructor(readonly log: Logger) {}

  async add<T extends { close?: () => Promise<unknown>; stop?: () => Promise<unknown> }>(thing: T): Promise<T> {
    const stop = thing.stop?.bind(thing) ?? thing.close?.bind(thing);
    if (stop !== undefined) this.#steps.push({ name: thing.constructor.name, stop });
    return thing;
  }

  async embeddedRedis(config: TowerConfig, io: ProcessIo): Promise<EmbeddedRedis> {
    if ((await findProgram('redis-server')) === null) throw new ToolMissingError('redis-server', REDIS_DEBIAN_PACKAGE);
    const files = embeddedRedisFiles(config);
    // A server a crashed start left on the folder is stopped first; a folder another tower serves is refused.
    const redis = await startEmbeddedRedis({ ...files, log: (line) => io.log.warn(line) });
    // Never outlives this process: SIGTERM on a normal exit, even by force (a shutdown past its time, a
    // second signal); on SIGKILL or a crash the kernel sends it (its parent-death signal, see @tower/jobs).
    const killOnExit = (): void => {
      if (redis.pid <= 0) return; // (-1 would signal every process of this user)
      try {
        process.kill(redis.pid, 'SIGTERM');
      } catch {
        // gone already
      }
    };
    process.once('exit', killOnExit);
    this.#steps.push({
      name: 'redis-server',
      stop: async () => {
        await redis.stop();
        process.off('exit', killOnExit);
      },
    });
    // The URL clients use carries the password: print the one without it, and where the password is.
    io.out(`tower: embedded Redis at ${redis.displayUrl} (data in ${files.dataDir}, mode 0700; password in ${files.passwordFile}, mode 0600)`);
    return redis;
  }

  async close(): Promise<void> {
    const deadline = performance.now() + SHUTDOWN_BUDGET_MS;
    for (const step of this.#steps.reverse()) {
      // Each step gets what is left of the budget (at least a moment, so the last ones are tried).
      const limit = Math.max(500, deadline - performance.now());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), limit);
      });
      const result = await Promise.race([step.stop().then(() => 'ok' as const, (e: unknown) => e), timeout]);
      clearTimeout(timer);
      if (result === 'timeout') this.log.warn(`shutdown: ${step.name} did not stop within ${Math.round(limit / 100) / 10} s`);
      else if (result !== 'ok') this.log.warn(`shutdown: ${step.name}: ${(result as Error).message}`);
    }
    this.#steps.length = 0;
  }
}
