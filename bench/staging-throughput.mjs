#!/usr/bin/env node
// Benchmark: images stored compressed (issue 14).
//  1. Staging throughput: the agent's staging cache decompressing a stored
//     image (zstd frames of 64 MiB: `zstd -d -o <part>`, the file handed to the drives when zstd is done, its
//     SHA-256 proven after by `openssl dgst -sha256 -r`, beside the first burns) against `zstd -d` of the same
//     file to a file, rounds alternating which goes first. Timed twice: until the drives may burn (the target)
//     and until the proof holds (no disc counts before);
//     for reference, `zstd -d -c | sha256sum` (the same proof by the CLI tools, nothing written) and
//     `zstd -d -o <file>` then `openssl dgst -sha256 <file>` (the two steps one after the other, the file read back).
//     With --chd-mb N: a CD image of N MB (one MODE1/2048 track) stored as a CHD (`chdman createcd`), staged by the
//     cache (`chdman extractcd`, the BIN proven by SHA-256, the sheet rewritten) against `chdman extractcd` alone.
//     And the same ISO plain, copied into the cache (`plainImages: 'stage'`: `tee <part> < <iso> | openssl dgst -sha256 -r`)
//     against `cp` of it, rounds alternating. The file was just written, so both read it from the page cache:
//     this measures the copy and its proof on the host, not a slow library volume.
//  2. Tower throughput: a verified run on simulated drives (real speed models,
//     auto-loaders, real BullMQ workers and redis-server) from the image stored
//     compressed (staged once, in the run's time) against the same run from it plain.
//
//   npm run build --workspace node-cdrecord-wrapper --workspace @tower/jobs
//   node bench/staging-throughput.mjs [--mb 256] [--rounds 3] [--drives 4] [--copies 8] [--run-mb 64] [--time-scale 1] [--runs 1] [--chd-mb 0]
//   (--runs 0: the staging part only)
//
// Targets: staging ≥ 0.9× `zstd -d`'s throughput; the compressed run ≥ 98 % of the plain run's throughput.
// Run times are model times (real time / time scale); the staging is host work, so below a time scale of 1 it
// weighs 1/scale times what it would in a real tower.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatedDrive } from '../drivers/dist/index.js';
import { AgentConnections, DriveWorker, ImageStagingCache, RunPlanner, startEmbeddedRedis } from '../jobs/dist/index.js';
import { machineLine, makeIso, parseArgs } from './lib/tower.mjs';

const args = parseArgs();
const megabytes = Number(args.get('--mb') ?? 256);
const rounds = Number(args.get('--rounds') ?? 3);
const driveCount = Number(args.get('--drives') ?? 4);
const copies = Number(args.get('--copies') ?? 8);
const runMegabytes = Number(args.get('--run-mb') ?? 64);
const timeScale = Number(args.get('--time-scale') ?? 1);
const withRuns = Number(args.get('--runs') ?? 1) !== 0;
const chdMegabytes = Number(args.get('--chd-mb') ?? 0);
const FRAME_BYTES = 64 * 1024 * 1024;
const LOAD_DELAY_MS = 6_000;

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-staging-'));

/** The image stored as the library stores it: independent `zstd -3 --check` frames of 64 MiB, one after the other. */
function storeCompressed(iso, dest) {
  const size = statSync(iso).size;
  const input = openSync(iso, 'r');
  const output = openSync(dest, 'w');
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(FRAME_BYTES);
  for (let start = 0; start < size; start += FRAME_BYTES) {
    const n = readSync(input, chunk, 0, Math.min(FRAME_BYTES, size - start), start);
    hash.update(chunk.subarray(0, n));
    const z = spawnSync('zstd', ['-q', '-c', '-3', '--check'], { input: chunk.subarray(0, n), maxBuffer: 2 * FRAME_BYTES });
    if (z.status !== 0) throw new Error(`zstd failed: ${z.stderr}`);
    writeSync(output, z.stdout);
  }
  closeSync(input);
  closeSync(output);
  return { sha256: hash.digest('hex'), sizeBytes: size, storedBytes: statSync(dest).size };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// 1. Staging against zstd -d.
const isoDir = path.join(dir, 'iso');
const iso = makeIso(isoDir, megabytes);
const stored = path.join(dir, 'image.iso.zst');
const facts = storeCompressed(iso.path, stored);
const image = {
  path: iso.path, format: 'iso', sha256: facts.sha256, sizeBytes: facts.sizeBytes, sectors: facts.sizeBytes / 2048,
  stored: { path: stored, compression: 'zstd', bytes: facts.storedBytes },
};
const zstdTimes = [];
const stagingTimes = [];
const provenTimes = [];
const hashedTimes = [];
/** `zstd -d -c stored | sha256sum`: the two tools joined by a pipe (no shell), nothing written. */
const timeZstdHashed = () => new Promise((resolve, reject) => {
  const t = performance.now();
  const z = spawn('zstd', ['-d', '-c', '-q', stored], { stdio: ['ignore', 'pipe', 'inherit'] });
  const h = spawn('sha256sum', [], { stdio: [z.stdout, 'pipe', 'inherit'] });
  let said = '';
  h.stdout.on('data', (d) => { said += d; });
  h.on('close', (code) => {
    if (code !== 0 || !said.startsWith(facts.sha256)) reject(new Error(`zstd | sha256sum said ${said}`));
    hashedTimes.push(performance.now() - t);
    resolve();
  });
});
/** `zstd -d -o out`, then `openssl dgst -sha256 -r out`: the same proof in two steps, the written file read back. */
const steppedTimes = [];
const timeZstdThenOpenssl = () => {
  const out = path.join(dir, 'stepped-out.iso');
  const t = performance.now();
  const r = spawnSync('zstd', ['-d', '-q', '-f', stored, '-o', out]);
  const h = spawnSync('openssl', ['dgst', '-sha256', '-r', out]);
  steppedTimes.push(performance.now() - t);
  rmSync(out, { force: true });
  if (r.status !== 0 || h.status !== 0 || !String(h.stdout).startsWith(facts.sha256)) throw new Error(`zstd -o; openssl dgst said ${h.stdout}${h.stderr}`);
};
const timeZstd = () => {
  const out = path.join(dir, 'zstd-out.iso');
  const t = performance.now();
  const r = spawnSync('zstd', ['-d', '-q', '-f', stored, '-o', out]);
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr}`);
  rmSync(out, { force: true });
  zstdTimes.push(ms);
};
const timeStaging = async () => {
  const cacheDir = path.join(dir, 'cache');
  const cache = new ImageStagingCache({ dir: cacheDir, maxBytes: 4 * facts.sizeBytes });
  const t = performance.now();
  const lease = await cache.acquire(image);
  const ms = performance.now() - t;
  if (lease.image.identity !== undefined) throw new Error('the staged image was proven before it was handed over');
  await lease.proven;
  provenTimes.push(performance.now() - t);
  lease.release();
  rmSync(cacheDir, { recursive: true, force: true });
  stagingTimes.push(ms);
};
const plainIsoImage = { path: iso.path, format: 'iso', sha256: facts.sha256, sizeBytes: facts.sizeBytes, sectors: facts.sizeBytes / 2048 };
const cpTimes = [];
const plainCopyTimes = [];
const timeCp = () => {
  const out = path.join(dir, 'cp-out.iso');
  const t = performance.now();
  const r = spawnSync('cp', ['--', iso.path, out]);
  cpTimes.push(performance.now() - t);
  if (r.status !== 0) throw new Error(`cp failed: ${r.stderr}`);
  rmSync(out, { force: true });
};
const timePlainCopy = async () => {
  const cacheDir = path.join(dir, 'cache-plain');
  const cache = new ImageStagingCache({ dir: cacheDir, maxBytes: 4 * facts.sizeBytes, plainImages: 'stage' });
  const t = performance.now();
  const lease = await cache.acquire(plainIsoImage);
  plainCopyTimes.push(performance.now() - t);
  lease.release();
  if (cache.stagings !== 1) throw new Error('the plain image was not staged');
  rmSync(cacheDir, { recursive: true, force: true });
};
const load1 = loadavg()[0];
for (let round = 0; round < rounds; round++) {
  if (round % 2 === 0) {
    timeZstd();
    await timeStaging();
    timeCp();
    await timePlainCopy();
  } else {
    await timeStaging();
    timeZstd();
    await timePlainCopy();
    timeCp();
  }
  await timeZstdHashed();
  timeZstdThenOpenssl();
}
const mbps = (ms) => facts.sizeBytes / 1e6 / (ms / 1000);
const zstdMs = median(zstdTimes);
const stagingMs = median(stagingTimes);
// Each round's staging against its own zstd -d, side by side in time: the median of those ratios shrugs off a load that drifts between rounds.
const pairRatio = median(zstdTimes.map((z, i) => z / stagingTimes[i]));

/** 1b. A CD image stored as a CHD: the cache's staging against `chdman extractcd` of the same file, alternating. */
async function chdRow(mb) {
  const cdDir = path.join(dir, 'cd');
  const cd = makeIso(cdDir, Math.min(mb, 650));
  const bin = path.join(cdDir, 'disc-01.bin');
  renameSync(cd.path, bin);
  const cue = path.join(cdDir, 'disc.cue');
  writeFileSync(cue, 'FILE "disc-01.bin" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n');
  const chd = path.join(dir, 'disc.chd');
  const made = spawnSync('chdman', ['createcd', '-i', cue, '-o', chd]);
  if (made.status !== 0) throw new Error(`chdman createcd failed: ${made.stderr}`);
  const sizeBytes = statSync(bin).size;
  const sha256 = createHash('sha256').update(readFileSync(bin)).digest('hex');
  rmSync(bin);
  const cdImage = {
    path: cue, format: 'cue', sha256, sizeBytes, sectors: sizeBytes / 2048, trackModes: ['MODE1/2048'],
    stored: { path: chd, compression: 'chd', bytes: statSync(chd).size, bins: [{ name: 'disc-01.bin', bytes: sizeBytes, sha256 }] },
  };
  const extractTimes = [];
  const chdStagingTimes = [];
  const extract = () => {
    const t = performance.now();
    const r = spawnSync('chdman', ['extractcd', '-i', chd, '-o', path.join(dir, 'x.cue'), '-ob', path.join(dir, 'x.bin')]);
    extractTimes.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`chdman extractcd failed: ${r.stderr}`);
    rmSync(path.join(dir, 'x.cue'));
    rmSync(path.join(dir, 'x.bin'));
  };
  const stage = async () => {
    const cacheDir = path.join(dir, 'cache-cd');
    const cache = new ImageStagingCache({ dir: cacheDir, maxBytes: 4 * sizeBytes });
    const t = performance.now();
    const lease = await cache.acquire(cdImage);
    chdStagingTimes.push(performance.now() - t);
    lease.release();
    rmSync(cacheDir, { recursive: true, force: true });
  };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      extract();
      await stage();
    } else {
      await stage();
      extract();
    }
  }
  const rate = (ms) => sizeBytes / 1e6 / (ms / 1000);
  return { sizeBytes, storedBytes: cdImage.stored.bytes, extractMBps: rate(median(extractTimes)), stagingMBps: rate(median(chdStagingTimes)), ratio: median(extractTimes) / median(chdStagingTimes) };
}
const chd = chdMegabytes > 0 ? await chdRow(chdMegabytes) : null;

// 2. The tower's throughput on a run from the compressed image against the same run from the plain one.
const runDir = path.join(dir, 'run');
const runIso = makeIso(runDir, runMegabytes);
const runStored = path.join(dir, 'run.iso.zst');
const runFacts = storeCompressed(runIso.path, runStored);
const plainImage = { path: runIso.path, format: 'iso', sha256: runFacts.sha256, sizeBytes: runFacts.sizeBytes, sectors: runFacts.sizeBytes / 2048 };
const storedImage = { ...plainImage, stored: { path: runStored, compression: 'zstd', bytes: runFacts.storedBytes } };
const redis = await startEmbeddedRedis({ dataDir: path.join(dir, 'redis') });

async function timedRun(runImage, label) {
  const planner = new RunPlanner({ redisUrl: redis.url });
  await planner.start();
  const connections = new AgentConnections({ redisUrl: redis.url, name: `bench-${label}` });
  await connections.start();
  const cache = new ImageStagingCache({ dir: path.join(dir, `cache-${label}`), maxBytes: 4 * runFacts.sizeBytes });
  const drives = [];
  const workers = [];
  for (let index = 0; index < driveCount; index++) {
    const drive = new SimulatedDrive({ index, timeScale, autoLoader: { media: 'CD-R', loadDelayMs: LOAD_DELAY_MS } });
    drives.push(drive);
    workers.push(new DriveWorker({
      drive, agentId: `bench-${label}`, connections, imageStaging: cache,
      watchMedia: (onChange) => {
        drive.on('media-change', onChange);
        return () => drive.off('media-change', onChange);
      },
    }));
  }
  await Promise.all(workers.map((w) => w.start()));
  const started = performance.now();
  const run = await planner.createRun({ image: runImage, copies, verify: { mode: 'all' } });
  let record;
  for (;;) {
    record = await planner.store.getRun(run.id);
    if (record?.status === 'completed') break;
    if (record?.status === 'failed' || record?.status === 'cancelled') throw new Error(`${label} run ${record.status}: ${record.statusReason ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ms = (performance.now() - started) / timeScale;
  if (record.counters.passed !== copies) throw new Error(`${label}: passed ${record.counters.passed}, wanted ${copies}`);
  await Promise.all(workers.map((w) => w.close()));
  await connections.close();
  await planner.close();
  for (const d of drives) d.dispose();
  return { ms, stagings: cache.stagings };
}

const plainRun = withRuns ? await timedRun(plainImage, 'plain') : null;
const storedRun = withRuns ? await timedRun(storedImage, 'zstd') : null;
await redis.stop();
rmSync(dir, { recursive: true, force: true });
const load2 = loadavg()[0];

console.log(machineLine());
console.log(`load average (1 min) ${load1.toFixed(2)} at the start, ${load2.toFixed(2)} at the end`);
console.log('image_MB\tstored_MB\trounds\tzstd_d_MBps\tzstd_d_sha256sum_MBps\tzstd_o_then_openssl_MBps\tstaging_MBps\tratio_to_zstd_d\tpaired_ratio\tproven_MBps\tproven_ratio');
console.log([
  (facts.sizeBytes / 1e6).toFixed(0), (facts.storedBytes / 1e6).toFixed(0), rounds, mbps(zstdMs).toFixed(0), mbps(median(hashedTimes)).toFixed(0),
  mbps(median(steppedTimes)).toFixed(0), mbps(stagingMs).toFixed(0), (zstdMs / stagingMs).toFixed(3), pairRatio.toFixed(3),
  mbps(median(provenTimes)).toFixed(0), (zstdMs / median(provenTimes)).toFixed(3),
].join('\t'));
console.log('plain_image_MB\trounds\tcp_MBps\tstaging_copy_MBps\tratio_to_cp');
console.log([(facts.sizeBytes / 1e6).toFixed(0), rounds, mbps(median(cpTimes)).toFixed(0), mbps(median(plainCopyTimes)).toFixed(0), (median(cpTimes) / median(plainCopyTimes)).toFixed(3)].join('\t'));
if (chd !== null) {
  console.log('cd_image_MB\tchd_MB\trounds\tchdman_extractcd_MBps\tstaging_MBps\tratio_to_extractcd');
  console.log([(chd.sizeBytes / 1e6).toFixed(0), (chd.storedBytes / 1e6).toFixed(0), rounds, chd.extractMBps.toFixed(0), chd.stagingMBps.toFixed(0), chd.ratio.toFixed(3)].join('\t'));
}
if (plainRun === null || storedRun === null) process.exit(0);
console.log('drives\tcopies\trun_image_MB\ttime_scale\tplain_makespan_s\tzstd_makespan_s\tstagings\tthroughput_ratio');
console.log([
  driveCount, copies, (runFacts.sizeBytes / 1e6).toFixed(0), timeScale, (plainRun.ms / 1000).toFixed(1), (storedRun.ms / 1000).toFixed(1),
  storedRun.stagings, (plainRun.ms / storedRun.ms).toFixed(3),
].join('\t'));
