// Shared helpers of the benchmarks that drive the real `tower` CLI as child
// processes: argument parsing, test images, `tower start|serve|agent`
// processes, a small API client, the metrics files the processes write when
// TOWER_METRICS_FILE is set (apps/controller/src/server/process-metrics.ts),
// and percentiles.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOWER_BIN = path.join(REPO_ROOT, 'apps', 'controller', 'bin', 'tower.js');
export const OPERATOR_TOKEN = 'bench-operator-token-0123456789';
export const VIEWER_TOKEN = 'bench-viewer-token-0123456789ab';
export const TOKENS = [
  { token: OPERATOR_TOKEN, name: 'bench operator', role: 'operator' },
  { token: VIEWER_TOKEN, name: 'bench viewer', role: 'viewer' },
];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run this process (every thread) on the CPUs of a taskset list; children started afterwards inherit them.
 * Returns the list it ran on before, to restore.
 */
export function pinSelf(cpus) {
  const before = /: (\S+)\s*$/.exec(spawnSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' }).stdout ?? '')?.[1];
  const r = spawnSync('taskset', ['-a', '-c', '-p', cpus, String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0 || before === undefined) throw new Error(`taskset failed: ${r.stderr}`);
  return before;
}

/** `--name value` pairs into a Map. */
export function parseArgs(argv = process.argv) {
  const args = new Map();
  for (let i = 2; i < argv.length; i += 2) args.set(argv[i], argv[i + 1]);
  return args;
}

/** An ISO of `megabytes` MiB of random data (genisoimage); returns its path and size. */
export function makeIso(dir, megabytes) {
  const content = path.join(dir, 'content');
  mkdirSync(content, { recursive: true });
  spawnSync('dd', ['if=/dev/urandom', `of=${path.join(content, 'data.bin')}`, 'bs=1M', `count=${megabytes}`, 'status=none']);
  const iso = path.join(dir, 'image.iso');
  const r = spawnSync('genisoimage', ['-quiet', '-o', iso, content]);
  if (r.status !== 0) throw new Error(`genisoimage failed: ${r.stderr}`);
  return { path: iso, bytes: statSync(iso).size };
}

/** As root, cdrskin 1.5.4 burns to stdio: files only when this file exists (see drivers/test/support/test-images.ts). */
export function allowCdrskinStdioAsRoot() {
  const file = '/root/cdrskin_permissions/allow_emulated_drives';
  if (process.getuid?.() !== 0 || existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  chmodSync(path.dirname(file), 0o755);
  writeFileSync(file, '');
}

/** Environment for the CLI without whatever the caller's shell has set for the tower. */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['REDIS_URL', 'TOWER_CONFIG', 'TOWER_PORT', 'TOWER_DATA_DIR', 'TOWER_AGENT_ID', 'TOWER_METRICS_FILE', 'TOWER_URL', 'TOWER_TOKEN']) delete env[k];
  return { ...env, ...extra };
}

/** One long-running `tower` child process (start, serve or agent). */
export class TowerChild {
  /** `cpus` (a taskset list, e.g. "0"): the process and every process it starts run on those CPUs only. */
  constructor(args, env = {}, { cwd, cpus } = {}) {
    this.stdout = '';
    this.stderr = '';
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the tower processes.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const command = [process.execPath, ...nodeArgs, TOWER_BIN, ...args];
    // taskset execs the command: the child's pid is the tower's.
    const [file, ...rest] = cpus === undefined ? command : ['taskset', '-c', cpus, ...command];
    this.child = spawn(file, rest, { env: cleanEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (b) => (this.stdout += b));
    this.child.stderr.on('data', (b) => {
      this.stderr += b;
      if (this.stderr.length > 1_000_000) this.stderr = this.stderr.slice(-200_000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid() {
    return this.child.pid;
  }

  async waitFor(pattern, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.stdout);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`tower exited (${this.child.exitCode}) before ${pattern}:\n${this.stdout}\n${this.stderr.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${this.stdout}\n${this.stderr.slice(-4000)}`);
      await sleep(50);
    }
  }

  async url() {
    return (await this.waitFor(/controller listening on (http:\/\/\S+)/))[1];
  }

  async stop(timeoutMs = 20_000) {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Run the `tower` CLI to completion; resolves with its output and wall time (ms). */
export function towerCli(args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [TOWER_BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ stdout, stderr, ms });
      else reject(new Error(`tower ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

/** Minimal API client. */
export class Api {
  constructor(url, token = OPERATOR_TOKEN) {
    this.url = url;
    this.token = token;
  }

  async call(method, route, body) {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  get(route) {
    return this.call('GET', route);
  }

  post(route, body) {
    return this.call('POST', route, body);
  }

  /** Poll until `check` returns a truthy value. */
  async waitFor(check, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }
}

/** Lines of a metrics file (JSON lines), optionally only those in [from, to] (ms since the epoch). */
export function readMetrics(file, from = 0, to = Infinity) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((m) => m.t >= from && m.t <= to);
}

/**
 * Summary of metrics lines of one process over a window: the p99 of the
 * per-second lag p99s and the worst one, peak RSS, CPU ms used in the window.
 */
export function summarizeMetrics(lines) {
  if (lines.length < 2) return null;
  const lags = lines.map((l) => l.lagP99Ms).sort((a, b) => a - b);
  const first = lines[0];
  const last = lines.at(-1);
  const cpuMs = last.cpuUserMs + last.cpuSystemMs - first.cpuUserMs - first.cpuSystemMs;
  const seconds = (last.t - first.t) / 1000;
  return {
    samples: lines.length,
    lagP99Ms: percentile(lags, 99),
    lagP50OfP99Ms: percentile(lags, 50),
    lagMaxMs: Math.max(...lines.map((l) => l.lagMaxMs)),
    rssMaxMB: Math.max(...lines.map((l) => l.rssMB)),
    cpuMs,
    cpuPercent: seconds > 0 ? (100 * cpuMs) / (seconds * 1000) : 0,
    seconds,
  };
}

/** Start (or end) a lag window in tower processes that write metrics (see process-metrics.ts: SIGUSR2). */
export function markLagWindow(children) {
  for (const c of children) if (c.pid !== undefined) process.kill(c.pid, 'SIGUSR2');
}

/**
 * The lag of every event-loop tick in the window a process closed at or after
 * `endedAt` (ms), net of the sampling interval (an idle loop reads 0):
 * { ticks, p50Ms, p99Ms, maxMs }, or null.
 */
export function windowLag(file, endedAt) {
  const line = readMetrics(file, endedAt - 50).find((l) => l.window !== undefined);
  if (!line) return null;
  const net = (v) => Math.max(0, v - (line.resolutionMs ?? 10));
  return { ticks: line.window.ticks, p50Ms: net(line.window.p50Ms), p99Ms: net(line.window.p99Ms), maxMs: net(line.window.maxMs) };
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The machine, for the result header. */
export function machineLine() {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const mem = /MemTotal:\s*(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return `# machine: ${cpu}, ${spawnSync('nproc').stdout.toString().trim()} cores, ${mem ? (Number(mem) / 1048576).toFixed(1) : '?'} GiB, node ${process.version}`;
}
