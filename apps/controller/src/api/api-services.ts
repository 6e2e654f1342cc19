/**
 * Everything the routes and the feed share, built once from `AppDeps`.
 */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RedisConnectivity } from '@tower/jobs';
import type { RedisSchema } from '@tower/jobs';
import { AgentClient } from './agent-client.js';
import type { AppDeps } from './app-deps.js';
import { AppEvents } from './app-events.js';
import { AuditLog } from './audit-log.js';
import { CopyQueues } from './copy-queues.js';
import { QuarantineLog } from './quarantine-log.js';
import { RedisGuard } from './redis-guard.js';
import { RunControl } from './run-control.js';
import { RunMetaStore } from './run-meta.js';
import { StockStore } from '../stock/stock-store.js';
import { DriveViews } from './views/drive-views.js';
import { RunCoverage } from './views/run-coverage.js';
import { RunViews } from './views/run-views.js';

/** The Fastify instance the routes are added to. */
export type TypedApp = FastifyInstance<
  RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider
>;

/** Shared services. */
export interface ApiServices {
  readonly deps: AppDeps;
  readonly now: () => number;
  readonly startedAt: number;
  /** Names of every key, channel and queue of this tower. */
  readonly keys: RedisSchema;
  readonly audit: AuditLog;
  readonly runMeta: RunMetaStore;
  /** The blank stock per media type. */
  readonly stock: StockStore;
  readonly quarantineLog: QuarantineLog;
  readonly drives: DriveViews;
  readonly runs: RunViews;
  readonly runControl: RunControl;
  readonly queues: CopyQueues;
  readonly agents: AgentClient;
  readonly events: AppEvents;
  /** Redis reachability over the app's connections (the deps' one, or the app's own). */
  readonly connectivity: RedisConnectivity;
  /** 503 when Redis is away; admission of changing requests; steps that undo half-done work. */
  readonly redisGuard: RedisGuard;
}

/** Build the services of an app. */
export function createServices(deps: AppDeps): ApiServices {
  const now = deps.now ?? Date.now;
  // One schema for the whole app: the run store's, so every name carries the tower's prefix.
  const keys = deps.runStore.keys;
  const runMeta = new RunMetaStore(deps.redis, keys);
  const queues = new CopyQueues(deps.redis, keys);
  const events = new AppEvents();
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const connectivity = deps.connectivity ?? new RedisConnectivity({ url: deps.redisUrl, log, commandTimeoutMs: deps.requestDeadlineMs });
  connectivity.watch(deps.redis, 'api');
  const drives = new DriveViews({
    redis: deps.redis, keys, runStore: deps.runStore, layout: deps.driveLayout ?? {},
    agentTimeoutMs: deps.agentTimeoutMs ?? 15_000,
    ...(deps.driveForgetMs === undefined ? {} : { forgetAfterMs: deps.driveForgetMs }),
  });
  return {
    deps,
    now,
    startedAt: now(),
    keys,
    audit: new AuditLog(deps.redis, keys, now),
    runMeta,
    stock: new StockStore(deps.redis, keys),
    quarantineLog: new QuarantineLog(deps.redis, keys),
    drives,
    runs: new RunViews(deps.runStore, runMeta, deps.library, now, new RunCoverage({ redis: deps.redis, keys, agents: () => drives.agents(false) })),
    runControl: new RunControl(deps.planner),
    queues,
    agents: new AgentClient(deps.redis, deps.commandTimeoutMs ?? 30_000, keys),
    events,
    connectivity,
    redisGuard: new RedisGuard({ redis: deps.redis, connectivity, ...(deps.requestDeadlineMs === undefined ? {} : { deadlineMs: deps.requestDeadlineMs }) }),
  };
}
