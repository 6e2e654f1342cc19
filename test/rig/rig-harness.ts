/**
 * One rig for a suite: tgt recorders on the host, the QEMU guest attached to
 * them with the guest command server running, the host-side disc loader, and
 * the `tower` CLI run inside the guest. `startRig` / `rig.stop()` in
 * beforeAll / afterAll.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { buildGuest } from '../vm/images.js';
import { TestVm } from '../vm/vm.js';
import { DiscLoader } from './disc-loader.js';
import { GuestShell } from './guest-shell.js';
import type { GuestCommand, GuestProcess, GuestRun } from './guest-shell.js';
import { TgtChanger } from './tgt-changer.js';
import type { ChangerSpec } from './tgt-changer.js';
import { TgtTarget } from './tgt-target.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const TOWER_BIN = path.join(REPO_ROOT, 'apps', 'controller', 'bin', 'tower.js');
const GUEST_SCRIPT = path.join(HERE, 'guest', 'rig-shell.guest.mjs');
const BUILD_SCRIPT = path.join(REPO_ROOT, 'test', 'vm', 'build-guest.sh');

export const BUILD_TIMEOUT_MS = 20 * 60_000;
const BOOT_TIMEOUT_MS = 150_000;

/** The operator token the guest's controller accepts. */
export const RIG_TOKEN = 'rig-operator-token-0123456789';

export const log = (msg: string): void => {
  process.stderr.write(`[rig] ${msg}\n`);
};

export interface RigOptions {
  readonly recorders: number;
  /** The whole VM is killed after this long. */
  readonly maxRuntimeMs: number;
  readonly memoryMb?: number;
  /** Blanks the loader gives each recorder (unlimited when absent). */
  readonly blanksPerRecorder?: number;
  /** See `DiscLoaderOptions.reloadEjectedBlanks`. */
  readonly reloadEjectedBlanks?: boolean;
  /** Folders for some recorders' backing files, by LUN (see `TgtOptions.backingDirs`). */
  readonly backingDirs?: Readonly<Record<number, string>>;
  /**
   * A media changer (tgt SMC, LUN recorders+1) whose drives are recorders
   * 1..`changer.drives`, attached as a `/dev/sgN`; their placeholder media are
   * taken out once the guest is up (see `TgtChanger`).
   */
  readonly changer?: ChangerSpec;
  /** Run the host-side disc loader (default true; a changer's recorder needs none). */
  readonly hostLoader?: boolean;
}

export interface Rig {
  readonly runDir: string;
  /** Host path of the guest's `/run/tower-vm`. */
  readonly shareDir: string;
  readonly tgt: TgtTarget;
  readonly vm: TestVm;
  readonly shell: GuestShell;
  readonly loader: DiscLoader;
  /** The media changer, when `RigOptions.changer` asked for one. */
  readonly changer: TgtChanger | null;
  /** Run `tower …` in the guest against its controller. */
  tower(args: readonly string[], options?: GuestCommand & { waitMs?: number }): Promise<GuestRun>;
  /** The guest's path of a file in the share. */
  guestPath(name: string): string;
  /** Mark the suite failed: the run folder is kept. */
  markFailed(): void;
  stop(): Promise<void>;
}

/** Build (or reuse) the guest, start tgt with blank recorders, boot the guest and the loader. */
export async function startRig(options: RigOptions): Promise<Rig> {
  if (!existsSync(path.join(REPO_ROOT, 'apps', 'controller', 'dist', 'cli', 'tower.js'))) throw new Error('apps/controller/dist is missing: run `npm run build` first');
  const guest = await buildGuest(BUILD_SCRIPT, process.env.TOWER_VM_CACHE, BUILD_TIMEOUT_MS);
  log(`guest: ${guest.kernelPackage} (build/reuse ${guest.buildMs} ms)`);
  // Under /var/tmp or the project's parent is not hidden by the guest's own tmpfs; keep the run where the guest can see it through the share only.
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'tower-rig-'));
  const shareDir = path.join(runDir, 'share');
  const tgtDir = path.join(runDir, 'tgt');
  await mkdir(shareDir);
  await mkdir(tgtDir);
  let failed = false;
  const tgt = await TgtTarget.start({
    dir: tgtDir,
    recorders: options.recorders,
    ...(options.backingDirs === undefined ? {} : { backingDirs: options.backingDirs }),
  });
  let vm: TestVm | undefined;
  let loader: DiscLoader | undefined;
  let changer: TgtChanger | null = null;
  try {
    if (options.changer !== undefined) {
      const driveLuns = Array.from({ length: options.changer.drives ?? 1 }, (_, i) => i + 1);
      changer = await TgtChanger.create(tgt, { lun: options.recorders + 1, driveLuns, dir: path.join(tgtDir, 'changer'), spec: options.changer });
    }
    await writeFile(path.join(shareDir, 'plan.json'), JSON.stringify({ env: { TOWER_URL: 'http://127.0.0.1:8080', TOWER_TOKEN: RIG_TOKEN } }));
    const booted = await TestVm.boot({
      kernel: guest.kernel,
      initrd: guest.initrd,
      runDir,
      shareDir,
      guestNode: process.execPath,
      guestScript: GUEST_SCRIPT,
      expose: REPO_ROOT,
      memoryMb: options.memoryMb ?? 2048,
      cpus: 2,
      maxRuntimeMs: options.maxRuntimeMs,
      atapiDrive: false,
      extraArgs: [...tgt.qemuArgs(), ...(changer?.qemuArgs() ?? [])],
    }, 'shell-ready', BOOT_TIMEOUT_MS, log);
    vm = booted.vm;
    const ready = booted.ready;
    log(`guest shell ready after ${Date.now() - vm.startedAt} ms (guest clock ${ready.t} ms)`);
    loader = new DiscLoader(tgt, {
      outDir: path.join(runDir, 'kept'),
      ...(options.blanksPerRecorder === undefined ? {} : { blanksPerRecorder: options.blanksPerRecorder }),
      ...(options.reloadEjectedBlanks === undefined ? {} : { reloadEjectedBlanks: options.reloadEjectedBlanks }),
    });
    if (options.hostLoader !== false) await loader.start();
    await changer?.takePlaceholderOut();
  } catch (err) {
    await vm?.stop();
    await tgt.stop();
    log(`kept ${runDir} after a failed start`);
    throw err;
  }
  const shell = new GuestShell(shareDir);
  const theVm = vm;
  const theLoader = loader;
  return {
    runDir,
    shareDir,
    tgt,
    vm: theVm,
    shell,
    loader: theLoader,
    changer,
    tower: (args, o = {}) => shell.run([process.execPath, TOWER_BIN, ...args], { cwd: REPO_ROOT, ...o }),
    guestPath: (name) => path.posix.join('/run/tower-vm', name),
    markFailed: () => {
      failed = true;
    },
    stop: async () => {
      await theLoader.stop();
      await shell.exit().catch(() => undefined);
      await Promise.race([theVm.exited, new Promise((r) => setTimeout(r, 10_000))]);
      await theVm.stop();
      await tgt.stop();
      if (failed || process.env.TOWER_VM_KEEP === '1') log(`kept ${runDir} (serial.log, share/out, kept/)`);
      else await rm(runDir, { recursive: true, force: true });
    },
  };
}

/** Stop a `tower start` running in the guest (SIGTERM, then wait up to 30 s). */
export async function stopTowerInGuest(server: GuestProcess | undefined): Promise<void> {
  if (server === undefined) return;
  await server.kill('SIGTERM');
  await server.wait(30_000).catch(() => undefined);
}

/**
 * A test body that, when it fails, keeps the rig's folder and logs the tail
 * of the guest's `tower start` output (the two read when the test runs).
 */
export function guardedBy(current: () => { rig: Rig | undefined; server: GuestProcess | undefined }) {
  return (work: () => Promise<void>) => async (): Promise<void> => {
    try {
      await work();
    } catch (err) {
      const { rig, server } = current();
      rig?.markFailed();
      if (server) {
        const out = await server.output();
        log(`tower start output:\n${out.stdout.slice(-4000)}\n${out.stderr.slice(-4000)}`);
      }
      throw err;
    }
  };
}
