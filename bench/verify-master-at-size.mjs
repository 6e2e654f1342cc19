#!/usr/bin/env node
// Benchmark: verification and mastering of large images from file-backed
// (stdio:) drives, against plain `cmp` and `dd` on the same files, with the
// peak RSS of this process. Images are sparse files (not committed).
//
//   npm run build && node bench/verify-master-at-size.mjs [--sizes 4.7G,25G] [--rounds 2] [--dir DIR]
//
// verify: as in a run (image from the library: bytes compared, digest trusted
// by file identity); verify+hash: the read-back hashed too (an image not yet
// proven). Each round runs the project's operation and the baseline back to back,
// alternating which goes first, and reports the ratio of wall times.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { CdrecordDrive, identityText, imageFileIdentity, masterDataDisc, verifyDisc } from '../drivers/dist/index.js';

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i], process.argv[i + 1]);
const sizes = (args.get('--sizes') ?? '4.7G,25G').split(',').map(parseSize);
const rounds = Number(args.get('--rounds') ?? 2);
const baseDir = args.get('--dir') ?? tmpdir();

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([MG])$/i.exec(text);
  if (!m) throw new Error(`bad size ${text} (use e.g. 4.7G or 500M)`);
  const bytes = Number(m[1]) * (m[2].toUpperCase() === 'G' ? 1e9 : 1e6);
  return Math.floor(bytes / 2048) * 2048;
}

function run(program, argv) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(program, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`${program} exit ${code}: ${err}`))));
  });
}

async function timed(fn) {
  const started = process.hrtime.bigint();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRss: Math.max(peak, process.memoryUsage().rss) };
}

function digest(file) {
  return new Promise((resolve, reject) => {
    const child = spawn('sha256sum', [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.split(' ')[0]) : reject(new Error(`sha256sum exit ${code}`))));
  });
}

async function pair(project, baseline, projectFirst) {
  if (projectFirst) {
    const p = await project();
    return [p, await baseline()];
  }
  const b = await baseline();
  return [await project(), b];
}

// A sparse image with a little real data at the start, the middle and the end.
function makeImage(file, size) {
  writeFileSync(file, '');
  truncateSync(file, size);
  const fd = openSync(file, 'r+');
  for (const at of [0, Math.floor(size / 2 / 2048) * 2048, size - 2048]) writeSync(fd, Buffer.alloc(2048, 0x5a), 0, 2048, at);
  closeSync(fd);
}

const results = [];
for (const size of sizes) {
  const dir = mkdtempSync(path.join(baseDir, 'tower-bench-size-'));
  try {
    const image = path.join(dir, 'image.iso');
    const disc = path.join(dir, 'disc.img');
    makeImage(image, size);
    makeImage(disc, size);
    const drive = new CdrecordDrive({ address: `stdio:${disc}` });
    // The library stores the digest and the file's identity once, when the image enters it; a run's
    // verification compares bytes and trusts the digest while the file keeps that identity.
    const sha256 = await digest(image);
    const identity = identityText(imageFileIdentity(await stat(image, { bigint: true })));
    const out = path.join(dir, 'master.iso');
    const ddOut = path.join(dir, 'dd.iso');
    for (let r = 0; r < rounds; r++) {
      const projectFirst = r % 2 === 0;
      const [v, c] = await pair(
        () => timed(() => verifyDisc(drive, { path: image, sizeBytes: size, sha256, identity }, { verifiedImages: null })),
        () => run('cmp', ['-n', String(size), image, disc]),
        projectFirst,
      );
      results.push({ size, op: 'verify', round: r, project: v.seconds, baseline: c, peakRssMB: v.peakRss / 1e6 });
      // An image not (yet) proven: the read-back is hashed as well (the first disc of an unknown file).
      const [h, c2] = await pair(
        () => timed(() => verifyDisc(drive, { path: image, sizeBytes: size, sha256 }, { verifiedImages: null })),
        () => run('cmp', ['-n', String(size), image, disc]),
        projectFirst,
      );
      results.push({ size, op: 'verify+hash', round: r, project: h.seconds, baseline: c2, peakRssMB: h.peakRss / 1e6 });
      const [m, d] = await pair(
        () => timed(() => masterDataDisc(drive, out)),
        () => run('dd', [`if=${disc}`, `of=${ddOut}`, 'bs=1M', `count=${Math.ceil(size / 1048576)}`, 'conv=fsync', 'status=none']),
        projectFirst,
      );
      rmSync(out, { force: true });
      rmSync(ddOut, { force: true });
      results.push({ size, op: 'master', round: r, project: m.seconds, baseline: d, peakRssMB: m.peakRss / 1e6 });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('size_GB\top\tround\tproject_s\tbaseline_s\tratio\tthroughput_MBps\tpeak_rss_MB');
for (const r of results) {
  console.log([(r.size / 1e9).toFixed(1), r.op, r.round, r.project.toFixed(2), r.baseline.toFixed(2), (r.project / r.baseline).toFixed(2), (r.size / 1e6 / r.project).toFixed(0), r.peakRssMB.toFixed(0)].join('\t'));
}
