// Runs inside the rig's QEMU guest (bench/rig/tower-vs-bare.bench-rig.ts): the
// bare way of making verified copies on real recorders, the baseline of the
// rig benchmark. One loop per recorder, all in parallel; each loop, for its
// share of the copies:
//
//   wait for a blank   cdrskin --no_load dev=/dev/srN -minfo   (again after 250 ms until it says blank)
//   burn               cdrskin -v -tao dev=/dev/srN IMAGE
//   read back          cmp -n BYTES IMAGE /dev/srN             while the kernel's size of srN covers the image,
//                      sg_dd if=/dev/sgM bs=2048 count=S of=- | cmp -n BYTES - IMAGE   otherwise
//                      (the kernel keeps sizing a fresh burn as the blank it was; the tower reads the same way)
//   eject              eject /dev/srN                          (the host's loader keeps the disc, loads a blank)
//
// Every program is spawned with an argument array, never a shell; the pipe
// joins the two programs directly. Prints one JSON line: wall time from the
// first tool start to the last tool's end (the Node start of this script is
// not part of it: a shell loop would not pay one), tool runs, read paths and
// the CPU of the tools it waited for, and each copy's phases.
//
//   node bare-copies.guest.mjs IMAGE COPIES /dev/sr0,/dev/sr1,...
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const [image, copiesText, devicesText] = process.argv.slice(2);
const copies = Number(copiesText);
const devices = (devicesText ?? '').split(',').filter(Boolean);
if (!image || !Number.isInteger(copies) || copies < 1 || devices.length === 0) {
  process.stderr.write('usage: bare-copies.guest.mjs IMAGE COPIES /dev/sr0,/dev/sr1,...\n');
  process.exit(2);
}
const bytes = statSync(image).size;
const SECTOR = 2048;
const BLANK_POLL_MS = 250;

const counts = { minfo: 0, burn: 0, blockReads: 0, sgReads: 0, eject: 0 };
/** Per copy: ms spent waiting for the blank, burning, reading back and ejecting. */
const phases = [];

/** Run a program to its end; resolves with its exit code and output. */
function run(program, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function must(what, r) {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code ?? r.signal}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
}

/** `sg_dd … of=- | cmp -n BYTES - IMAGE`, the two programs joined by a pipe. */
function sgCompare(generic) {
  return new Promise((resolve, reject) => {
    const cmp = spawn('cmp', ['-n', String(bytes), '-', image], { stdio: ['pipe', 'pipe', 'pipe'] });
    const sg = spawn('sg_dd', [`if=${generic}`, `bs=${SECTOR}`, `count=${Math.ceil(bytes / SECTOR)}`, 'of=-'], { stdio: ['ignore', cmp.stdin, 'pipe'] });
    // The child holds its own copy of the pipe's write end: close ours so cmp sees the end.
    cmp.stdin.destroy();
    let out = '';
    let sgErr = '';
    cmp.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    cmp.stderr.setEncoding('utf8').on('data', (d) => (out += d));
    sg.stderr.setEncoding('utf8').on('data', (d) => (sgErr = (sgErr + d).slice(-2000)));
    const ended = (child) => new Promise((res) => {
      child.once('error', reject);
      child.once('close', (code, signal) => res({ code, signal }));
    });
    Promise.all([ended(sg), ended(cmp)]).then(([s, c]) => {
      // cmp stops reading at BYTES, which may end sg_dd early with EPIPE: only cmp's verdict counts.
      if (c.code !== 0) reject(new Error(`read-back of ${generic} differs or is short: cmp exit ${c.code ?? c.signal} (${out.trim()}); sg_dd exit ${s.code ?? s.signal}: ${sgErr.trim().split('\n').slice(-2).join('; ')}`));
      else resolve();
    }, reject);
  });
}

/** The sg node and the kernel's size (bytes) of a recorder, from sysfs. */
function route(device) {
  const name = device.replace(/^\/dev\//, '');
  const generic = readdirSync(`/sys/class/block/${name}/device/scsi_generic`)[0];
  const sectors = Number.parseInt(readFileSync(`/sys/class/block/${name}/size`, 'utf8'), 10);
  return { generic: `/dev/${generic}`, kernelBytes: sectors * 512 };
}

async function waitForBlank(device) {
  for (;;) {
    counts.minfo++;
    const r = await run('cdrskin', ['--no_load', `dev=${device}`, '-minfo']);
    if (/burn_disc_blank/.test(r.stdout + r.stderr)) return;
    await sleep(BLANK_POLL_MS);
  }
}

async function copyOn(device, n) {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await waitForBlank(device);
    const t1 = performance.now();
    counts.burn++;
    must(`cdrskin -tao on ${device}`, await run('cdrskin', ['-v', '-tao', `dev=${device}`, image]));
    const t2 = performance.now();
    const r = route(device);
    if (r.kernelBytes >= bytes) {
      counts.blockReads++;
      must(`cmp ${device}`, await run('cmp', ['-n', String(bytes), image, device]));
    } else {
      counts.sgReads++;
      await sgCompare(r.generic);
    }
    const t3 = performance.now();
    counts.eject++;
    must(`eject ${device}`, await run('eject', [device]));
    phases.push({ device, index: i, waitMs: Math.round(t1 - t0), burnMs: Math.round(t2 - t1), readMs: Math.round(t3 - t2), ejectMs: Math.round(performance.now() - t3) });
  }
}

/** utime, stime, cutime, cstime of /proc/self/stat, in clock ticks. */
function selfTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

const before = selfTicks();
const startedAt = Date.now();
const t0 = performance.now();
await Promise.all(devices.map((d, i) => copyOn(d, Math.floor(copies / devices.length) + (i < copies % devices.length ? 1 : 0))));
const ms = performance.now() - t0;
const after = selfTicks();
process.stdout.write(`${JSON.stringify({ ms: Math.round(ms), startedAt, endedAt: Date.now(), bytes, copies, devices, ...counts, selfTicks: after.self - before.self, childTicks: after.children - before.children, phases })}\n`);
