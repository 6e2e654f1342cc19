/**
 * The controller role: image library, run planner, HTTP API and socket.io
 * feed (`createApp`), listening on the configured address, and the monitor
 * that declares silent agents dead. It owns no drives.
 *
 * Its command connections (its own, the planner's, the copy queues') fail
 * their commands when Redis is away instead of queueing them
 * (`failFastRedisOptions`), so a request is answered 503 within the
 * deadline and nothing it asked for is carried out when Redis comes back.
 * One `RedisConnectivity` watches every connection: an outage is logged
 * once when it starts and once when it ends.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS, failFastRedisOptions, logBullmqError, readyWithin, RedisConnectivity, RunPlanner, RunStore, toLogger } from '@tower/jobs';
import type { Logger, LogSink } from '@tower/jobs';
import { createApp } from '../app.js';
import type { DriveLayoutEntry } from '../api/app-deps.js';
import { isFastifyLogger } from '../api/request-log.js';
import { claimImageForDelete, imageInUse } from '../api/image-in-use.js';
import type { DriveSpec, TokenEntry, TowerConfig } from '../config/config.js';
import { startHotFolders } from '../hot-folder/hot-folders.js';
import { ImageLibrary } from '../library/index.js';
import { AgentMonitor } from './agent-monitor.js';
import { prepareFirstStart } from './first-start.js';
import { watchMasteredImages } from './library-refresh.js';
import type { FirstStart } from './first-start.js';

/** What {@link startController} needs besides the configuration. */
export interface ControllerStartOptions {
  readonly config: TowerConfig;
  readonly redisUrl: string;
  readonly tokens: readonly TokenEntry[];
  /** Drives known from the configuration (labels, positions, groups). */
  readonly drives: readonly DriveSpec[];
  readonly version: string;
  /** Where it logs: the process's pino logger (then also Fastify's: a line per request) or a line function. */
  readonly log: LogSink;
  /** Deadline of one Redis command of a request, ms; default 3000. */
  readonly redisTimeoutMs?: number;
  /** How long the start waits for Redis, ms; default 10 000. */
  readonly redisConnectMs?: number;
}

/** A running controller. */
export interface RunningController {
  /** `http://host:port` it listens on. */
  readonly url: string;
  readonly port: number;
  readonly library: ImageLibrary;
  readonly planner: RunPlanner;
  readonly firstStart: FirstStart;
  /** Create a run through the API as the given operator token; resolves with the run id. */
  createRunAs(token: string, body: Record<string, unknown>): Promise<string>;
  /** One API request as the given token, without the network: its status and body. */
  requestAs(token: string, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ statusCode: number; body: string }>;
  /** Stop listening, close the feed, the planner and the connections. */
  close(): Promise<void>;
}

/** Start the controller and listen. */
export async function startController(o: ControllerStartOptions): Promise<RunningController> {
  const { config } = o;
  const timeoutMs = o.redisTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const logger = toLogger(o.log);
  const connectivity = new RedisConnectivity({ url: o.redisUrl, log: logger, commandTimeoutMs: timeoutMs });
  // While Redis is away, the failures of background work (agent monitor, library refresh, planner) are the outage's one line.
  const log = errorsUnlessDown(logger, connectivity);
  // Auto-pipelining: the commands of one tick go out in one write (a burst of attempt ends issues thousands).
  const redis = new Redis(o.redisUrl, { lazyConnect: true, enableAutoPipelining: true, ...failFastRedisOptions(timeoutMs) });
  connectivity.watch(redis, 'controller');
  const closers: (() => Promise<unknown>)[] = [
    async () => connectivity.close(),
    () => redis.quit().catch(() => redis.disconnect()),
  ];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn(`shutdown: ${(err as Error).message}`));
  };
  try {
    await readyWithin(redis, o.redisConnectMs ?? 10_000, connectivity.target);
    const runStore = new RunStore(redis, { prefix: config.redisPrefix });
    const library = await ImageLibrary.open({
      dir: config.library.dir,
      importRoots: config.library.importRoots,
      maxUploadBytes: config.library.maxUploadBytes,
      malwareScan: config.library.malwareScan,
      ...(config.library.keepOriginals === undefined ? {} : { keepOriginals: config.library.keepOriginals }),
      ...(config.library.storage === undefined ? {} : { storage: config.library.storage }),
      ...(config.library.cdStorage === undefined ? {} : { cdStorage: config.library.cdStorage }),
      isInUse: imageInUse(runStore, redis),
      claimForDelete: claimImageForDelete(runStore),
    });
    const firstStart = await prepareFirstStart(config.dataDir, library, config.library.sampleImage);
    if (firstStart.sample !== null) logger.info(`first start: the sample image is in the library as ${firstStart.sample.id}`);
    const planner = new RunPlanner({
      redisUrl: o.redisUrl, prefix: config.redisPrefix, retryBackoffMs: config.controller.retryBackoffMs, redisOptions: failFastRedisOptions(timeoutMs), connectivity,
    });
    planner.on('error', (e) => logBullmqError(log.child({ component: 'planner' }), e));
    await planner.start();
    closers.push(() => planner.close());
    const app = await createApp({
      redis,
      redisUrl: o.redisUrl,
      library,
      mergeDir: path.join(config.dataDir, 'merge-runs'),
      runStore,
      planner,
      tokens: o.tokens,
      driveLayout: layoutOf(o.drives),
      maxUploadBytes: config.library.maxUploadBytes,
      agentTimeoutMs: config.controller.agentTimeoutMs,
      version: o.version,
      log: (line) => logger.warn(line),
      ...(isFastifyLogger(o.log) ? { logger: o.log } : {}),
      connectivity,
      requestDeadlineMs: timeoutMs,
      ...(config.alerts === undefined ? {} : { alerts: config.alerts }),
      ...(config.printing === undefined ? {} : { printing: config.printing }),
      ...(config.metrics === undefined ? {} : { metrics: config.metrics }),
      ...(config.reports === undefined ? {} : { reports: config.reports }),
      ...uiDirOption(),
    });
    closers.push(() => app.close());
    await new Promise<void>((resolve, reject) => {
      app.server.once('error', reject);
      app.server.listen(config.http.port, config.http.bind, () => {
        app.server.off('error', reject);
        resolve();
      });
    });
    const port = (app.server.address() as AddressInfo).port;
    const host = config.http.bind.includes(':') ? `[${config.http.bind}]` : config.http.bind;
    const monitor = new AgentMonitor({ redis, redisUrl: o.redisUrl, store: runStore, timeoutMs: config.controller.agentTimeoutMs, log });
    monitor.start();
    closers.push(() => monitor.stop());
    closers.push(await watchMasteredImages(o.redisUrl, redis, runStore.keys, library, log, connectivity));
    // Job files dropped into the configured hot folders become runs.
    if ((config.hotFolders ?? []).length > 0) closers.push(await startHotFolders(config.hotFolders ?? [], app.services, log));
    return {
      url: `http://${host}:${port}`,
      port,
      library,
      planner,
      firstStart,
      async createRunAs(token, body) {
        const res = await app.fastify.inject({
          method: 'POST', url: '/api/runs', headers: { authorization: `Bearer ${token}` }, payload: body,
        });
        if (res.statusCode !== 201) throw new Error(`creating the run failed (${res.statusCode}): ${res.body.slice(0, 300)}`);
        return (JSON.parse(res.body) as { id: string }).id;
      },
      async requestAs(token, method, url, body) {
        const res = await app.fastify.inject({
          method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
        });
        return { statusCode: res.statusCode, body: res.body };
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function layoutOf(drives: readonly DriveSpec[]): Record<string, DriveLayoutEntry> {
  const out: Record<string, DriveLayoutEntry> = {};
  for (const d of drives) out[d.id] = { label: d.label, position: d.position, ...(d.group === undefined ? {} : { group: d.group }) };
  return out;
}

/** A logger that leaves its error lines out while Redis is away (the outage's own line says why work fails then). */
function errorsUnlessDown(logger: Logger, connectivity: RedisConnectivity): Logger {
  const pass = (level: 'warn' | 'info' | 'debug') => (...args: unknown[]): void => (logger[level] as (...a: unknown[]) => void)(...args);
  return {
    error: (...args: unknown[]): void => {
      if (!connectivity.down) (logger.error as (...a: unknown[]) => void)(...args);
    },
    warn: pass('warn'),
    info: pass('info'),
    debug: pass('debug'),
    child: (bindings) => errorsUnlessDown(logger.child(bindings), connectivity),
  };
}

/** The UI's static export beside this package (apps/ui/out), when it has been built. */
function uiDirOption(): { uiDir?: string } {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'ui', 'out');
  return existsSync(path.join(dir, 'index.html')) ? { uiDir: dir } : {};
}
