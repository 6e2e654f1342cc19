#!/usr/bin/env node
// Benchmark: does a merged run (per-disc serials, issue 15) slow the tower?
// The same run, with and without serials, on the same simulated drives
// (real speed models, auto-loaders, full verify) through real BullMQ workers
// on a real redis-server, alternating plain and merged, the order swapped
// every pair. Each merged disc's image is built for real (xorriso, SHA-256)
// in the agent's staging folder, `--window` ahead of the drives (0: each
// drive builds its own just before its burn). Reported: each run's makespan
// and the ratio merged / plain throughput (target >= 0.95).
//
//   npm run build && node bench/merge-throughput.mjs [--drives 4] [--copies 8] [--mb 20] [--time-scale 0.25] [--pairs 2] [--window 4]
//
// A simulated drive's time is scaled (`--time-scale`), an image's build is
// not: below 1 the build weighs 1/scale times more against the burn than on
// real drives, so the ratio measured errs on the pessimistic side.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatedDrive } from '../drivers/dist/index.js';
import { AgentConnections, CopyQueuePeek, DriveWorker, MergeStaging, RunPlanner, RunStore, startEmbeddedRedis } from '../jobs/dist/index.js';
import { Redis } from 'ioredis';
import { machineLine, makeIso, parseArgs } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 4);
const copies = Number(args.get('--copies') ?? 8);
const megabytes = Number(args.get('--mb') ?? 20);
const timeScale = Number(args.get('--time-scale') ?? 0.25);
const pairs = Number(args.get('--pairs') ?? 2);
const window = Number(args.get('--window') ?? driveCount);
const LOAD_DELAY_MS = 6_000;

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-merge-'));
const iso = makeIso(dir, megabytes);
const image = { path: iso.path, sizeBytes: iso.bytes, sha256: createHash('sha256').update(readFileSync(iso.path)).digest('hex') };
const loadBefore = loadavg();

const redis = await startEmbeddedRedis({ dataDir: path.join(dir, 'redis') });
const planner = new RunPlanner({ redisUrl: redis.url });
await planner.start();
// As in an agent: one set of connections, one staging area for all drives, building ahead from the queue's head.
const connections = new AgentConnections({ redisUrl: redis.url, name: 'bench' });
await connections.start();
const peek = new CopyQueuePeek(connections);
const staging = new MergeStaging({
  dir: path.join(dir, 'staging'), window, upcoming: (cls, n) => peek.upcoming(cls, n), onError: (e) => console.error(`# build ahead: ${e.message}`),
});
await staging.start();
const drives = [];
const workers = [];
for (let index = 0; index < driveCount; index++) {
  const drive = new SimulatedDrive({ index, timeScale, autoLoader: { media: 'CD-R', loadDelayMs: LOAD_DELAY_MS } });
  workers.push(new DriveWorker({
    drive, agentId: 'bench', connections, mergeStaging: staging,
    watchMedia: (onChange) => {
      drive.on('media-change', onChange);
      return () => drive.off('media-change', onChange);
    },
  }));
  drives.push(drive);
}
await Promise.all(workers.map((w) => w.start()));
const client = new Redis(redis.url);
const store = new RunStore(client);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every drive idle with a blank loaded: the next run starts from the same place as the last. */
async function allBlank() {
  while (!workers.every((w) => w.status?.state === 'blank')) await sleep(20);
}

let firstSerial = 1;
/** One run to completion; its makespan in model ms. */
async function timedRun(merged) {
  await allBlank();
  const started = performance.now();
  const run = await planner.createRun({
    image, copies, verify: { mode: 'all' },
    ...(merged ? { merge: { serials: { first: firstSerial, pad: 6, prefix: 'SN-' } } } : {}),
  });
  if (merged) firstSerial += copies;
  let record;
  for (;;) {
    record = await store.getRun(run.id);
    if (record?.status === 'completed') break;
    if (record?.status === 'failed' || record?.status === 'cancelled') throw new Error(`run ${record.status}: ${record.statusReason ?? ''}`);
    await sleep(20);
  }
  const ms = (performance.now() - started) / timeScale;
  const attempts = await store.listAttempts(run.id);
  const counted = attempts.filter((a) => a.counted === true);
  if (counted.length !== copies) throw new Error(`${counted.length} counted, wanted ${copies}`);
  if (merged && new Set(counted.map((a) => a.merge?.label)).size !== copies) throw new Error('a serial is missing or doubled');
  return ms;
}

const rows = [];
for (let i = 0; i < pairs; i++) {
  const order = i % 2 === 0 ? [false, true] : [true, false];
  const ms = {};
  for (const merged of order) ms[merged ? 'merged' : 'plain'] = await timedRun(merged);
  rows.push({ pair: i + 1, first: order[0] ? 'merged' : 'plain', plainMs: ms.plain, mergedMs: ms.merged, ratio: ms.plain / ms.merged });
}
const counts = { ...staging.counts };
await Promise.all(workers.map((w) => w.close()));
await staging.close();
const left = readdirSync(staging.dir).length;
await peek.close();
await connections.close();
await planner.close();
await client.quit();
for (const d of drives) d.dispose();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
const loadAfter = loadavg();

const perHour = (ms) => (copies / ms) * 3_600_000;
console.log(machineLine());
console.log(`# load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
console.log(`# drives ${driveCount}, copies ${copies}, image ${(iso.bytes / 1e6).toFixed(0)} MB, time scale ${timeScale}, window ${window}`);
console.log('pair\tfirst\tplain_s\tmerged_s\tplain_discs_per_hour\tmerged_discs_per_hour\tmerged/plain');
for (const r of rows) {
  console.log([r.pair, r.first, (r.plainMs / 1000).toFixed(1), (r.mergedMs / 1000).toFixed(1), perHour(r.plainMs).toFixed(0), perHour(r.mergedMs).toFixed(0), r.ratio.toFixed(3)].join('\t'));
}
const plainTotal = rows.reduce((s, r) => s + r.plainMs, 0);
const mergedTotal = rows.reduce((s, r) => s + r.mergedMs, 0);
const ratio = plainTotal / mergedTotal;
console.log(`# merged/plain throughput over all pairs: ${ratio.toFixed(3)} (target >= 0.95: ${ratio >= 0.95 ? 'met' : 'missed'})`);
console.log(`# merged images: ${counts.builtAhead} built ahead; taken ${counts.takenReady} ready, ${counts.takenBuilding} while being built ahead; ${counts.builtByDrive} built by the drive itself; ${counts.swept} swept unused; ${left} left in the staging folder`);
