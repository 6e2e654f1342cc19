#!/usr/bin/env node
// Benchmark: the project's overhead against the bare way. N cdrskin pseudo
// drives (stdio: files), M verified copies of one image:
//   project: `tower run <image> --copies M --speed S --verify all --wait`
//            against a `tower start` configured with the N stdio drives
//            (time from launching the CLI to its exit: submit to completion,
//            CLI start-up and its 1 s --wait polling included);
//   bare:    `xargs -P N` of `cdrskin ... speed=S image && cmp -n SIZE image disc`.
// Rounds alternate which goes first. The tower is started once (outside the
// timed part), with the default agent timings.
//
//   npm run build && node bench/overhead-vs-bare.mjs [--drives 2] [--copies 8] [--mb 64] [--speed 8] [--rounds 2]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Api, OPERATOR_TOKEN, TOKENS, TowerChild, allowCdrskinStdioAsRoot, machineLine, makeIso, parseArgs, readMetrics, summarizeMetrics, towerCli } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 2);
const copies = Number(args.get('--copies') ?? 8);
const megabytes = Number(args.get('--mb') ?? 64);
const speed = Number(args.get('--speed') ?? 8);
const rounds = Number(args.get('--rounds') ?? 2);

allowCdrskinStdioAsRoot();
const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-overhead-'));
const image = makeIso(path.join(dir, 'src'), megabytes);
const discs = path.join(dir, 'discs');
mkdirSync(discs);
const metricsFile = path.join(dir, 'metrics.jsonl');

const configFile = path.join(dir, 'tower.json');
writeFileSync(configFile, JSON.stringify({
  http: { bind: '127.0.0.1', port: 0 },
  dataDir: path.join(dir, 'data'),
  tokens: TOKENS,
  library: { importRoots: [path.join(dir, 'src')], sampleImage: false },
  controller: { demoRunCopies: 0 },
  agent: {
    id: 'bench-stdio',
    drives: Array.from({ length: driveCount }, (_, i) => ({ device: `stdio:${path.join(discs, `tower-${i}.img`)}`, label: `Disc ${i}`, media: 'CD-R' })),
  },
}, null, 2));

const tower = new TowerChild(['start', '--config', configFile], { TOWER_METRICS_FILE: metricsFile }, { cwd: dir });
let exitCode = 0;
try {
  const url = await tower.url();
  await tower.waitFor(/press Ctrl-C to stop/);
  const cliEnv = { TOWER_URL: url, TOWER_TOKEN: OPERATOR_TOKEN };
  const imported = JSON.parse((await towerCli(['images', 'import', image.path, '--name', 'bench', '--json'], cliEnv)).stdout);
  const api = new Api(url);

  const results = { project: [], bare: [], runMs: [] };
  const metricWindows = [];
  const project = async () => {
    await api.waitFor(async () => (await api.get('/api/drives')).every((d) => d.state === 'blank' || d.state === 'done'), 60_000, 'idle drives');
    const t0 = Date.now();
    const r = await towerCli(['run', imported.id, '--copies', String(copies), '--speed', String(speed), '--verify', 'all', '--wait', '--json'], cliEnv);
    const run = JSON.parse(r.stdout);
    if (run.status !== 'completed' || run.passed !== copies) throw new Error(`run ${run.id} ${run.status}: ${run.passed}/${copies}`);
    metricWindows.push([t0, Date.now()]);
    results.project.push(r.ms);
    results.runMs.push(run.completedAt - run.createdAt);
  };
  const bare = () => new Promise((resolve, reject) => {
    // One job per copy; xargs gives each running job its slot (0..N-1): its drive.
    const job = `cdrskin -v --allow_emulated_drives "dev=stdio:${discs}/bare-$SLOT.img" -sao speed=${speed} "$0" >/dev/null 2>&1 && cmp -n ${image.bytes} "$0" "${discs}/bare-$SLOT.img"`;
    const started = performance.now();
    const child = spawn('sh', ['-c', `seq ${copies} | xargs -P ${driveCount} -n 1 --process-slot-var=SLOT sh -c '${job.replace(/'/g, "'\\''")}' "${image.path}"`], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bare script exited ${code}`));
      else {
        results.bare.push(performance.now() - started);
        resolve();
      }
    });
  });

  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      await project();
      await bare();
    } else {
      await bare();
      await project();
    }
  }

  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(machineLine());
  console.log(`# image ${(image.bytes / 1048576).toFixed(1)} MiB, speed=${speed}, verify all; per round: project and bare back to back, alternating`);
  console.log('round\tdrives\tcopies\tproject_s\trun_created_to_completed_s\tbare_s\tratio\toverhead_per_disc_ms');
  for (let i = 0; i < rounds; i++) {
    const p = results.project[i];
    const b = results.bare[i];
    console.log([i + 1, driveCount, copies, (p / 1000).toFixed(2), (results.runMs[i] / 1000).toFixed(2), (b / 1000).toFixed(2), (p / b).toFixed(3), ((p - b) / copies).toFixed(0)].join('\t'));
  }
  const p = mean(results.project);
  const b = mean(results.bare);
  console.log(['mean', driveCount, copies, (p / 1000).toFixed(2), (mean(results.runMs) / 1000).toFixed(2), (b / 1000).toFixed(2), (p / b).toFixed(3), ((p - b) / copies).toFixed(0)].join('\t'));
  const windows = metricWindows.map(([from, to]) => summarizeMetrics(readMetrics(metricsFile, from, to + 1000))).filter(Boolean);
  if (windows.length > 0) {
    const cpuMs = windows.reduce((a, w) => a + w.cpuMs, 0);
    const secs = windows.reduce((a, w) => a + w.seconds, 0);
    console.log(`# tower start process during the project runs: lag p99 ${Math.max(...windows.map((w) => w.lagP99Ms)).toFixed(1)} ms, max ${Math.max(...windows.map((w) => w.lagMaxMs)).toFixed(1)} ms, RSS max ${Math.max(...windows.map((w) => w.rssMaxMB)).toFixed(0)} MB, CPU ${(cpuMs / secs / 10).toFixed(1)}% of one core (${(cpuMs / (copies * windows.length)).toFixed(0)} ms CPU per disc)`);
  }
  console.log(`# load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()} (other work on this machine competes for the 2 cores)`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await tower.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
