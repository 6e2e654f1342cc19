/**
 * The real read path on a real block device: a QEMU guest (TCG software
 * emulation) with an emulated ATAPI drive runs the project's built drive layer
 * (drivers/dist) against the guest kernel's /dev/sr0. The host inserts and
 * ejects discs through QEMU's HMP monitor; the guest discovers the drive,
 * sees each disc come and go through `media()`, and masters each disc to an
 * ISO that must be byte-identical to the image QEMU was given — a plain
 * genisoimage ISO and a hybrid image longer than its ISO 9660 volume.
 *
 * Slow (boots a VM): run with `npm run test:vm`
 * (`vitest run --config test/vm/vitest.vm.config.ts`) after `npm run build`.
 * Needs root on a Debian-like host for the first build (apt-get installs QEMU
 * and downloads a kernel; see build-guest.sh). Knobs: TOWER_VM_CACHE (guest
 * cache dir), TOWER_VM_KERNEL_PKG (kernel package), TOWER_VM_KEEP=1 (keep the
 * run dir with serial.log and the mastered images), TOWER_VM_DRIVERS_ENTRY
 * (another build of drivers/dist/index.js; the guest's /tmp is its own tmpfs).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGuest, fileSize, isoVolumeBytes, makeHybridIso, makePlainIso, sha256File } from './images.js';
import type { GuestFiles } from './images.js';
import { TestVm } from './vm.js';
import type { GuestEvent } from './vm.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
/** The built drive layer the guest imports; TOWER_VM_DRIVERS_ENTRY points elsewhere (a path the guest can see, not under /tmp). */
const DRIVERS_ENTRY = process.env.TOWER_VM_DRIVERS_ENTRY ?? path.join(REPO_ROOT, 'drivers', 'dist', 'index.js');
const GUEST_SCRIPT = path.join(HERE, 'guest', 'read-path.guest.mjs');
const BUILD_SCRIPT = path.join(HERE, 'build-guest.sh');

const BUILD_TIMEOUT_MS = 20 * 60_000; // first run: apt-get install qemu + kernel download
const BOOT_TIMEOUT_MS = 150_000;
const DISC_STEP_TIMEOUT_MS = 180_000;
const VM_MAX_RUNTIME_MS = 10 * 60_000;

interface TestImage {
  readonly label: 'plain' | 'hybrid';
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly volumeBytes: number;
}

interface MediaJson {
  readonly status: string;
  readonly type: string | null;
  readonly usedSectors: number;
  readonly capacitySectors: number;
  readonly tracks?: ReadonlyArray<{ kind: string; startSector: number; sectors: number }>;
}

interface DiscoveredJson {
  readonly device: string;
  readonly name: string;
  readonly vendor: string;
  readonly model: string;
  readonly stableId: string;
  readonly byPath?: string;
  readonly byId?: string;
  readonly generic?: string;
  readonly source: string;
  readonly reads: readonly string[];
}

/** What the host did and saw for one disc. */
interface DiscRun {
  readonly inserted: GuestEvent;
  readonly mastered: GuestEvent;
  readonly ejected: GuestEvent;
  readonly masterFile: string;
  readonly insertAt: number;
  readonly ejectAt: number;
}

const log = (msg: string): void => {
  process.stderr.write(`[vm] ${msg}\n`);
};

/**
 * Set by the VM suite's vitest config (`test.env`): the suite runs only when
 * selected on purpose, never as a side effect of a broader glob such as the
 * unit project's `test/**\/*.test.ts`.
 */
const SELECTED = process.env.TOWER_VM_SUITE === '1';

describe.skipIf(!SELECTED)('read path in a QEMU guest (TCG) with an emulated ATAPI drive', () => {
  let runDir = '';
  let shareDir = '';
  let guest: GuestFiles | undefined;
  let vm: TestVm | undefined;
  let failed = false;
  /** Set when a disc step went wrong: the guest's sequence is then out of step with the host. */
  let sequenceBroken: string | undefined;
  const images = new Map<TestImage['label'], TestImage>();
  const t0 = Date.now();

  beforeAll(async () => {
    if (!existsSync(DRIVERS_ENTRY)) throw new Error(`${DRIVERS_ENTRY} is missing: run \`npm run build\` first`);
    // The guest sees the host root, except for these directories: guest/init mounts its own tmpfs over them
    // and binds the project back (tower.expose), so only paths outside the project must avoid them.
    for (const p of [DRIVERS_ENTRY, GUEST_SCRIPT, process.execPath]) {
      const inProject = p === REPO_ROOT || p.startsWith(`${REPO_ROOT}/`);
      if (!inProject && /^\/(tmp|run|root|var\/tmp)\//.test(p)) throw new Error(`${p} is hidden from the guest (its /tmp, /run, /root and /var/tmp are its own)`);
    }
    guest = await buildGuest(BUILD_SCRIPT, process.env.TOWER_VM_CACHE, BUILD_TIMEOUT_MS);
    log(`guest: ${guest.kernelPackage} (build/reuse ${guest.buildMs} ms)`);

    runDir = await mkdtemp(path.join(os.tmpdir(), 'tower-vm-run-'));
    shareDir = path.join(runDir, 'share');
    const imageDir = path.join(runDir, 'images');
    await mkdir(shareDir);
    await mkdir(imageDir);
    const made = {
      plain: await makePlainIso(imageDir, 3 * 1024 * 1024 + 12_345),
      hybrid: await makeHybridIso(imageDir, 3 * 1024 * 1024 + 54_321, 1024 * 1024 + 1000),
    };
    for (const [label, file] of Object.entries(made) as Array<[TestImage['label'], string]>) {
      images.set(label, { label, file, bytes: await fileSize(file), sha256: await sha256File(file), volumeBytes: await isoVolumeBytes(file) });
    }

    await writeFile(
      path.join(shareDir, 'plan.json'),
      JSON.stringify({
        driversEntry: pathToFileURL(DRIVERS_ENTRY).href,
        device: '/dev/sr0',
        images: [...images.values()].map((i) => ({ label: i.label })),
        pollMs: 500,
        mediaTimeoutMs: 120_000,
        masterTimeoutMs: 120_000,
      }),
    );

    const started = await TestVm.boot({
      kernel: guest.kernel,
      initrd: guest.initrd,
      runDir,
      shareDir,
      guestNode: process.execPath,
      guestScript: GUEST_SCRIPT,
      expose: REPO_ROOT,
      memoryMb: 1024,
      cpus: 2,
      maxRuntimeMs: VM_MAX_RUNTIME_MS,
    }, 'discovered', BOOT_TIMEOUT_MS, log);
    vm = started.vm;
    const booted = started.ready;
    log(`guest booted and ran discovery after ${Date.now() - vm.startedAt} ms (guest node clock ${booted.t} ms)`);
  }, BUILD_TIMEOUT_MS + BOOT_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    const exit = await vm?.stop();
    if (exit) log(`QEMU gone (code ${exit.code}, signal ${exit.signal}); suite ${Date.now() - t0} ms`);
    if (!runDir) return;
    if (failed || process.env.TOWER_VM_KEEP === '1') log(`kept ${runDir} (serial.log, share/)`);
    else await rm(runDir, { recursive: true, force: true });
  }, 30_000);

  const guarded = <T>(work: () => Promise<T>) => async (): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  const theVm = (): TestVm => {
    if (!vm) throw new Error('the VM did not start');
    return vm;
  };

  it('boots the Debian kernel the build script chose', guarded(async () => {
    const init = await theVm().waitFor('init-done', 1000);
    // linux-image-6.12.117+deb12-amd64 boots kernel release 6.12.117+deb12-amd64
    expect(guest?.kernelPackage).toBe(`linux-image-${String(init.kernel)}`);
  }));

  it('(1) discoverDrives() finds the emulated drive at /dev/sr0', guarded(async () => {
    const ev = await theVm().waitFor('discovered', 1000);
    const drives = ev.drives as DiscoveredJson[];
    expect(ev.devNodes).toEqual(['sg0', 'sr0']);
    expect(drives).toHaveLength(1);
    const [drive] = drives;
    expect(drive).toMatchObject({ device: '/dev/sr0', name: 'sr0', vendor: 'QEMU', model: 'QEMU DVD-ROM', generic: '/dev/sg0', source: 'sysfs' });
    expect(drive?.reads).toContain('DVD-ROM');
    // The bare guest runs no udevd, so devtmpfs has no /dev/disk/by-path (or by-id) links
    // and the stable id falls back to the device path. Should udev links appear, the
    // by-path link must win.
    if (ev.byPathDir === true) {
      expect(drive?.stableId).toMatch(/^\/dev\/disk\/by-path\/.*ata/);
      expect(drive?.byPath).toBe(drive?.stableId);
    } else {
      expect(ev.byIdDir).toBe(false);
      expect(drive?.byPath).toBeUndefined();
      expect(drive?.byId).toBeUndefined();
      expect(drive?.stableId).toBe('/dev/sr0');
    }
    log(`discovered ${JSON.stringify({ ...drive, capabilities: undefined })}; /dev/disk/by-path ${ev.byPathDir ? 'present' : 'absent'}`);
  }));

  it('(2) media() on the empty drive says status none', guarded(async () => {
    const ev = await theVm().waitFor('empty', 60_000);
    expect(ev.error).toBeUndefined();
    const media = ev.media as MediaJson;
    expect(media).toMatchObject({ status: 'none', type: null, usedSectors: 0 });
  }));

  it('the hybrid image is longer than its ISO 9660 volume; the plain one is not', () => {
    const plain = images.get('plain');
    const hybrid = images.get('hybrid');
    expect(plain?.volumeBytes).toBe(plain?.bytes);
    expect(hybrid && hybrid.volumeBytes < hybrid.bytes).toBe(true);
    expect((hybrid?.bytes ?? 1) % 2048).toBe(0);
    log(`plain ${plain?.bytes} B (volume ${plain?.volumeBytes}); hybrid ${hybrid?.bytes} B (volume ${hybrid?.volumeBytes})`);
  });

  /** Insert, wait for the guest's view and its master, eject, wait for the guest to see the drive empty. */
  async function playDisc(image: TestImage): Promise<DiscRun> {
    if (sequenceBroken !== undefined) throw new Error(`not run: an earlier disc step failed (${sequenceBroken})`);
    try {
      return await playDiscSteps(image);
    } catch (err) {
      sequenceBroken = `${image.label}: ${(err as Error).message.split('\n')[0]}`;
      throw err;
    }
  }

  async function playDiscSteps(image: TestImage): Promise<DiscRun> {
    const v = theVm();
    const byLabel = (e: GuestEvent): boolean => e.label === image.label;
    await v.waitFor('need-insert', DISC_STEP_TIMEOUT_MS, byLabel);
    const insertAt = Date.now();
    await v.monitor(`change cd0 ${image.file} raw read-only`);
    const inserted = await v.waitFor('inserted', DISC_STEP_TIMEOUT_MS, byLabel);
    const mastered = await Promise.race([
      v.waitFor('mastered', DISC_STEP_TIMEOUT_MS, byLabel),
      v.waitFor('master-failed', DISC_STEP_TIMEOUT_MS, byLabel),
    ]);
    await v.waitFor('need-eject', DISC_STEP_TIMEOUT_MS, byLabel);
    const ejectAt = Date.now();
    await v.monitor('eject -f cd0');
    const ejected = await v.waitFor('ejected', DISC_STEP_TIMEOUT_MS, byLabel);
    log(
      `${image.label}: seen ${Number(inserted.ms)} ms after insert (${String(inserted.polls)} polls), ` +
        `mastered by ${String(mastered.method)} in ${Number(mastered.ms)} ms, eject seen after ${Number(ejected.ms)} ms; ` +
        `host round trip ${Date.now() - insertAt} ms`,
    );
    return { inserted, mastered, ejected, masterFile: path.join(shareDir, `${image.label}.master.iso`), insertAt, ejectAt };
  }

  async function checkDisc(label: TestImage['label']): Promise<void> {
    const image = images.get(label);
    if (!image) throw new Error(`no ${label} image`);
    const run = await playDisc(image);

    // (3) the guest saw the disc arrive, as a complete disc of the image's size …
    const media = run.inserted.media as MediaJson;
    expect(media.status).toBe('complete');
    expect(media.usedSectors * 2048).toBe(image.bytes);
    if (media.tracks) {
      expect(media.tracks.filter((t) => t.kind === 'data')).toHaveLength(1);
      expect(media.tracks[0]).toMatchObject({ kind: 'data', startSector: 0, sectors: image.bytes / 2048 });
    }
    // … and leave again.
    expect((run.ejected.media as MediaJson).status).toBe('none');

    // (4) the master is byte-identical to the image QEMU was given.
    expect(run.mastered.event, JSON.stringify(run.mastered)).toBe('mastered');
    if (run.mastered.method === 'masterDataDisc') {
      const result = run.mastered.result as { bytes: number; sectors: number; sha256: string; damaged: boolean; track: { startSector: number; sectors: number } };
      expect(result).toMatchObject({ bytes: image.bytes, sectors: image.bytes / 2048, sha256: image.sha256, damaged: false });
      expect(result.track).toMatchObject({ startSector: 0, sectors: image.bytes / 2048 });
    } else {
      log(`NOTE: drivers exports no masterDataDisc; ${label} was mastered with media() + drive.read (${JSON.stringify(run.mastered.result)})`);
    }
    const masterBytes = await fileSize(run.masterFile);
    expect(masterBytes).toBe(image.bytes);
    expect(await sha256File(run.masterFile)).toBe(image.sha256);
    expect(run.mastered.sha256).toBe(image.sha256);
    if (label === 'hybrid') expect(masterBytes).toBeGreaterThan(image.volumeBytes);
  }

  it('(3)+(4) plain ISO: inserted disc seen complete, mastered byte-identical, eject seen', guarded(() => checkDisc('plain')), 4 * DISC_STEP_TIMEOUT_MS);

  it('(3)+(4) hybrid image: mastered to the full file length, not the PVD volume size', guarded(() => checkDisc('hybrid')), 4 * DISC_STEP_TIMEOUT_MS);

  it('the guest finishes and powers the VM off', guarded(async () => {
    if (sequenceBroken !== undefined) throw new Error(`not run: an earlier disc step failed (${sequenceBroken})`);
    const v = theVm();
    await v.waitFor('done', 60_000);
    const exit = await Promise.race([v.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
    expect(v.events.find((e) => e.event === 'guest-exit')?.code).toBe(0);
    expect(exit).toEqual({ code: 0, signal: null });
  }), 130_000);
});
