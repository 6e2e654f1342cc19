/**
 * Benchmark: the tower's cost on the real-kernel path. One QEMU guest (TCG,
 * 2 vCPUs) with 4 tgt-emulated DVD+R recorders (/dev/sr0..3 over iSCSI, see
 * test/rig/) and the host's disc loader; in the guest, per round and
 * alternating which goes first:
 *
 *   tower: `tower run <image> --copies K --verify all --wait` against a
 *          `tower start` with `"drives": "auto"` (started once, untimed),
 *          timed in the guest from the CLI's start to its exit (its Node
 *          start-up and --wait polling included, as bench/overhead-vs-bare);
 *   bare:  bench/rig/bare-copies.guest.mjs: one loop per recorder of
 *          cdrskin -tao, a read-back of the image's length compared with
 *          `cmp`, `eject`, and `cdrskin -minfo` until the loader's blank is
 *          in; timed from its first tool start to its last tool's end.
 *
 * During the bare rounds the tower's drives are quarantined (through the
 * API, untimed), so its agent leaves the recorders alone without a restart:
 * a quarantined drive is not asked about its disc. The benchmark checks that
 * the tower reaped no child process (no tool ran) during each bare round.
 * Untimed, before the rounds: 20 s of the idle tower with its drives looked
 * at, then quarantined, each followed by `node -e 0` and `tower runs --json`
 * (the CLI's fixed cost). The guest runs the tree's apps/controller/dist and
 * drivers/dist as they are on disk: a rebuild meanwhile is measured too.
 *
 *   npm run bench:rig    (root; BENCH_RIG_COPIES=8 BENCH_RIG_ROUNDS=2 BENCH_RIG_MB=3 BENCH_RIG_WARMUP=1)
 *
 * Diagnostics, not for the figures: BENCH_RIG_TRACE=1 logs every tool run of
 * either side through wrapper scripts (tool runs per disc and their times);
 * BENCH_RIG_TOWER_NODE_ARGS passes Node options to `tower start` (a CPU
 * profile: "--cpu-prof --cpu-prof-dir=/run/tower-vm/prof", kept with the run
 * folder when TOWER_VM_KEEP=1).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlainIso } from '../../test/vm/images.js';
import type { GuestProcess, GuestRun } from '../../test/rig/guest-shell.js';
import { BUILD_TIMEOUT_MS, log, REPO_ROOT, RIG_TOKEN, startRig, TOWER_BIN } from '../../test/rig/rig-harness.js';
import type { Rig } from '../../test/rig/rig-harness.js';

const RECORDERS = 4;
const COPIES = Number(process.env.BENCH_RIG_COPIES ?? 8);
const ROUNDS = Number(process.env.BENCH_RIG_ROUNDS ?? 2);
const MEGABYTES = Number(process.env.BENCH_RIG_MB ?? 3);
const WARMUP = (process.env.BENCH_RIG_WARMUP ?? '1') !== '0';
/** Diagnostics: every tool run of either side logged by a wrapper script (which costs time of its own: not for the figures). */
const TRACE = process.env.BENCH_RIG_TRACE === '1';
const TRACED_TOOLS = ['cdrskin', 'sg_dd', 'eject', 'cmp', 'xorriso'];
/** Node options for `tower start` in the guest, e.g. `--cpu-prof --cpu-prof-dir=/run/tower-vm/prof` (written when it stops). */
const TOWER_NODE_ARGS = (process.env.BENCH_RIG_TOWER_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Length of each idle probe window, ms. */
const IDLE_PROBE_MS = Number(process.env.BENCH_RIG_IDLE_PROBE_MS ?? 20_000);
const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BARE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-copies.guest.mjs');
const DEVICES = Array.from({ length: RECORDERS }, (_, i) => `/dev/sr${i}`);
const BARE_IMAGE = '/tmp/bench-bare/plain.iso';
const API = 'http://127.0.0.1:8080/api';
/** Guest clock ticks per second (USER_HZ). */
const HZ = 100;

interface DriveJson { id: string; state: string; mediaType: string | null; quarantine: object | null }
interface RunJson { id: string; status: string; passed: number; createdAt: number; completedAt: number | null }
interface AttemptJson { driveId: string; startedAt: number; endedAt: number | null; outcome: string | null }
interface BarePhase { device: string; index: number; waitMs: number; burnMs: number; readMs: number; ejectMs: number }
interface BareJson { ms: number; startedAt: number; endedAt: number; copies: number; minfo: number; burn: number; blockReads: number; sgReads: number; eject: number; selfTicks: number; childTicks: number; phases: BarePhase[] }
/** CPU of one guest process in clock ticks: its own and that of the children it reaped. */
interface Ticks { self: number; children: number; rssPages: number }

interface TowerRound {
  ms: number;
  createdAt: number;
  completedAt: number;
  runMs: number;
  tower: Ticks;
  redis: Ticks;
  /** Run created to its first attempt begun, ms. */
  firstStartMs: number;
  /** Each attempt, begun to closed (burn, verify, eject), ms. */
  attemptMs: number[];
  /** On one drive, an attempt closed to the next begun (the disc change and the look at the new blank), ms. */
  gapMs: number[];
  /** Last attempt closed to the run completed, ms. */
  tailMs: number;
  attempts: number;
}
interface BareRound { ms: number; guestMs: number; result: BareJson }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function machineLine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  return `# machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; guest: QEMU TCG, 2 vCPUs, ${RECORDERS} tgt DVD+R recorders over iSCSI`;
}

describe('rig benchmark: tower run against bare cdrskin + cmp loops on real kernel recorders', () => {
  let rig: Rig;
  let server: GuestProcess | undefined;
  let towerPid = 0;

  beforeAll(async () => {
    rig = await startRig({ recorders: RECORDERS, maxRuntimeMs: 45 * 60_000 });
    await makePlainIso(rig.shareDir, MEGABYTES * 1024 * 1024);
    await writeFile(path.join(rig.shareDir, 'tower.json'), JSON.stringify({
      dataDir: '/tmp/tower',
      library: { dir: '/tmp/tower/library', importRoots: [rig.guestPath('')], sampleImage: false },
      tokens: [{ token: RIG_TOKEN, name: 'rig', role: 'operator' }],
      controller: { demoRunCopies: 0 },
      agent: { id: 'rig', drives: 'auto' },
    }));
    if (TRACE) {
      for (const side of ['tower', 'bare']) {
        await mkdir(path.join(rig.shareDir, `shim-${side}`));
        for (const tool of TRACED_TOOLS) {
          const real = `/usr/bin/${tool}`;
          await writeFile(path.join(rig.shareDir, `shim-${side}`, tool), [
            '#!/bin/sh',
            's=$(date +%s%N)',
            `${real} "$@"`,
            'rc=$?',
            `echo "$s $(date +%s%N) ${tool} $rc $*" >> ${rig.guestPath(`trace-${side}.log`)}`,
            'exit $rc',
            '',
          ].join('\n'), { mode: 0o755 });
        }
      }
    }
  }, BUILD_TIMEOUT_MS + 300_000);

  const sideEnv = (side: 'tower' | 'bare'): Record<string, string> => (TRACE ? { PATH: `${rig.guestPath(`shim-${side}`)}:${GUEST_PATH}` } : {});

  afterAll(async () => {
    if (server) {
      await server.kill('SIGTERM');
      await server.wait(30_000).catch(() => undefined);
    }
    await rig?.stop();
  }, 90_000);

  /** A program in the guest that must succeed. */
  const guest = async (argv: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<GuestRun> => {
    const r = await rig.shell.run(argv, { cwd: '/', timeoutMs, env });
    if (r.code !== 0) throw new Error(`guest ${argv.join(' ')}: exit ${r.code ?? r.signal} ${r.error ?? ''}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return r;
  };

  /** The controller's API in the guest, through curl (a CLI run is a Node start: tens of seconds under TCG). */
  const api = async <T>(method: 'GET' | 'POST', route: string, body?: object): Promise<T> => {
    const args = ['curl', '-sS', '--fail-with-body', '-X', method, '-H', `authorization: Bearer ${RIG_TOKEN}`];
    if (body !== undefined) args.push('-H', 'content-type: application/json', '--data', JSON.stringify(body));
    const r = await guest([...args, `${API}${route}`], 60_000);
    return (r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout)) as T;
  };

  const drives = (): Promise<DriveJson[]> => api<DriveJson[]>('GET', '/drives');

  const waitDrives = async (what: string, ok: (d: DriveJson[]) => boolean, timeoutMs: number): Promise<DriveJson[]> => {
    const deadline = Date.now() + timeoutMs;
    let last: DriveJson[] = [];
    while (Date.now() < deadline) {
      last = await drives().catch(() => []);
      if (ok(last)) return last;
      await sleep(1000);
    }
    throw new Error(`drives not ${what} within ${timeoutMs} ms: ${JSON.stringify(last.map((d) => [d.id, d.state, d.mediaType]))}`);
  };

  /** Every recorder holds a blank: the host's loader has swapped the last burned disc out. */
  const waitLoaded = async (): Promise<void> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const states = await rig.tgt.lunStates();
      const sizes = await Promise.all(states.map(async (s) => (await stat(rig.tgt.discFile(s.lun))).size));
      if (states.length === RECORDERS && states.every((s) => s.online) && sizes.every((n) => n === 0)) return;
      if (Date.now() > deadline) throw new Error(`recorders not loaded with blanks: ${JSON.stringify(states)} ${JSON.stringify(sizes)}; loader errors ${JSON.stringify(rig.loader.errors)}`);
      await sleep(200);
    }
  };

  /** /proc/<pid>/stat of guest processes. */
  const ticks = async (pids: number[]): Promise<Ticks[]> => {
    const r = await guest(['cat', ...pids.map((p) => `/proc/${p}/stat`)]);
    return r.stdout.trim().split('\n').map((line) => {
      const f = line.slice(line.lastIndexOf(')') + 2).split(' ').map(Number);
      return { self: (f[11] ?? 0) + (f[12] ?? 0), children: (f[13] ?? 0) + (f[14] ?? 0), rssPages: f[21] ?? 0 };
    });
  };

  /** The tower's child processes (pid and name). */
  const towerChildren = async (): Promise<Array<{ pid: number; name: string }>> => {
    const r = await rig.shell.run(['pgrep', '-l', '-P', String(towerPid)], { cwd: '/', timeoutMs: 30_000 });
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
      const [pid, name] = l.trim().split(/\s+/);
      return { pid: Number(pid), name: name ?? '' };
    });
  };

  /** Quarantined drives and no tool of the tower's still running (a look begun before the quarantine ends first). */
  const waitToolsIdle = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    let quiet = 0;
    for (;;) {
      const busy = (await towerChildren()).filter((c) => c.name !== 'redis-server');
      quiet = busy.length === 0 ? quiet + 1 : 0;
      if (quiet >= 2) return;
      if (Date.now() > deadline) throw new Error(`the tower still runs ${JSON.stringify(busy)}`);
      await sleep(1500);
    }
  };

  const holdDrives = async (): Promise<void> => {
    const free = (await drives()).filter((d) => d.quarantine === null).map((d) => d.id);
    await Promise.all(free.map((d) => api('POST', `/drives/${encodeURIComponent(d)}/quarantine`, { reason: 'bench: the bare loop has the recorders' })));
    await waitToolsIdle();
  };

  const releaseDrives = async (): Promise<void> => {
    const held = (await drives()).filter((d) => d.quarantine !== null).map((d) => d.id);
    await Promise.all(held.map((d) => api('POST', `/drives/${encodeURIComponent(d)}/release`)));
    await waitDrives('blank', (ds) => ds.length === RECORDERS && ds.every((d) => d.state === 'blank' && d.mediaType === 'DVD+R'), 120_000);
  };

  /**
   * `tower start` in the guest (untimed), until its agent sees the blanks. Under TCG on a busy host its
   * embedded Redis can miss the start-up PING deadline: a start that ends by itself is tried again.
   */
  const startTower = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const tower = await rig.shell.start([process.execPath, ...TOWER_NODE_ARGS, TOWER_BIN, 'start', '--config', rig.guestPath('tower.json')], { cwd: REPO_ROOT, env: sideEnv('tower') });
      server = tower;
      const ended = (): boolean => existsSync(path.join(rig.shareDir, 'done', `${tower.id}.json`));
      const startedFile = path.join(rig.shareDir, 'started', `${tower.id}.json`);
      const deadline = Date.now() + 420_000;
      let up = false;
      while (!ended() && Date.now() < deadline) {
        const ds = await drives().catch(() => []);
        if (ds.filter((d) => d.state === 'blank' && d.mediaType === 'DVD+R').length === RECORDERS) {
          up = true;
          break;
        }
        await sleep(2000);
      }
      if (up) {
        towerPid = (JSON.parse(await readFile(startedFile, 'utf8')) as { pid: number }).pid;
        return;
      }
      const out = await tower.output();
      if (!ended()) {
        await tower.kill('SIGTERM');
        await tower.wait(30_000).catch(() => undefined);
      }
      if (attempt >= 3) throw new Error(`tower start did not come up (${attempt} tries):\n${out.stdout.slice(-2000)}\n${out.stderr.slice(-2000)}`);
      log(`tower start ended or hung before its drives were ready (try ${attempt}), starting it again: ${out.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      server = undefined;
    }
  };

  const towerRun = async (imageId: string, copies: number): Promise<TowerRound> => {
    await waitLoaded();
    await releaseDrives();
    const children = await towerChildren();
    const redisPid = children.find((c) => c.name === 'redis-server')?.pid;
    if (redisPid === undefined) throw new Error(`no redis-server under the tower: ${JSON.stringify(children)}`);
    const [t0, r0] = await ticks([towerPid, redisPid]);
    const run = await rig.tower(['run', imageId, '--copies', String(copies), '--verify', 'all', '--wait', '--json'], { timeoutMs: 1_200_000 });
    const [t1, r1] = await ticks([towerPid, redisPid]);
    if (run.code !== 0) throw new Error(`tower run: exit ${run.code}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
    const final = JSON.parse(run.stdout) as RunJson;
    expect(final).toMatchObject({ status: 'completed', passed: copies });
    await holdDrives();
    const d = (a: Ticks | undefined, b: Ticks | undefined): Ticks => ({ self: (b?.self ?? 0) - (a?.self ?? 0), children: (b?.children ?? 0) - (a?.children ?? 0), rssPages: b?.rssPages ?? 0 });
    const attempts = (await api<AttemptJson[]>('GET', `/history?runId=${encodeURIComponent(final.id)}`)).sort((a, b) => a.startedAt - b.startedAt);
    const gapMs: number[] = [];
    for (const drive of DEVICES) {
      const mine = attempts.filter((a) => a.driveId === drive);
      for (let i = 1; i < mine.length; i++) gapMs.push((mine[i] as AttemptJson).startedAt - ((mine[i - 1] as AttemptJson).endedAt ?? 0));
    }
    return {
      ms: run.ms,
      createdAt: final.createdAt,
      completedAt: final.completedAt ?? 0,
      runMs: (final.completedAt ?? 0) - final.createdAt,
      tower: d(t0, t1),
      redis: d(r0, r1),
      firstStartMs: (attempts[0]?.startedAt ?? 0) - final.createdAt,
      attemptMs: attempts.map((a) => (a.endedAt ?? 0) - a.startedAt),
      gapMs,
      tailMs: (final.completedAt ?? 0) - Math.max(...attempts.map((a) => a.endedAt ?? 0)),
      attempts: attempts.length,
    };
  };

  const bareRun = async (copies: number): Promise<BareRound> => {
    await waitLoaded();
    const [t0] = await ticks([towerPid]);
    const r = await guest([process.execPath, BARE_SCRIPT, BARE_IMAGE, String(copies), DEVICES.join(',')], 1_200_000, sideEnv('bare'));
    const [t1] = await ticks([towerPid]);
    // The agent ran no tool meanwhile: the tower reaped no child.
    expect(t1?.children, 'the tower ran a tool during a bare round').toBe(t0?.children);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as BareJson;
    expect(result.burn).toBe(copies);
    return { ms: result.ms, guestMs: r.ms, result };
  };

  it(`${COPIES} verified copies on ${RECORDERS} recorders, tower against bare, ${ROUNDS} rounds`, async () => {
    try {
      await startTower();
      const imported = await rig.tower(['images', 'import', rig.guestPath('plain.iso'), '--json'], { timeoutMs: 120_000 });
      expect(imported.code, imported.stderr).toBe(0);
      const imageId = (JSON.parse(imported.stdout) as { id: string }).id;
      await guest(['mkdir', '-p', path.posix.dirname(BARE_IMAGE)]);
      await guest(['cp', rig.guestPath('plain.iso'), BARE_IMAGE]);
      const imageBytes = (await stat(path.join(rig.shareDir, 'plain.iso'))).size;
      // Untimed probes of the fixed costs: an idle tower (drives holding blanks, looked at by the agent) against
      // one whose drives are quarantined (not looked at), each with the CLI's start and one request.
      const probes: Array<{ held: boolean; toolsPct: number; selfPct: number; cliMs: number; nodeMs: number }> = [];
      for (const held of [false, true]) {
        if (held) await holdDrives();
        else await releaseDrives();
        const [a] = await ticks([towerPid]);
        const from = Date.now();
        await sleep(IDLE_PROBE_MS);
        const [b] = await ticks([towerPid]);
        const secs = (Date.now() - from) / 1000;
        const nodeMs = (await guest([process.execPath, '-e', '0'])).ms;
        const cliMs = (await rig.tower(['runs', '--json'], { timeoutMs: 120_000 })).ms;
        probes.push({ held, toolsPct: ((b?.children ?? 0) - (a?.children ?? 0)) / secs, selfPct: ((b?.self ?? 0) - (a?.self ?? 0)) / secs, cliMs, nodeMs });
        log(`idle probe, drives ${held ? 'quarantined' : 'looked at'}: tools ${probes.at(-1)?.toolsPct.toFixed(0)}% of a vCPU, tower ${probes.at(-1)?.selfPct.toFixed(0)}%, \`node -e 0\` ${nodeMs} ms, \`tower runs --json\` ${cliMs} ms`);
      }

      if (WARMUP) {
        // One copy per recorder each way, untimed: the drives learn that they burn in TAO (once per agent life), caches fill.
        const w = await towerRun(imageId, RECORDERS);
        log(`warm-up tower run of ${RECORDERS}: ${(w.ms / 1000).toFixed(1)} s`);
        const b = await bareRun(RECORDERS);
        log(`warm-up bare run of ${RECORDERS}: ${(b.ms / 1000).toFixed(1)} s`);
      } else {
        await holdDrives();
      }

      const towerRounds: TowerRound[] = [];
      const bareRounds: BareRound[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const towerFirst = round % 2 === 0;
        for (const side of towerFirst ? ['tower', 'bare'] : ['bare', 'tower']) {
          if (side === 'tower') {
            const t = await towerRun(imageId, COPIES);
            towerRounds.push(t);
            log(`round ${round + 1} tower: ${(t.ms / 1000).toFixed(1)} s (run ${(t.runMs / 1000).toFixed(1)} s)`);
          } else {
            const b = await bareRun(COPIES);
            bareRounds.push(b);
            log(`round ${round + 1} bare: ${(b.ms / 1000).toFixed(1)} s`);
          }
        }
      }

      const guestLoad = (await guest(['cat', '/proc/loadavg'])).stdout.trim();
      const lines: string[] = [];
      lines.push(machineLine());
      lines.push(`# image ${(imageBytes / 1048576).toFixed(1)} MiB, ${COPIES} copies on ${RECORDERS} recorders, verify all${WARMUP ? ', after an untimed warm-up of one copy per recorder each way' : ''}; per round: tower and bare back to back, alternating`);
      const probeLine = (held: boolean): string => {
        const ps = probes.filter((p) => p.held === held);
        const m = (f: (p: (typeof ps)[number]) => number): number => sum(ps.map(f)) / ps.length;
        return `drives ${held ? 'quarantined' : 'idle with blanks (the agent looks at each)'}: the agent's tools ${m((p) => p.toolsPct).toFixed(0)}% and the tower process ${m((p) => p.selfPct).toFixed(0)}% of a guest vCPU; \`node -e 0\` ${(m((p) => p.nodeMs) / 1000).toFixed(1)} s, the CLI's start and one request (\`tower runs --json\`) ${(m((p) => p.cliMs) / 1000).toFixed(1)} s`;
      };
      lines.push(`# idle tower, ${IDLE_PROBE_MS / 1000} s windows: ${probeLine(false)}`);
      lines.push(`#   ${probeLine(true)} (the bare figure excludes its script's Node start)`);
      lines.push('round\trecorders\tcopies\tfirst\ttower_s\trun_created_to_completed_s\tbare_s\tratio\trun_ratio\toverhead_per_disc_ms');
      const ratios: number[] = [];
      const runRatios: number[] = [];
      const perDisc: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t = towerRounds[i] as TowerRound;
        const b = bareRounds[i] as BareRound;
        ratios.push(t.ms / b.ms);
        runRatios.push(t.runMs / b.ms);
        perDisc.push((t.ms - b.ms) / COPIES);
        lines.push([i + 1, RECORDERS, COPIES, i % 2 === 0 ? 'tower' : 'bare', (t.ms / 1000).toFixed(1), (t.runMs / 1000).toFixed(1), (b.ms / 1000).toFixed(1), (t.ms / b.ms).toFixed(3), (t.runMs / b.ms).toFixed(3), ((t.ms - b.ms) / COPIES).toFixed(0)].join('\t'));
      }
      lines.push(['median', RECORDERS, COPIES, '', (median(towerRounds.map((t) => t.ms)) / 1000).toFixed(1), (median(towerRounds.map((t) => t.runMs)) / 1000).toFixed(1), (median(bareRounds.map((b) => b.ms)) / 1000).toFixed(1), median(ratios).toFixed(3), median(runRatios).toFixed(3), median(perDisc).toFixed(0)].join('\t'));
      const towerSecs = sum(towerRounds.map((t) => t.ms)) / 1000;
      const discs = COPIES * ROUNDS;
      const cpuMs = (ticksOf: number): number => (ticksOf * 1000) / HZ;
      const towerSelf = sum(towerRounds.map((t) => t.tower.self));
      const towerTools = sum(towerRounds.map((t) => t.tower.children));
      const redisSelf = sum(towerRounds.map((t) => t.redis.self));
      const bareTools = sum(bareRounds.map((b) => b.result.childTicks));
      const bareSecs = sum(bareRounds.map((b) => b.ms)) / 1000;
      lines.push(`# tower start process in the guest during the tower runs: CPU ${((cpuMs(towerSelf) / 1000 / towerSecs) * 100).toFixed(1)}% of one guest vCPU (${(cpuMs(towerSelf) / discs).toFixed(0)} ms CPU per disc), RSS ${(Math.max(...towerRounds.map((t) => t.tower.rssPages)) * 4 / 1024).toFixed(0)} MB; its redis-server ${(cpuMs(redisSelf) / discs).toFixed(0)} ms CPU per disc`);
      lines.push(`# tools (cdrskin, sg_dd, cmp, eject) CPU per disc: tower ${(cpuMs(towerTools) / discs).toFixed(0)} ms, bare ${(cpuMs(bareTools) / discs).toFixed(0)} ms; bare tool runs per disc: ${(sum(bareRounds.map((b) => b.result.minfo)) / discs).toFixed(2)} -minfo, reads ${sum(bareRounds.map((b) => b.result.sgReads))} by sg_dd and ${sum(bareRounds.map((b) => b.result.blockReads))} by block device; bare wall ${bareSecs.toFixed(1)} s in all`);
      const mean = (xs: number[]): number => (xs.length === 0 ? 0 : sum(xs) / xs.length);
      const phases = bareRounds.flatMap((b) => b.result.phases);
      lines.push(`# where the time goes, mean per disc: bare: wait for the blank ${(mean(phases.map((p) => p.waitMs)) / 1000).toFixed(1)} s, burn ${(mean(phases.map((p) => p.burnMs)) / 1000).toFixed(1)} s, read-back ${(mean(phases.map((p) => p.readMs)) / 1000).toFixed(1)} s, eject ${(mean(phases.map((p) => p.ejectMs)) / 1000).toFixed(1)} s (a disc change: eject + wait ${(mean(phases.map((p) => p.ejectMs)) / 1000 + mean(phases.filter((p) => p.index > 0).map((p) => p.waitMs)) / 1000).toFixed(1)} s)`);
      lines.push(`#   tower: run created to first burn ${(mean(towerRounds.map((t) => t.firstStartMs)) / 1000).toFixed(1)} s, attempt (burn, verify, eject) ${(mean(towerRounds.flatMap((t) => t.attemptMs)) / 1000).toFixed(1)} s, attempt closed to the next begun on the drive ${(mean(towerRounds.flatMap((t) => t.gapMs)) / 1000).toFixed(1)} s, last closed to run completed ${(mean(towerRounds.map((t) => t.tailMs)) / 1000).toFixed(1)} s, CLI start and --wait outside the run ${(mean(towerRounds.map((t) => t.ms - t.runMs)) / 1000).toFixed(1)} s; ${sum(towerRounds.map((t) => t.attempts))} attempts for ${discs} copies`);
      if (TRACE) {
        for (const [side, windows] of [
          ['tower', towerRounds.map((t): [number, number] => [t.createdAt, t.completedAt])],
          ['bare', bareRounds.map((b): [number, number] => [b.result.startedAt, b.result.endedAt])],
        ] as const) {
          const text = await readFile(path.join(rig.shareDir, `trace-${side}.log`), 'utf8').catch(() => '');
          const kinds = new Map<string, number[]>();
          for (const line of text.split('\n')) {
            const m = /^(\d+) (\d+) (\S+) (\d+) (.*)$/.exec(line);
            if (!m) continue;
            const start = Number(m[1]) / 1e6;
            if (!windows.some(([from, to]) => start >= from && start <= to)) continue;
            const args = m[5] ?? '';
            const kind = m[3] === 'cdrskin' ? (/-minfo/.test(args) ? 'cdrskin -minfo' : /-sao/.test(args) ? 'cdrskin -sao' : /-tao/.test(args) ? 'cdrskin -tao' : 'cdrskin other') : (m[3] ?? '');
            const list = kinds.get(kind) ?? [];
            list.push(Number(m[2]) / 1e6 - start);
            kinds.set(kind, list);
          }
          lines.push(`# trace, ${side}: tool runs per disc (mean s each): ${[...kinds].map(([k, v]) => `${k} ${(v.length / discs).toFixed(2)} (${(mean(v) / 1000).toFixed(1)} s)`).join(', ')}`);
        }
      }
      lines.push(`# load average at the end: host ${readFileSync('/proc/loadavg', 'utf8').trim()}, guest ${guestLoad} (other work on this machine competes for the 2 cores)`);
      console.log(lines.join('\n'));
    } catch (err) {
      rig?.markFailed();
      if (server) {
        const out = await server.output();
        log(`tower start output:\n${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`);
      }
      throw err;
    }
  });
});
