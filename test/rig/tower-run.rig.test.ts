/**
 * The tower on a real kernel with real recorders: four tgt-emulated DVD+R
 * recorders attached to a QEMU guest (TCG) as /dev/sr0..3; inside it the
 * project's own processes (embedded Redis, controller and agent with
 * `"drives": "auto"` from `tower start`) and the `tower` CLI. The host's disc
 * loader keeps each ejected disc and loads a blank. A run of 8 verified copies
 * of a hybrid ISO (file longer than its ISO 9660 volume) must end with exactly
 * 8 passed, every kept disc of a passed copy byte-identical to the image, and
 * history naming the real drives. Then a burned disc goes back into a
 * recorder and `tower master` reads it into the library through the same
 * path: the master is the burned image.
 *
 * `npm run test:rig` (needs root, `npm run build` first).
 */
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSize, isoVolumeBytes, makeHybridIso } from '../vm/images.js';
import type { GuestProcess } from './guest-shell.js';
import { BUILD_TIMEOUT_MS, log, RIG_TOKEN, startRig, TOWER_BIN, REPO_ROOT, guardedBy, stopTowerInGuest } from './rig-harness.js';
import type { Rig } from './rig-harness.js';

const SELECTED = process.env.TOWER_RIG_SUITE === '1';
const RECORDERS = 4;
const COPIES = 8;
/** The guest's library (its own tmpfs). */
const LIBRARY = '/tmp/tower/library';

interface DriveJson { id: string; label: string; state: string; mediaType: string | null }
interface AttemptJson { copy: number; driveId: string; driveLabel: string | null; outcome: string | null; counted: boolean; surplus: boolean; error: { code: string; message: string } | null }

/** A kept disc holds the image and nothing after it but zeros (the recorder pads the last ECC block). */
export function holdsImage(disc: Buffer, image: Buffer): boolean {
  if (disc.length < image.length || !disc.subarray(0, image.length).equals(image)) return false;
  for (let i = image.length; i < disc.length; i++) if (disc[i] !== 0) return false;
  return true;
}

/** Two images agree byte for byte, and what the longer has past the shorter's end is zeros. */
function sameUpToZeroPadding(a: Buffer, b: Buffer): boolean {
  return a.length >= b.length ? holdsImage(a, b) : holdsImage(b, a);
}

describe.skipIf(!SELECTED)('a tower run on real kernel recorders (tgt DVD+R over iSCSI, QEMU guest)', () => {
  let rig: Rig;
  let server: GuestProcess | undefined;
  let image: Buffer;
  let imagePath = '';

  beforeAll(async () => {
    rig = await startRig({ recorders: RECORDERS, maxRuntimeMs: 25 * 60_000 });
    imagePath = await makeHybridIso(rig.shareDir, 3 * 1024 * 1024 + 54_321, 512 * 1024 + 1000);
    image = await readFile(imagePath);
    await writeFile(path.join(rig.shareDir, 'tower.json'), JSON.stringify({
      dataDir: '/tmp/tower',
      library: { dir: LIBRARY, importRoots: [rig.guestPath('')], sampleImage: false },
      tokens: [{ token: RIG_TOKEN, name: 'rig', role: 'operator' }],
      controller: { demoRunCopies: 0 },
      agent: { id: 'rig', drives: 'auto' },
    }));
  }, BUILD_TIMEOUT_MS + 300_000);

  afterAll(async () => {
    await stopTowerInGuest(server);
    await rig?.stop();
  }, 90_000);

  const guarded = guardedBy(() => ({ rig, server }));

  it('the image is hybrid: longer than its ISO 9660 volume', async () => {
    expect(await fileSize(imagePath)).toBeGreaterThan(await isoVolumeBytes(imagePath));
  });

  it('discovers the recorders as DVD+R writers from their MMC profiles, with INQUIRY vendor and model', guarded(async () => {
    const list = await rig.tower(['drive', 'list', '--json'], { timeoutMs: 240_000 });
    expect(list.code, list.stderr).toBe(0);
    const drives = JSON.parse(list.stdout) as Array<{ device: string; vendor: string; model: string; writes: string[]; capabilitiesFrom?: string }>;
    expect(drives.map((d) => d.device)).toEqual(['/dev/sr0', '/dev/sr1', '/dev/sr2', '/dev/sr3']);
    for (const d of drives) {
      expect(d).toMatchObject({ vendor: 'IET', model: 'VIRTUAL-CDROM', capabilitiesFrom: 'mmc-profiles' });
      expect(d.writes).toContain('DVD+R');
    }
  }));

  it(`burns exactly ${COPIES} verified copies through tower start, drives auto, and the CLI`, guarded(async () => {
    server = await rig.shell.start([process.execPath, TOWER_BIN, 'start', '--config', rig.guestPath('tower.json')], { cwd: REPO_ROOT });
    // Under TCG a Node start is tens of seconds (minutes when the host's cores are busy); the agent then looks at every recorder once.
    const deadline = Date.now() + 420_000;
    let drives: DriveJson[] = [];
    while (Date.now() < deadline) {
      const d = await rig.tower(['drives', '--json'], { timeoutMs: 60_000 });
      if (d.code === 0) {
        drives = JSON.parse(d.stdout) as DriveJson[];
        if (drives.filter((x) => x.state === 'blank' && x.mediaType === 'DVD+R').length === RECORDERS) break;
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect(drives.map((d) => [d.id, d.state, d.mediaType])).toEqual([0, 1, 2, 3].map((n) => [`/dev/sr${n}`, 'blank', 'DVD+R']));

    const imported = await rig.tower(['images', 'import', rig.guestPath('hybrid.iso'), '--json'], { timeoutMs: 120_000 });
    expect(imported.code, imported.stderr).toBe(0);
    const imageId = (JSON.parse(imported.stdout) as { id: string }).id;

    const started = Date.now();
    const run = await rig.tower(['run', imageId, '--copies', String(COPIES), '--verify', 'all', '--wait', '--json'], { timeoutMs: 480_000 });
    log(`run of ${COPIES} copies on ${RECORDERS} recorders: ${Math.round((Date.now() - started) / 1000)} s`);
    expect(run.code, `${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`).toBe(0);
    const final = JSON.parse(run.stdout) as { id: string; passed: number; status: string; mediaClass: string };
    expect(final).toMatchObject({ passed: COPIES, status: 'completed', mediaClass: 'dvd' });

    const history = await rig.tower(['history', '--run', final.id, '--json'], { timeoutMs: 60_000 });
    expect(history.code, history.stderr).toBe(0);
    const attempts = JSON.parse(history.stdout) as AttemptJson[];
    const counted = attempts.filter((a) => a.outcome === 'passed' && a.counted);
    // Exactly N: each copy slot passed once and was counted once.
    expect(counted.map((a) => a.copy).sort((x, y) => x - y)).toEqual(Array.from({ length: COPIES }, (_, i) => i + 1));
    for (const a of attempts) {
      expect(a.driveId).toMatch(/^\/dev\/sr[0-3]$/);
      expect(a.driveLabel).toBe(`${a.driveId.slice('/dev/'.length)} IET VIRTUAL-CDROM`);
      // A failure says what the drive said, never a bare tool error.
      if (a.error !== null) expect(a.error.code).not.toBe('TOOL_ERROR');
    }
    const ended = attempts.filter((a) => a.outcome !== null);
    expect(ended).toHaveLength(attempts.length);

    // Every attempt ends with an eject; the loader keeps each disc.
    const keptBy = Date.now() + 60_000;
    while (rig.loader.kept.length < attempts.length && Date.now() < keptBy) await new Promise((r) => setTimeout(r, 500));
    expect(rig.loader.errors).toEqual([]);
    expect(rig.loader.kept).toHaveLength(attempts.length);
    let identical = 0;
    for (const k of rig.loader.kept) if (holdsImage(await readFile(k.file), image)) identical++;
    expect(identical).toBe(attempts.filter((a) => a.outcome === 'passed').length);
  }), 1_200_000);

  it('masters a burned disc into the library through the same path', guarded(async () => {
    const burned = rig.loader.kept.find((k) => k.lun === 1);
    expect(burned, 'a disc kept from recorder 1').toBeDefined();
    // The operator puts a burned disc into /dev/sr0: the tower opens the tray (tgt refuses to take a disc
    // out of a drive that has locked it), the disc goes in, the tray closes.
    rig.loader.hold(1, true);
    const ejected = await rig.tower(['eject', '/dev/sr0'], { timeoutMs: 120_000 });
    expect(ejected.code, ejected.stderr).toBe(0);
    const openBy = Date.now() + 60_000;
    while ((await rig.tgt.lunStates()).find((s) => s.lun === 1)?.online !== false) {
      if (Date.now() > openBy) throw new Error('the tray of /dev/sr0 did not open');
      await new Promise((r) => setTimeout(r, 250));
    }
    await copyFile(burned!.file, rig.tgt.discFile(1));
    await rig.tgt.setOnline(1, true);
    const master = await rig.tower(['master', '/dev/sr0', '--name', 'from-the-rig', '--wait', '--json'], { timeoutMs: 300_000 });
    expect(master.code, `${master.stdout.slice(-2000)}\n${master.stderr.slice(-2000)}`).toBe(0);
    const done = JSON.parse(master.stdout) as { status: string; imageId: string; unreadableSectors: number };
    expect(done).toMatchObject({ status: 'done', unreadableSectors: 0 });
    const shown = await rig.tower(['images', 'show', done.imageId, '--json'], { timeoutMs: 60_000 });
    const record = JSON.parse(shown.stdout) as { sha256: string; sizeBytes: number; format: string };
    expect(record.format).toBe('iso');
    const listed = await rig.shell.run(['ls', LIBRARY], { timeoutMs: 30_000 });
    const files = listed.stdout.split('\n').filter((f) => f.startsWith(done.imageId) && !f.endsWith('.json'));
    expect(files).toHaveLength(1);
    // The master comes out of the guest through the share.
    const copied = await rig.shell.run(['cp', path.posix.join(LIBRARY, files[0]!), rig.guestPath('mastered.img')], { timeoutMs: 60_000 });
    expect(copied.code, copied.stderr).toBe(0);
    const mastered = await readFile(path.join(rig.shareDir, 'mastered.img'));
    expect(mastered.length).toBe(record.sizeBytes);
    expect(createHash('sha256').update(mastered).digest('hex')).toBe(record.sha256);
    // The whole track came back: the image, and past its end only the zeros the recorder and the image's own pad wrote.
    expect(sameUpToZeroPadding(mastered, image)).toBe(true);
    expect(sameUpToZeroPadding(mastered, await readFile(burned!.file))).toBe(true);
  }), 600_000);
});
