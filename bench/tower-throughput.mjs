#!/usr/bin/env node
// Benchmark: tower throughput. An N-disc run with full verify on simulated
// drives using the real speed models and auto-loaders, through real BullMQ
// workers on a real redis-server, against the ideal the drive speeds allow:
// every drive busy all the time with burn + verify + reload, nothing else.
//
//   npm run build && node bench/tower-throughput.mjs [--drives 8] [--copies 100] [--mb 100] [--time-scale 0.2]
//
// Times are model times (real time / time scale): the result reads as "a real
// tower of these drives would do X discs per hour; the ideal is Y".
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SPEED_PROFILES, SimulatedDrive, TRAY_MS, burnDurationMs, defaultCapacitySectors, readDurationMs } from '../drivers/dist/index.js';
import { AgentConnections, DriveWorker, RunPlanner, RunStore, startEmbeddedRedis } from '../jobs/dist/index.js';
import { Redis } from 'ioredis';
import { makeIso, parseArgs } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 8);
const copies = Number(args.get('--copies') ?? 100);
const megabytes = Number(args.get('--mb') ?? 100);
const timeScale = Number(args.get('--time-scale') ?? 0.2);
const LOAD_DELAY_MS = 6_000;

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-throughput-'));
const iso = makeIso(dir, megabytes);
const image = { path: iso.path, sizeBytes: iso.bytes, sha256: createHash('sha256').update(readFileSync(iso.path)).digest('hex') };
const bytes = iso.bytes;

// The ideal: each disc costs exactly what the drive physically takes: its
// modelled burn, the verify read (with spin-up), the tray opening and the
// loader's reload; no controller, queue or host time at all.
const capacity = defaultCapacitySectors('CD-R');
const sectors = Math.ceil(bytes / 2048);
const discMs = burnDurationMs('cd', sectors, capacity) + SPEED_PROFILES.cd.readSpinUpMs + readDurationMs('cd', 0, bytes, capacity) + TRAY_MS;
const perDiscMs = discMs + LOAD_DELAY_MS;
const rounds = Math.ceil(copies / driveCount);
// Every drive starts with a blank loaded, so the busiest drive reloads one time fewer than it burns.
const idealMakespanMs = rounds * discMs + (rounds - 1) * LOAD_DELAY_MS;

const redis = await startEmbeddedRedis({ dataDir: path.join(dir, 'redis') });
const planner = new RunPlanner({ redisUrl: redis.url });
await planner.start();
const drives = [];
// As in an agent: the drives share one set of Redis connections and one BullMQ worker per media class.
const connections = new AgentConnections({ redisUrl: redis.url, name: 'bench' });
await connections.start();
const workers = [];
for (let index = 0; index < driveCount; index++) {
  const drive = new SimulatedDrive({ index, timeScale, autoLoader: { media: 'CD-R', loadDelayMs: LOAD_DELAY_MS } });
  const worker = new DriveWorker({
    drive,
    agentId: 'bench',
    connections,
    watchMedia: (onChange) => {
      drive.on('media-change', onChange);
      return () => drive.off('media-change', onChange);
    },
  });
  drives.push(drive);
  workers.push(worker);
}
await Promise.all(workers.map((w) => w.start()));
const client = new Redis(redis.url);
const store = new RunStore(client);
const started = performance.now();
const run = await planner.createRun({ image, copies, verify: { mode: 'all' } });
let record;
for (;;) {
  record = await store.getRun(run.id);
  if (record?.status === 'completed') break;
  if (record?.status === 'failed' || record?.status === 'cancelled') throw new Error(`run ${record.status}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const realMs = performance.now() - started;
await Promise.all(workers.map((w) => w.close()));
await connections.close();
await planner.close();
await client.quit();
for (const d of drives) d.dispose();
await redis.stop();
rmSync(dir, { recursive: true, force: true });

const modelMs = realMs / timeScale;
const perHour = (ms) => (copies / ms) * 3_600_000;
console.log('drives\tcopies\timage_MB\tper_disc_ideal_s\tmakespan_s\tideal_makespan_s\tdiscs_per_hour\tideal_discs_per_hour\tof_ideal');
console.log([
  driveCount, copies, (bytes / 1e6).toFixed(0), (perDiscMs / 1000).toFixed(1), (modelMs / 1000).toFixed(0), (idealMakespanMs / 1000).toFixed(0),
  perHour(modelMs).toFixed(0), perHour(idealMakespanMs).toFixed(0), `${((100 * idealMakespanMs) / modelMs).toFixed(1)}%`,
].join('\t'));
if (record.counters.passed !== copies) throw new Error(`passed ${record.counters.passed}, wanted ${copies}`);
// Note: everything (drives, workers, hashing) shares this one process; at time
// scales much below 0.2 the host's CPU, not the tower, becomes the limit.
