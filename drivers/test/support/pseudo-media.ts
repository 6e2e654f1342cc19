/**
 * Hardware-free "discs" for cdrskin `stdio:` targets that fail the way real
 * media do: too small (tmpfs with `size=`, loop device), read-only (tmpfs
 * remounted `ro`), slow with write errors on demand (nbdkit rate + error
 * filters behind nbdfuse), always full (nbdkit `full` plugin) and with
 * unreadable sectors (nbdkit ddrescue filter).
 *
 * Every helper returns `{ path, cleanup }`. `cleanup()` is idempotent and
 * undoes everything the helper set up, in reverse order (unmount, detach the
 * loop device, kill nbdfuse/nbdkit, remove the temp directory), carrying on
 * past failing steps and reporting them at the end. A helper that fails
 * half-way cleans up what it already made before it throws. As a last
 * resort, `cleanupAllPseudoMedia()` tears down whatever is still live, and a
 * process `exit` hook lazily unmounts, detaches and kills synchronously.
 *
 * Every process is started with an argument array, never through a shell.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A pseudo disc: the path to give cdrskin as `stdio:<path>`, and how to take it down. */
export interface PseudoMedia {
  readonly path: string;
  cleanup(): Promise<void>;
}

export interface LoopMedia extends PseudoMedia {
  /** The loop device (`/dev/loopN`); same as `path`. */
  readonly device: string;
  /** The sparse file behind it. */
  readonly backingFile: string;
}

export interface NbdMedia extends PseudoMedia {
  /** The FUSE mount point holding the file. */
  readonly mountpoint: string;
  /** What nbdfuse and nbdkit wrote to stderr so far (for failure messages). */
  log(): string;
}

export interface SlowMedia extends NbdMedia {
  /** While this file exists, every request to the "disc" fails with EIO. */
  readonly triggerFile: string;
  /** Create the trigger file: from now on every read/write fails with EIO. */
  triggerErrors(): void;
  /** Remove the trigger file. */
  clearErrors(): void;
}

export interface BadRange {
  /** First unreadable 2048-byte sector. */
  readonly startSector: number;
  /** Number of unreadable sectors. */
  readonly sectors: number;
}

export const SECTOR_BYTES = 2048;

// ---------------------------------------------------------------------------
// Capability checks (for describe.skipIf)

/** True when running as root (mount, losetup and cdrskin's permission file need it). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether `program` is an executable file somewhere on PATH. */
export function hasProgram(program: string): boolean {
  const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  return dirs.some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Programs of `programs` that are not installed. */
export function missingPrograms(programs: readonly string[]): string[] {
  return programs.filter((p) => !hasProgram(p));
}

let mountProbe: boolean | undefined;

/**
 * True when tmpfs mounts and loop devices can be made here: root with mount,
 * umount and losetup, and a trial tmpfs mount works (root in an unprivileged
 * container cannot mount). The answer is cached.
 */
export function canMount(): boolean {
  if (mountProbe !== undefined) return mountProbe;
  mountProbe = false;
  if (!isRoot() || missingPrograms(['mount', 'umount', 'losetup']).length > 0) return mountProbe;
  const dir = mkdtempSync(path.join(tmpdir(), 'tower-mount-probe-'));
  try {
    const mounted = run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tower-mount-probe', dir]).status === 0;
    if (mounted) {
      mountProbe = run('umount', [dir]).status === 0;
      if (!mountProbe) run('umount', ['-l', dir]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return mountProbe;
}

/** True when nbdfuse targets can be made here: /dev/fuse usable and nbdfuse, nbdkit, fusermount3 installed. */
export function canUseFuse(): boolean {
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  return missingPrograms(['nbdfuse', 'nbdkit', 'fusermount3']).length === 0;
}

// ---------------------------------------------------------------------------
// Teardown bookkeeping

interface Step {
  readonly name: string;
  /** Graceful undo. */
  readonly run: () => Promise<void>;
  /** Synchronous best effort, for the process exit hook. */
  readonly emergency: () => void;
}

class Teardown {
  private readonly steps: Step[] = [];
  private done: Promise<void> | undefined;

  constructor() {
    live.add(this);
    installExitHook();
  }

  add(step: Step): void {
    this.steps.push(step);
  }

  /** Runs every step once, last added first; throws an AggregateError naming the steps that failed. */
  cleanup(): Promise<void> {
    this.done ??= (async () => {
      const failures: Error[] = [];
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (err) {
          failures.push(new Error(`${step.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        }
      }
      this.steps.length = 0;
      live.delete(this);
      if (failures.length > 0) throw new AggregateError(failures, `pseudo-media cleanup: ${failures.map((f) => f.message).join('; ')}`);
    })();
    return this.done;
  }

  emergency(): void {
    for (const step of [...this.steps].reverse()) {
      try {
        step.emergency();
      } catch {
        // best effort
      }
    }
    this.steps.length = 0;
    live.delete(this);
  }
}

const live = new Set<Teardown>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const t of [...live]) t.emergency();
  });
}

/** Tears down every pseudo disc still set up (for an afterAll safety net). */
export async function cleanupAllPseudoMedia(): Promise<void> {
  const results = await Promise.allSettled([...live].map((t) => t.cleanup()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw new AggregateError(failed.map((f) => f.reason as unknown), 'pseudo-media cleanup failed');
}

/** Builds a resource with a teardown; if `build` throws, what it set up is undone first. */
async function withTeardown<T>(build: (t: Teardown) => Promise<T> | T): Promise<T> {
  const t = new Teardown();
  try {
    return await build(t);
  } catch (err) {
    try {
      await t.cleanup();
    } catch {
      // the build error is the one worth reporting
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Small process and file helpers

interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(program: string, args: readonly string[]): RunResult {
  const r = spawnSync(program, [...args], { encoding: 'utf8', shell: false, timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { status: null, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error.message}` };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runOrThrow(program: string, args: readonly string[]): string {
  const r = run(program, args);
  if (r.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} failed (exit ${String(r.status)}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Retries `attempt` (which returns an error text, or null on success) for a while; throws the last error. */
async function retry(what: string, attempt: () => string | null, tries = 20, delayMs = 100): Promise<void> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    const err = attempt();
    if (err === null) return;
    last = err;
    await sleep(delayMs);
  }
  throw new Error(`${what}: ${last}`);
}

function tempDir(prefix: string, t: Teardown): string {
  // Resolved, so it matches /proc/self/mountinfo even if the temp dir is reached through a symlink.
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  t.add({
    name: `remove ${dir}`,
    run: async () => rmSync(dir, { recursive: true, force: true }),
    emergency: () => rmSync(dir, { recursive: true, force: true }),
  });
  return dir;
}

function isMounted(dir: string): boolean {
  const resolved = path.resolve(dir);
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => unescapeMount(line.split(' ')[4] ?? '') === resolved);
  } catch {
    return false;
  }
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function mountTmpfs(dir: string, sizeBytes: number, t: Teardown): void {
  runOrThrow('mount', ['-t', 'tmpfs', '-o', `size=${String(sizeBytes)},mode=0755`, 'tower-pseudo-media', dir]);
  t.add({
    name: `umount ${dir}`,
    run: () =>
      retry(`umount ${dir}`, () => {
        if (!isMounted(dir)) return null;
        const r = run('umount', [dir]);
        if (r.status === 0) return null;
        return r.stderr.trim();
      }).catch(async (err: unknown) => {
        // Still busy (a stray process holds a file): detach lazily so the test run is not left with a mount.
        if (isMounted(dir)) runOrThrow('umount', ['-l', dir]);
        throw err;
      }),
    emergency: () => {
      if (isMounted(dir)) run('umount', ['-l', dir]);
    },
  });
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts nbdfuse in the foreground, detached into its own process group, with
 * `file` as the FUSE file (its directory is the mount point), and waits until
 * the file appears. Cleanup: `fusermount3 -u`, then the process group is
 * terminated (SIGTERM, then SIGKILL).
 */
async function startNbdfuse(
  workDir: string,
  file: string,
  nbdfuseArgs: readonly string[],
  t: Teardown,
): Promise<{ mountpoint: string; log: () => string }> {
  const mountpoint = path.dirname(file);
  mkdirSync(mountpoint, { recursive: true });
  const logFile = path.join(workDir, 'nbdfuse.log');
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('nbdfuse', [...nbdfuseArgs], { detached: true, shell: false, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  let spawnError: Error | undefined;
  let exited = false;
  child.once('error', (err) => {
    spawnError = err;
  });
  child.once('exit', () => {
    exited = true;
  });
  child.unref();
  const pgid = child.pid;

  t.add({
    name: `stop nbdfuse on ${mountpoint}`,
    run: async () => {
      const problems: string[] = [];
      if (isMounted(mountpoint)) {
        try {
          await retry(`fusermount3 -u ${mountpoint}`, () => {
            if (!isMounted(mountpoint)) return null;
            const r = run('fusermount3', ['-u', mountpoint]);
            return r.status === 0 ? null : r.stderr.trim();
          });
        } catch (err) {
          problems.push(err instanceof Error ? err.message : String(err));
          run('fusermount3', ['-u', '-z', mountpoint]);
        }
      }
      if (pgid !== undefined) {
        // nbdfuse exits by itself once unmounted; give it a moment, then make sure.
        for (let i = 0; i < 20 && !exited; i++) await sleep(50);
        killGroup(pgid, 'SIGTERM');
        for (let i = 0; i < 20 && processGroupAlive(pgid); i++) await sleep(50);
        if (processGroupAlive(pgid)) killGroup(pgid, 'SIGKILL');
      }
      if (problems.length > 0) throw new Error(problems.join('; '));
    },
    emergency: () => {
      if (isMounted(mountpoint)) run('fusermount3', ['-u', '-z', mountpoint]);
      if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
    },
  });

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (spawnError) throw new Error(`nbdfuse could not start: ${spawnError.message}`);
    if (existsSync(file)) break;
    if (exited) throw new Error(`nbdfuse exited before ${file} appeared: ${log().trim()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for nbdfuse to provide ${file}: ${log().trim()}`);
    await sleep(25);
  }
  return { mountpoint, log };
}

// ---------------------------------------------------------------------------
// The pseudo discs

/**
 * A "disc" of `sizeBytes`: a tmpfs mounted with `size=` in a temp directory,
 * the target file `disc.img` inside it (not created). cdrskin sees the free
 * space of the tmpfs as the media capacity.
 */
export function tmpfsTarget(sizeBytes: number): Promise<PseudoMedia> {
  return withTeardown((t) => {
    const dir = tempDir('tower-tmpfs-', t);
    mountTmpfs(dir, sizeBytes, t);
    return { path: path.join(dir, 'disc.img'), cleanup: () => t.cleanup() };
  });
}

/**
 * A "disc" of exactly `sizeBytes`: a loop device (`losetup -f --show`) over a
 * sparse file of that size. `path` is the block device.
 */
export function loopTarget(sizeBytes: number): Promise<LoopMedia> {
  return withTeardown((t) => {
    const dir = tempDir('tower-loop-', t);
    const backingFile = path.join(dir, 'backing.img');
    const fd = openSync(backingFile, 'w');
    try {
      ftruncateSync(fd, sizeBytes);
    } finally {
      closeSync(fd);
    }
    const device = runOrThrow('losetup', ['-f', '--show', backingFile]).trim();
    if (!device.startsWith('/dev/')) throw new Error(`losetup printed no device: ${JSON.stringify(device)}`);
    t.add({
      name: `losetup -d ${device}`,
      run: () =>
        retry(`losetup -d ${device}`, () => {
          const r = run('losetup', ['-d', device]);
          if (r.status === 0) return null;
          // Already detached (someone else did it) is fine.
          const back = run('losetup', ['--noheadings', '-O', 'BACK-FILE', device]);
          if (back.status !== 0 || !back.stdout.includes(backingFile)) return null;
          return r.stderr.trim();
        }),
      emergency: () => {
        run('losetup', ['-d', device]);
      },
    });
    return { path: device, device, backingFile, cleanup: () => t.cleanup() };
  });
}

/**
 * A target on a read-only file system: a tmpfs remounted `ro` (root ignores
 * file modes, so only a read-only mount refuses it). Its nominal size,
 * `sizeBytes` (default 256 MiB, costs nothing on tmpfs), is what cdrskin
 * sees as free space, so make it big enough for the image or cdrskin
 * reports "does not fit" before it ever tries to open the target. With
 * `existingBytes`, the target file exists (zeros) before the remount;
 * otherwise it does not exist.
 */
export function readOnlyTarget(options: { sizeBytes?: number; existingBytes?: number } = {}): Promise<PseudoMedia> {
  return withTeardown((t) => {
    const dir = tempDir('tower-ro-', t);
    const existing = options.existingBytes;
    mountTmpfs(dir, options.sizeBytes ?? 256 * 1024 * 1024, t);
    const file = path.join(dir, 'disc.img');
    if (existing !== undefined) writeFileSync(file, Buffer.alloc(existing));
    runOrThrow('mount', ['-o', 'remount,ro', dir]);
    return { path: file, cleanup: () => t.cleanup() };
  });
}

/**
 * A RAM "disc" of `sizeBytes` written at `rateBits` bits per second (nbdkit
 * memory plugin with the rate filter, behind nbdfuse), that fails every
 * request with EIO while `triggerFile` exists (nbdkit error filter).
 */
export function nbdSlowTarget(options: {
  sizeBytes: number;
  rateBits: number;
  errorTriggerFile?: string;
}): Promise<SlowMedia> {
  return withTeardown(async (t) => {
    const dir = tempDir('tower-nbdslow-', t);
    const triggerFile = options.errorTriggerFile ?? path.join(dir, 'eio.trigger');
    if (options.errorTriggerFile !== undefined) {
      t.add({
        name: `remove ${triggerFile}`,
        run: async () => rmSync(triggerFile, { force: true }),
        emergency: () => rmSync(triggerFile, { force: true }),
      });
    }
    const file = path.join(dir, 'mnt', 'drive');
    const { mountpoint, log } = await startNbdfuse(
      dir,
      file,
      [
        file,
        '--command',
        'nbdkit',
        '-s',
        '--filter=error',
        '--filter=rate',
        'memory',
        `size=${String(options.sizeBytes)}`,
        `rate=${String(options.rateBits)}`,
        'error-rate=100%',
        'error=EIO',
        `error-file=${triggerFile}`,
      ],
      t,
    );
    return {
      path: file,
      mountpoint,
      triggerFile,
      log,
      triggerErrors: () => writeFileSync(triggerFile, ''),
      clearErrors: () => rmSync(triggerFile, { force: true }),
      cleanup: () => t.cleanup(),
    };
  });
}

/**
 * A GNU ddrescue mapfile for an image of `sizeBytes`, with `badRanges`
 * (2048-byte sectors) marked bad-sector (`-`) and the rest finished (`+`).
 * Ranges are clipped to the image, sorted and merged.
 */
export function ddrescueMapfile(sizeBytes: number, badRanges: readonly BadRange[]): string {
  const bad = badRanges
    .map((r) => ({ start: r.startSector * SECTOR_BYTES, end: (r.startSector + r.sectors) * SECTOR_BYTES }))
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(sizeBytes, r.end) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of bad) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
  const lines = [
    '# Mapfile. Created by node-cdrecord-wrapper tests (GNU ddrescue format)',
    '# current_pos  current_status  current_pass',
    `${hex(0)}     +               1`,
    '#      pos        size  status',
  ];
  let pos = 0;
  for (const r of merged) {
    if (r.start > pos) lines.push(`${hex(pos)}  ${hex(r.start - pos)}  +`);
    lines.push(`${hex(r.start)}  ${hex(r.end - r.start)}  -`);
    pos = r.end;
  }
  if (pos < sizeBytes) lines.push(`${hex(pos)}  ${hex(sizeBytes - pos)}  +`);
  return `${lines.join('\n')}\n`;
}

/**
 * A read-only view of `imagePath` whose sectors in `badRanges` fail with EIO
 * (nbdkit file plugin with the ddrescue filter, behind `nbdfuse -r`).
 */
export function nbdBadReadTarget(imagePath: string, badRanges: readonly BadRange[]): Promise<NbdMedia & { readonly mapfile: string }> {
  return withTeardown(async (t) => {
    const image = path.resolve(imagePath);
    const sizeBytes = statSync(image).size;
    const dir = tempDir('tower-nbdbad-', t);
    const mapfile = path.join(dir, 'bad.map');
    writeFileSync(mapfile, ddrescueMapfile(sizeBytes, badRanges));
    const file = path.join(dir, 'mnt', 'disc');
    const { mountpoint, log } = await startNbdfuse(
      dir,
      file,
      ['-r', file, '--command', 'nbdkit', '-s', '-r', '--filter=ddrescue', 'file', image, `ddrescue-mapfile=${mapfile}`],
      t,
    );
    return { path: file, mountpoint, mapfile, log, cleanup: () => t.cleanup() };
  });
}

/** A "disc" of `sizeBytes` on which every write fails with ENOSPC (nbdkit `full` plugin); reads return zeros. */
export function nbdFullTarget(sizeBytes: number): Promise<NbdMedia> {
  return withTeardown(async (t) => {
    const dir = tempDir('tower-nbdfull-', t);
    const file = path.join(dir, 'mnt', 'drive');
    const { mountpoint, log } = await startNbdfuse(
      dir,
      file,
      [file, '--command', 'nbdkit', '-s', 'full', `size=${String(sizeBytes)}`],
      t,
    );
    return { path: file, mountpoint, log, cleanup: () => t.cleanup() };
  });
}
