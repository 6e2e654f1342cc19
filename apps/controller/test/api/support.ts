/**
 * Test harness of the API and feed: a real redis-server, a real image
 * library in a temp dir holding one ISO, a run store and planner, and the
 * app listening on a free port.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { DriveStatePublisher, RunPlanner, RunStore, startEmbeddedRedis } from '@tower/jobs';
import type { DriveStatusUpdate, EmbeddedRedis } from '@tower/jobs';
import { makeIso, makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { createApp } from '../../src/app.js';
import type { App } from '../../src/app.js';
import type { AppDeps } from '../../src/api/app-deps.js';
import { writeAgentHeartbeat } from '@tower/jobs';
import { claimImageForDelete, imageInUse } from '../../src/api/image-in-use.js';
import { ImageLibrary } from '../../src/library/index.js';
import type { ImageLibraryOptions, ImageRecord } from '../../src/library/index.js';
import { assertDeclaredResponse } from './response-check.js';

export const OPERATOR = 'op-secret-token';
export const VIEWER = 'viewer-secret-token';

/** A running API. */
export interface Env {
  readonly dir: string;
  readonly importRoot: string;
  readonly redisServer: EmbeddedRedis;
  readonly redis: Redis;
  readonly library: ImageLibrary;
  readonly runStore: RunStore;
  readonly planner: RunPlanner;
  readonly app: App;
  readonly url: string;
  /** The ISO in the library. */
  readonly image: ImageRecord;
  /** Paths of ISOs inside the import root. */
  readonly isoSmall: string;
  readonly isoBig: string;
  /** `tower-copies-cd`. */
  readonly cdQueue: Queue;
  stop(): Promise<void>;
}

/** Options of {@link startEnv}. */
export interface EnvOptions {
  readonly deps?: Partial<AppDeps>;
  /** Library options besides its folder, import root and in-use checks (e.g. `malwareScan`). */
  readonly library?: Partial<ImageLibraryOptions>;
}

/** Start everything. */
export async function startEnv(options: EnvOptions = {}): Promise<Env> {
  const { dir, cleanup } = makeTempDir('tower-api-');
  const redisServer = await startEmbeddedRedis({ dataDir: path.join(dir, 'redis') });
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const importRoot = path.join(dir, 'import');
  mkdirSync(importRoot, { recursive: true });
  const isoSmall = makeIso(importRoot, { name: 'small.iso', payloadBytes: 64 * 1024, label: 'SMALL' });
  const isoBig = makeIso(importRoot, { name: 'big.iso', payloadBytes: 3 * 1024 * 1024, label: 'BIG' });
  const runStore = new RunStore(redis);
  const library = await ImageLibrary.open({ dir: path.join(dir, 'library'), importRoots: [importRoot], isInUse: imageInUse(runStore, redis), claimForDelete: claimImageForDelete(runStore), ...options.library });
  const image = await library.importFromPath(isoSmall, { name: 'Test image' });
  const planner = new RunPlanner({ redisUrl: redisServer.url, retryBackoffMs: 50 });
  await planner.start();
  const app = await createApp({
    redis,
    redisUrl: redisServer.url,
    library,
    runStore,
    planner,
    tokens: [
      { token: OPERATOR, name: 'olga', role: 'operator' },
      { token: VIEWER, name: 'victor', role: 'viewer' },
    ],
    maxUploadBytes: 1024 * 1024,
    ...options.deps,
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  const cdQueue = new Queue('tower-copies-cd', { connection: { url: redisServer.url } });
  return {
    dir, importRoot, redisServer, redis, library, runStore, planner, app, url: `http://127.0.0.1:${port}`, image, isoSmall, isoBig, cdQueue,
    async stop() {
      await app.close();
      await cdQueue.close();
      await planner.close();
      await redis.quit();
      await redisServer.stop();
      cleanup();
    },
  };
}

/** Parsed JSON of a response, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A response, parsed. */
export interface Res<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

/**
 * Call the API. `body` objects are sent as JSON, strings and buffers as given.
 * Throws when the answer is not one the route declares (status and body: see
 * response-check.ts).
 */
export async function call<T = Json>(
  env: Env,
  method: string,
  route: string,
  options: { token?: string | null; body?: unknown; contentType?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? OPERATOR : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
      body = options.body;
      headers['content-type'] = options.contentType ?? 'application/json';
    } else {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
  }
  const res = await fetch(`${env.url}${route}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  assertDeclaredResponse(env.app.routes, { method, path: route, status: res.status, contentType: res.headers.get('content-type') ?? '', text });
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Announce an agent (heartbeat now). */
export async function heartbeat(env: Env, agentId: string, driveIds: string[], at = Date.now()): Promise<void> {
  await writeAgentHeartbeat(env.redis, { agentId, host: `${agentId}.local`, driveIds, at });
}

/** A drive state publisher like the workers use. */
export function publisher(env: Env, driveId: string, agentId = 'agent-a', minIntervalMs = 0): DriveStatePublisher {
  return new DriveStatePublisher({ driveId, agentId, redis: env.redis, keys: env.runStore.keys, minIntervalMs });
}

/** Publish one state and wait until it is in Redis. */
export async function publishState(env: Env, driveId: string, update: DriveStatusUpdate, agentId = 'agent-a'): Promise<void> {
  const p = publisher(env, driveId, agentId);
  p.update(update);
  await p.flush();
  p.close();
}

/** Poll until `fn` returns a truthy value. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waiting + prioritized jobs of the CD queue (BullMQ keeps prioritized jobs apart). */
export async function queuedCopies(env: Env): Promise<number> {
  const counts = await env.cdQueue.getJobCounts('waiting', 'prioritized', 'delayed');
  return (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
}
