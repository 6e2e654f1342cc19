/**
 * A controller started in this process the way `tower serve` starts it
 * (`startController`: its Redis connections, planner, API, agent monitor),
 * on its own Redis that a test may stop, pause (SIGSTOP) or restart, with
 * every log line kept. For the faults that are about the controller's side
 * of Redis and its library volume; no agent.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { resolveConfig } from '../../../apps/controller/src/config/config.js';
import { startController } from '../../../apps/controller/src/server/controller-process.js';
import type { RunningController } from '../../../apps/controller/src/server/controller-process.js';
import { makeIso } from '../../../drivers/test/support/test-images.js';
import { RestartableRedis, tempDir } from './fault-harness.js';
import type { Cleanups } from './fault-harness.js';

export const OPERATOR_TOKEN = 'fault-operator-token-0123456789';

/** A response, parsed, and how long it took. */
export interface TimedResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
  readonly ms: number;
}

/** What {@link startInProcessController} gives. */
export interface InProcessController {
  readonly dir: string;
  readonly redis: RestartableRedis;
  readonly controller: RunningController;
  /** Every line the controller logged, in order. */
  readonly lines: string[];
  /** A folder the library may import from, holding `small.iso`. */
  readonly importRoot: string;
  readonly smallIso: string;
  /**
   * Call the API as the operator. `timeoutMs` (default 15 000) bounds the
   * wait: a request still unanswered then is a status of 0.
   */
  call(method: string, route: string, options?: { body?: unknown; raw?: Uint8Array; headers?: Record<string, string>; timeoutMs?: number }): Promise<TimedResponse>;
}

/** Options of {@link startInProcessController}. */
export interface InProcessOptions {
  /** The library folder (default: one in the test's temp folder). */
  readonly libraryDir?: (dir: string) => string;
}

/** Start Redis and a controller on it; both are stopped by `cleanups`. */
export async function startInProcessController(cleanups: Cleanups, options: InProcessOptions = {}): Promise<InProcessController> {
  const { dir, cleanup } = tempDir('tower-fault-ctl-');
  cleanups.add(cleanup);
  const importRoot = path.join(dir, 'import');
  mkdirSync(importRoot, { recursive: true });
  const smallIso = makeIso(importRoot, { name: 'small.iso', payloadBytes: 64 * 1024, label: 'SMALL' });
  const redis = await RestartableRedis.start(path.join(dir, 'redis'));
  cleanups.add(() => redis.stop());
  const libraryDir = options.libraryDir?.(dir) ?? path.join(dir, 'library');
  const config = resolveConfig({
    dataDir: path.join(dir, 'data'),
    http: { bind: '127.0.0.1', port: 0 },
    library: { dir: libraryDir, importRoots: [importRoot], sampleImage: false },
    tokens: [{ token: OPERATOR_TOKEN, name: 'olga', role: 'operator' }],
  }, { env: {}, cwd: dir });
  const lines: string[] = [];
  const controller = await startController({
    config, redisUrl: redis.url, tokens: config.tokens, drives: [], version: 'test', log: (line) => lines.push(line),
  });
  cleanups.add(() => controller.close());
  // A paused Redis is woken before anything closes (cleanups run last first).
  cleanups.add(() => {
    try {
      process.kill(redis.pid, 'SIGCONT');
    } catch {
      // gone already
    }
  });
  return {
    dir, redis, controller, lines, importRoot, smallIso,
    async call(method, route, o = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${OPERATOR_TOKEN}`, ...o.headers };
      let body: string | Uint8Array | undefined;
      if (o.raw !== undefined) {
        body = o.raw;
        headers['content-type'] = 'application/octet-stream';
      } else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      }
      const started = Date.now();
      try {
        const res = await fetch(`${controller.url}${route}`, {
          method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
        return { status: res.status, body: parsed, text, headers: res.headers, ms: Date.now() - started };
      } catch (err) {
        if ((err as Error).name !== 'TimeoutError') throw err;
        return { status: 0, body: undefined, text: `no answer within ${o.timeoutMs ?? 15_000} ms`, headers: new Headers(), ms: Date.now() - started };
      }
    },
  };
}
