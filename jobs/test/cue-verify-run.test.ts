/**
 * A run of a CUE/BIN image with verify on (issue 13.1): every copy used to
 * fail verify after a full burn, the disc compared with the CUE sheet's
 * text. Now the copies pass on simulated drives, verified track by track,
 * and an audio image's attempts record the read offset the verify found.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentConnections } from '../src/agent-connections.js';
import { DriveWorker } from '../src/drive-worker.js';
import { RunPlanner } from '../src/run-planner.js';
import type { RunRecord } from '../src/run-records.js';
import type { CreateRunInput } from '../src/run-request.js';
import { startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function cueImage(name: string, mode: 'MODE1/2048' | 'AUDIO', bin: Buffer, frames: number): CreateRunInput['image'] {
  writeFileSync(path.join(env.dir, `${name}.bin`), bin);
  const sheet = path.join(env.dir, `${name}.cue`);
  writeFileSync(sheet, `FILE "${name}.bin" BINARY\n  TRACK 01 ${mode}\n    INDEX 01 00:00:00\n`);
  return { path: sheet, sha256: createHash('sha256').update(bin).digest('hex'), sizeBytes: bin.length, sectors: frames, format: 'cue' };
}

function noise(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) b.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ (i >>> 7)) >>> 0, i);
  return b;
}

/** A planner and one agent with `count` simulated CD drives (read offset `offset` samples). */
async function tower(count: number, offset: number): Promise<RunPlanner> {
  const errors: Error[] = [];
  const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
  planner.on('error', (e) => errors.push(e));
  await planner.start();
  const connections = new AgentConnections({ redisUrl: env.server.url, lockDurationMs: 5_000, onError: (e) => errors.push(e) });
  await connections.start();
  const drives = Array.from({ length: count }, (_, index) => new SimulatedDrive({
    index, timeScale: 0.0005, progressIntervalMs: 5, autoLoader: { media: 'CD-R' }, audioReadOffsetSamples: offset,
  }));
  const workers = drives.map((drive) => new DriveWorker({ drive, agentId: 'agent-test', connections, pollIntervalMs: 15, lockDurationMs: 5_000 }));
  for (const w of workers) {
    w.on('error', (e) => errors.push(e));
    await w.start();
  }
  stops.push(async () => {
    await Promise.all(workers.map((w) => w.close({ cancelInFlight: true })));
    await connections.close();
    await planner.close();
    for (const d of drives) d.dispose();
    expect(errors).toEqual([]);
  });
  return planner;
}

async function ended(planner: RunPlanner, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const r = await planner.store.getRun(runId);
    return r !== null && r.status !== 'queued' && r.status !== 'running' ? r : null;
  }, 20_000, 'the run ended');
}

describe('a CUE run with verify on', () => {
  it('passes exactly N copies of a MODE1/2048 CUE image, each verified against the BIN', async () => {
    const planner = await tower(2, 6);
    const run = await planner.createRun({ image: cueImage('data', 'MODE1/2048', noise(2 * 1024 * 1024), 1024), copies: 3, verify: { mode: 'all' } });
    const done = await ended(planner, run.id);
    const attempts = await planner.store.listAttempts(run.id);
    expect(attempts.map((a) => [a.outcome, a.verifyResult, a.error?.message])).toEqual(Array(3).fill(['passed', 'passed', undefined]));
    expect(done).toMatchObject({ status: 'completed', counters: { passed: 3, failed: 0 } });
  });

  it('records the read offset an audio image was verified at', async () => {
    const planner = await tower(1, -588);
    const run = await planner.createRun({ image: cueImage('audio', 'AUDIO', noise(300 * 2352), 300), copies: 1, verify: { mode: 'all' } });
    await ended(planner, run.id);
    const [attempt] = await planner.store.listAttempts(run.id);
    expect(attempt).toMatchObject({ outcome: 'passed', verifyResult: 'passed', audioReadOffsetSamples: -588 });
  });
});
