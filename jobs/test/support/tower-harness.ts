/**
 * Test harness for the jobs workspace: a real redis-server per test file, a
 * small ISO with its SHA-256, simulated drives with their workers, a planner.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Redis } from 'ioredis';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import type { SimulatedDriveOptions } from 'node-cdrecord-wrapper';
import { makeIso, makeTempDir } from '../../../drivers/test/support/test-images.js';
import { startEmbeddedRedis } from '../../src/embedded-redis.js';
import type { EmbeddedRedis } from '../../src/embedded-redis.js';
import { AgentConnections } from '../../src/agent-connections.js';
import { DriveWorker } from '../../src/drive-worker.js';
import type { DriveWorkerOptions } from '../../src/drive-worker.js';
import { RunPlanner } from '../../src/run-planner.js';
import type { CreateRunInput } from '../../src/run-request.js';

export interface TestImage {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface RedisEnv {
  readonly server: EmbeddedRedis;
  readonly dir: string;
  /** A plain client for assertions. */
  readonly client: Redis;
  readonly image: TestImage;
  stop(): Promise<void>;
}

/** Start redis-server in a temp dir and make a ~1 MB ISO. */
export async function startRedisEnv(): Promise<RedisEnv> {
  const { dir, cleanup } = makeTempDir('tower-jobs-');
  const server = await startEmbeddedRedis({ dataDir: `${dir}/redis` });
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  const path = makeIso(dir, { payloadBytes: 1024 * 1024 });
  const image = { path, bytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
  return {
    server, dir, client, image,
    async stop() {
      await client.quit();
      await server.stop();
      cleanup();
    },
  };
}

/** Run input for the test image. */
export function runInput(image: TestImage, extra: Partial<CreateRunInput> = {}): CreateRunInput {
  return { image: { path: image.path, sha256: image.sha256, sizeBytes: image.bytes }, copies: 3, ...extra };
}

export interface Tower {
  readonly drives: SimulatedDrive[];
  readonly workers: DriveWorker[];
  /** The connections the workers share, as an agent's do (null: each worker has its own). */
  readonly connections: AgentConnections | null;
  readonly planner: RunPlanner;
  readonly errors: Error[];
  stop(options?: { cancelInFlight?: boolean }): Promise<void>;
}

/**
 * Simulated CD drives with auto-loaders, one worker each, and a started
 * planner. The workers share one `AgentConnections`, as an agent's do,
 * unless `shared` is false.
 */
export async function startTower(
  url: string,
  count: number,
  options: { drive?: Partial<SimulatedDriveOptions>; worker?: Partial<DriveWorkerOptions>; retryBackoffMs?: number; shared?: boolean } = {},
): Promise<Tower> {
  const errors: Error[] = [];
  const planner = new RunPlanner({ redisUrl: url, retryBackoffMs: options.retryBackoffMs ?? 30 });
  planner.on('error', (e) => errors.push(e));
  await planner.start();
  const drives = Array.from({ length: count }, (_, index) => new SimulatedDrive({
    index,
    timeScale: 0.0005,
    progressIntervalMs: 5,
    autoLoader: { media: 'CD-R' },
    ...options.drive,
  }));
  const lockDurationMs = options.worker?.lockDurationMs ?? 5_000;
  const connections = options.shared === false ? null : new AgentConnections({
    redisUrl: url,
    lockDurationMs,
    ...(options.worker?.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.worker.stalledIntervalMs }),
    onError: (e) => errors.push(e),
  });
  await connections?.start();
  const workers = drives.map((drive) => new DriveWorker({
    drive,
    agentId: 'agent-test',
    redisUrl: url,
    pollIntervalMs: 15,
    sameDriveRetryDelayMs: 100,
    putBackDelayMs: 30,
    lockDurationMs,
    ...(connections === null ? {} : { connections }),
    ...options.worker,
  }));
  for (const w of workers) w.on('error', (e) => errors.push(e));
  await Promise.all(workers.map((w) => w.start()));
  return {
    drives, workers, connections, planner, errors,
    async stop(stopOptions = {}) {
      await Promise.all(workers.map((w) => w.close(stopOptions)));
      await connections?.close();
      await planner.close();
      for (const d of drives) d.dispose();
    },
  };
}

/** Poll until `check` returns a truthy value or the time is up. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
