#!/usr/bin/env node
// Benchmark: dispatch latency, from a simulated drive reporting a blank disc
// (its auto-loader closes the tray) to the burn of a queued copy starting on
// it. Real redis-server, real BullMQ workers, simulated drives.
//
//   npm run build && node bench/dispatch-latency.mjs [--drives 16] [--copies 200] [--time-scale 0.0005]
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatedDrive } from '../drivers/dist/index.js';
import { AgentConnections, DriveWorker, RunPlanner, RunStore, startEmbeddedRedis } from '../jobs/dist/index.js';
import { Redis } from 'ioredis';
import { makeIso, parseArgs } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 16);
const copies = Number(args.get('--copies') ?? 200);
const timeScale = Number(args.get('--time-scale') ?? 0.0005);

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-dispatch-'));
const iso = makeIso(dir, 2);
const image = { path: iso.path, sizeBytes: iso.bytes, sha256: createHash('sha256').update(readFileSync(iso.path)).digest('hex') };

const redis = await startEmbeddedRedis({ dataDir: path.join(dir, 'redis') });
const planner = new RunPlanner({ redisUrl: redis.url, retryBackoffMs: 50 });
await planner.start();
const latencies = [];
const workers = [];
const drives = [];
// As in an agent: the drives share one set of Redis connections and one BullMQ worker per media class.
const connections = new AgentConnections({ redisUrl: redis.url, name: 'bench' });
await connections.start();
for (let index = 0; index < driveCount; index++) {
  const drive = new SimulatedDrive({ index, timeScale, autoLoader: { media: 'CD-R' } });
  let blankAt = null;
  drive.on('media-change', (m) => {
    if (m.status === 'blank') blankAt = performance.now();
  });
  const worker = new DriveWorker({
    drive,
    agentId: 'bench',
    connections,
    pollIntervalMs: 1000,
    watchMedia: (onChange) => {
      drive.on('media-change', onChange);
      return () => drive.off('media-change', onChange);
    },
  });
  worker.on('attempt-begin', () => {
    if (blankAt !== null) latencies.push(performance.now() - blankAt);
    blankAt = null;
  });
  drives.push(drive);
  workers.push(worker);
}
await Promise.all(workers.map((w) => w.start()));
const run = await planner.createRun({ image, copies, verify: { mode: 'off' } });
const client = new Redis(redis.url);
const store = new RunStore(client);
const started = performance.now();
for (;;) {
  const r = await store.getRun(run.id);
  if (r?.status === 'completed') break;
  if (performance.now() - started > 600_000) throw new Error('run did not complete in 10 minutes');
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await Promise.all(workers.map((w) => w.close()));
await connections.close();
await planner.close();
await client.quit();
for (const d of drives) d.dispose();
await redis.stop();
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
console.log(`drives\tcopies\tsamples\tp50_ms\tp95_ms\tmax_ms`);
console.log([driveCount, copies, latencies.length, pct(50).toFixed(1), pct(95).toFixed(1), latencies.at(-1).toFixed(1)].join('\t'));
