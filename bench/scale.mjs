#!/usr/bin/env node
// Benchmark: scale. One `tower serve` controller (its embedded Redis) and A
// `tower agent` processes sharing D simulated drives (auto-loaders, the
// default 250 ms progress reports, time-scaled), one run of C verified
// copies of the sample image. Every tower process writes its metrics
// (TOWER_METRICS_FILE: event-loop lag p99 over each second, RSS, CPU); this
// reads them for the run's window, and Redis INFO before and after: commands
// per second (and per command, the busiest), Redis CPU, and its connected
// clients (the most seen during the run).
//
//   npm run build && node bench/scale.mjs [--drives 256] [--agents 1] [--copies 1024] [--time-scale 0.25] [--agents-nice 0] [--screens 1]
//
// --screens N: live feed clients (socket.io, as the tower page connects)
// watching throughout, as a shop's screens would; 0 for none.
//
// Makespan and ideal are model times (real / time scale), as in
// tower-throughput.mjs. Everything shares this one machine: the agents'
// simulated drives, the controller, Redis and this script.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { SPEED_PROFILES, TRAY_MS, burnDurationMs, defaultCapacitySectors, readDurationMs } from '../drivers/dist/index.js';
import { io as ioClient } from 'socket.io-client';
import { Api, TOKENS, TowerChild, VIEWER_TOKEN, machineLine, markLagWindow, parseArgs, readMetrics, sleep, summarizeMetrics, windowLag } from './lib/tower.mjs';

const args = parseArgs();
const driveCount = Number(args.get('--drives') ?? 256);
const agentCount = Number(args.get('--agents') ?? 1);
const copies = Number(args.get('--copies') ?? 4 * driveCount);
const timeScale = Number(args.get('--time-scale') ?? 0.25);
const timeoutS = Number(args.get('--timeout-s') ?? 900);
// --agents-nice N: the agents run at a lower CPU priority. On a real tower they
// are separate hosts; on this one machine they would otherwise compete with
// the controller for the same cores and the controller's lag measures that.
const agentsNice = Number(args.get('--agents-nice') ?? 0);
const screenCount = Number(args.get('--screens') ?? 1);
const LOAD_DELAY_MS = 6_000;

const dir = mkdtempSync(path.join(tmpdir(), 'tower-bench-scale-'));
const metricsFile = (name) => path.join(dir, `metrics-${name}.jsonl`);
const common = { dataDir: 'data', http: { bind: '127.0.0.1', port: 0 }, tokens: TOKENS, controller: { demoRunCopies: 0 } };
const write = (name, config) => {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
};

function redisInfo(url) {
  // The password through REDISCLI_AUTH, decoded: redis-cli -u does not decode a percent-encoded one.
  const u = new URL(url);
  const env = { ...process.env, REDISCLI_AUTH: decodeURIComponent(u.password) };
  const r = spawnSync('redis-cli', ['-h', u.hostname, '-p', u.port || '6379', 'INFO', 'all'], { encoding: 'utf8', env });
  if (r.status !== 0 || !r.stdout.includes('redis_version:')) throw new Error(`redis-cli INFO: ${r.stderr}${r.stdout.slice(0, 200)}`);
  return Object.fromEntries(r.stdout.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

const children = [];
const screens = [];
let exitCode = 0;
try {
  const serve = new TowerChild(['serve', '--config', write('serve.json', common)], { TOWER_METRICS_FILE: metricsFile('serve') }, { cwd: dir });
  children.push(serve);
  const url = await serve.url();
  const redisLine = await serve.waitFor(/embedded Redis at redis:\/\/(\S+) .*password in (\S+), mode/);
  // The banner leaves the password out; agents read it from the 0600 file beside the data.
  const redisUrl = `redis://:${encodeURIComponent(readFileSync(redisLine[2], 'utf8').trim())}@${redisLine[1]}`;
  const api = new Api(url);
  const perAgent = Math.ceil(driveCount / agentCount);
  const agents = [];
  for (let a = 0; a < agentCount; a++) {
    const count = Math.min(perAgent, driveCount - a * perAgent);
    const id = `agent-${a}`;
    const cfg = write(`${id}.json`, { ...common, agent: { id, simulated: { count, firstIndex: a * perAgent, media: 'CD-R', timeScale, autoLoader: true } } });
    const agent = new TowerChild(['agent', '--config', cfg], { REDIS_URL: redisUrl, TOWER_METRICS_FILE: metricsFile(id) }, { cwd: dir });
    if (agentsNice !== 0) setPriority(agent.pid, agentsNice);
    agent.id = id;
    agents.push(agent);
    children.push(agent);
  }
  await Promise.all(agents.map((a) => a.waitFor(/serving \d+ drive/, 300_000)));
  await api.waitFor(async () => {
    const drives = await api.get('/api/drives');
    return drives.length === driveCount && drives.every((d) => d.state === 'blank');
  }, 300_000, `${driveCount} blank drives`);
  for (let i = 0; i < screenCount; i++) {
    const screen = { socket: ioClient(url, { path: '/socket.io', auth: { token: VIEWER_TOKEN }, transports: ['websocket'] }), driveUpdates: 0, snapshot: false };
    screen.socket.on('snapshot', () => (screen.snapshot = true));
    screen.socket.on('drive:updates', (ds) => (screen.driveUpdates += ds.length));
    screens.push(screen);
  }
  await api.waitFor(async () => screens.every((s) => s.snapshot), 60_000, 'the screens\' snapshots');
  await sleep(3000); // let start-up settle: the window below is the run only
  // Idle cost: every drive holds a blank and polls an empty queue.
  const idleFrom = redisInfo(redisUrl);
  const idleT0 = performance.now();
  await sleep(3000);
  const idleTo = redisInfo(redisUrl);
  const idleOps = (Number(idleTo.total_commands_processed) - Number(idleFrom.total_commands_processed)) / ((performance.now() - idleT0) / 1000);

  const [image] = await api.get('/api/images');
  const updatesBefore = screens.map((s) => s.driveUpdates);
  const before = redisInfo(redisUrl);
  markLagWindow(children);
  const t0 = Date.now();
  const started = performance.now();
  const run = await api.post('/api/runs', { imageId: image.id, copies, verify: 'all', label: 'scale bench' });
  let final;
  let opsPeak = 0;
  let clientsPeak = Number(before.connected_clients);
  for (;;) {
    await sleep(1000);
    final = await api.get(`/api/runs/${run.id}`);
    const info = redisInfo(redisUrl);
    opsPeak = Math.max(opsPeak, Number(info.instantaneous_ops_per_sec));
    clientsPeak = Math.max(clientsPeak, Number(info.connected_clients));
    if (['completed', 'failed', 'cancelled'].includes(final.status)) break;
    if (performance.now() - started > timeoutS * 1000) throw new Error(`run not done after ${timeoutS} s: ${final.passed}/${copies} passed`);
  }
  const realMs = performance.now() - started;
  markLagWindow(children);
  const t1 = Date.now();
  const screenUpdates = screens.map((s, i) => s.driveUpdates - (updatesBefore[i] ?? 0));
  const after = redisInfo(redisUrl);
  if (final.status !== 'completed' || final.passed !== copies) throw new Error(`run ${final.status}: ${final.passed}/${copies} passed`);

  // The ideal, as in tower-throughput.mjs: every drive busy burning, verifying, reloading; no host time.
  const bytes = image.sizeBytes;
  const capacity = defaultCapacitySectors('CD-R');
  const discMs = burnDurationMs('cd', Math.ceil(bytes / 2048), capacity) + SPEED_PROFILES.cd.readSpinUpMs + readDurationMs('cd', 0, bytes, capacity) + TRAY_MS;
  const rounds = Math.ceil(copies / driveCount);
  const idealMs = rounds * discMs + (rounds - 1) * LOAD_DELAY_MS;
  const modelMs = realMs / timeScale;

  const seconds = realMs / 1000;
  const commands = Number(after.total_commands_processed) - Number(before.total_commands_processed);
  const redisCpuS = Number(after.used_cpu_sys) + Number(after.used_cpu_user) - Number(before.used_cpu_sys) - Number(before.used_cpu_user);

  console.log(machineLine());
  console.log(`# ${driveCount} simulated CD-R drives (auto-loaders, progress every 250 ms, time scale ${timeScale}) on ${agentCount} agent(s)${agentsNice !== 0 ? ` (nice ${agentsNice})` : ''}, one tower serve, one Redis; ${copies} verified copies of the ${(bytes / 1e6).toFixed(1)} MB sample image`);
  console.log('drives\tagents\tcopies\twall_s\tmakespan_model_s\tideal_model_s\tof_ideal\tredis_ops_per_s\tredis_ops_peak\tredis_cpu_pct\tredis_clients\tredis_clients_peak');
  console.log([driveCount, agentCount, copies, seconds.toFixed(1), (modelMs / 1000).toFixed(0), (idealMs / 1000).toFixed(0), `${((100 * idealMs) / modelMs).toFixed(1)}%`,
    (commands / seconds).toFixed(0), opsPeak, ((100 * redisCpuS) / seconds).toFixed(1), after.connected_clients, clientsPeak].join('\t'));
  const calls = (info) => new Map(Object.entries(info).filter(([k]) => k.startsWith('cmdstat_')).map(([k, v]) => [k.slice(8), Number(/calls=(\d+)/.exec(v)?.[1] ?? 0)]));
  const callsBefore = calls(before);
  const perCommand = [...calls(after)].map(([cmd, n]) => [cmd, (n - (callsBefore.get(cmd) ?? 0)) / seconds]).filter(([, r]) => r > 0).sort((a, b) => b[1] - a[1]);
  if (screens.length > 0) console.log(`# ${screens.length} screen(s) on the live feed, each received ${(Math.min(...screenUpdates) / seconds).toFixed(0)} drive updates/s`);
  console.log(`# Redis while all ${driveCount} drives idle with blanks before the run: ${idleOps.toFixed(0)} commands/s`);
  console.log(`# Redis commands per second: ${perCommand.slice(0, 10).map(([cmd, r]) => `${cmd} ${r.toFixed(0)}`).join(', ')}`);
  console.log('');
  // Lag is net of the 10 ms sampling interval (an idle loop reads 0). lag_p99/max: every tick of the run;
  // worst_second_p99: the highest of the per-second p99s (the run's worst second).
  console.log('process\tdrives\tlag_p99_ms\tlag_max_ms\tworst_second_p99_ms\trss_max_MB\tcpu_pct\tcpu_ms_per_drive_s');
  const rows = [['serve', 0], ...agents.map((a, i) => [a.id, Math.min(perAgent, driveCount - i * perAgent)])];
  let agentCpuMs = 0;
  for (const [name, drives] of rows) {
    const lines = readMetrics(metricsFile(name), t0, t1 + 1000);
    const m = summarizeMetrics(lines);
    const w = windowLag(metricsFile(name), t1);
    if (!m || !w) {
      console.log(`${name}\t${drives}\t(no metrics)`);
      continue;
    }
    if (drives > 0) agentCpuMs += m.cpuMs;
    const worstSecond = Math.max(...lines.map((l) => l.lagP99Ms - (l.resolutionMs ?? 10)));
    console.log([name, drives, w.p99Ms.toFixed(1), w.maxMs.toFixed(1), worstSecond.toFixed(1), m.rssMaxMB.toFixed(0), m.cpuPercent.toFixed(1), drives > 0 ? (m.cpuMs / drives / m.seconds).toFixed(2) : '-'].join('\t'));
  }
  console.log(`# agents' CPU per drive: ${(agentCpuMs / driveCount / seconds).toFixed(2)} ms/s (${((100 * agentCpuMs) / driveCount / (seconds * 1000)).toFixed(3)}% of a core); load average at the end: ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  for (const s of screens) s.socket.close();
  for (const c of children.reverse()) await c.stop();
  if (!args.has('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
process.exit(exitCode);
