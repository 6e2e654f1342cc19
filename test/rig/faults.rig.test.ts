/**
 * Faults on real kernel recorders: four tgt-emulated DVD+R recorders in the
 * QEMU guest (/dev/sr0..3), the project's own `tower start` inside it (drives
 * auto), one boot for four runs of verified copies, each with one fault
 * injected into one recorder while it writes:
 *
 * 1. the disc taken out mid-burn (the tray offline): tgt answers NOT READY,
 *    MEDIUM NOT PRESENT (see `TgtTarget.pullDisc` for why not online=0);
 * 2. write failures from a backing store that fills up: that recorder's
 *    backing file on a 2 MiB tmpfs of the host;
 * 3. the burner (cdrskin) killed inside the guest, its pid found by pgrep;
 * 4. the recorder vanishing from the bus: its LUN deleted.
 *
 * After each: the run ends with exactly N passed, each copy counted once;
 * the faulted drive's attempt ended failed with the drive's own words (sense
 * key/ASC or the tool's fate), never a bare TOOL_ERROR; the other drives and
 * the loader carried on; and once the fault is removed the drive is back.
 *
 * A mid-burn moment: a burn of the 4 MiB image writes for a fraction of a
 * second to two seconds under TCG, so the host watches the recorder's
 * backing file grow (tgt writes into it) and injects at its first bytes;
 * for the kill, tgtd is stopped (SIGSTOP) while the guest finds and kills
 * the burner, then let go.
 *
 * `npm run test:rig` (needs root, `npm run build` first).
 */
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlainIso, runProgram } from '../vm/images.js';
import type { GuestProcess } from './guest-shell.js';
import { BUILD_TIMEOUT_MS, log, REPO_ROOT, RIG_TOKEN, startRig, TOWER_BIN, guardedBy, stopTowerInGuest } from './rig-harness.js';
import type { Rig } from './rig-harness.js';

const SELECTED = process.env.TOWER_RIG_SUITE === '1';
const RECORDERS = 4;
const COPIES = 4;
/** The tmpfs holding recorder 2's backing file: roomy, and this small during its fault. */
const ROOMY = '64m';
const SMALL = '2m';

interface DriveJson { id: string; state: string; mediaType: string | null; message: string | null }
interface AttemptJson {
  id: string; copy: number; driveId: string; outcome: string | null; counted: boolean; surplus: boolean;
  error: { code: string; message: string } | null;
}
interface RunJson { id: string; passed: number; status: string }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The drives as the controller's live feed tells them: one `tower watch
 * --json` in the guest (a JSON line per event), its output read from the
 * share as it grows. A look costs nothing, where a `tower drives` is a Node
 * start in the guest (seconds under TCG).
 */
class DriveFeed {
  readonly drives = new Map<string, DriveJson>();
  private offset = 0;
  private rest = '';

  constructor(private readonly file: string) {}

  get ready(): boolean {
    return this.drives.size > 0;
  }

  async poll(): Promise<DriveJson[]> {
    const fh = await open(this.file, 'r').catch(() => null);
    if (fh !== null) {
      try {
        const { size } = await fh.stat();
        if (size > this.offset) {
          const chunk = Buffer.alloc(size - this.offset);
          await fh.read(chunk, 0, chunk.length, this.offset);
          this.offset = size;
          this.rest += chunk.toString('latin1');
        }
      } finally {
        await fh.close();
      }
    }
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const { event, data } = JSON.parse(line) as { event: string; data: unknown };
      if (event === 'snapshot') {
        this.drives.clear();
        for (const d of (data as { drives: DriveJson[] }).drives) this.drives.set(d.id, d);
      } else if (event === 'drive:update') {
        const delta = data as Partial<DriveJson> & { id: string };
        const current = this.drives.get(delta.id);
        if (current !== undefined) this.drives.set(delta.id, { ...current, ...delta });
      }
    }
    return [...this.drives.values()];
  }
}

describe.skipIf(!SELECTED)('faults on real kernel recorders (tgt DVD+R over iSCSI, QEMU guest)', () => {
  let rig: Rig;
  let server: GuestProcess | undefined;
  let watch: GuestProcess | undefined;
  let feed: DriveFeed | undefined;
  let tmpfs = '';
  let mounted = false;
  let imageId = '';
  const started = Date.now();

  beforeAll(async () => {
    tmpfs = await mkdtemp(path.join(os.tmpdir(), 'tower-rig-tmpfs-'));
    await runProgram('mount', ['-t', 'tmpfs', '-o', `size=${ROOMY},mode=0700`, 'tmpfs', tmpfs], 10_000);
    mounted = true;
    rig = await startRig({ recorders: RECORDERS, maxRuntimeMs: 25 * 60_000, backingDirs: { 2: tmpfs } });
    await makePlainIso(rig.shareDir, 4 * 1024 * 1024);
    await writeFile(path.join(rig.shareDir, 'tower.json'), JSON.stringify({
      dataDir: '/tmp/tower',
      library: { dir: '/tmp/tower/library', importRoots: [rig.guestPath('')], sampleImage: false },
      tokens: [{ token: RIG_TOKEN, name: 'rig', role: 'operator' }],
      controller: { demoRunCopies: 0 },
      agent: { id: 'rig', drives: 'auto' },
    }));
  }, BUILD_TIMEOUT_MS + 300_000);

  afterAll(async () => {
    await watch?.kill('SIGTERM');
    await stopTowerInGuest(server);
    await rig?.stop();
    if (mounted) await runProgram('umount', [tmpfs], 10_000).catch((e: unknown) => log(`umount ${tmpfs}: ${String(e)}`));
    await rm(tmpfs, { recursive: true, force: true }).catch(() => undefined);
    log(`suite: ${Math.round((Date.now() - started) / 1000)} s`);
  }, 120_000);

  const guarded = guardedBy(() => ({ rig, server }));

  async function drives(): Promise<DriveJson[]> {
    if (feed?.ready === true) return feed.poll();
    const d = await rig.tower(['drives', '--json'], { timeoutMs: 60_000 });
    expect(d.code, d.stderr).toBe(0);
    return JSON.parse(d.stdout) as DriveJson[];
  }

  /** Wait until every listed drive is blank (the loader changed its disc, its worker looked). */
  async function waitBlank(ids: readonly string[], timeoutMs: number): Promise<DriveJson[]> {
    const deadline = Date.now() + timeoutMs;
    let list: DriveJson[] = [];
    while (Date.now() < deadline) {
      list = await drives();
      if (ids.every((id) => list.some((d) => d.id === id && d.state === 'blank' && d.mediaType === 'DVD+R'))) return list;
      await sleep(500);
    }
    throw new Error(`drives not blank: ${JSON.stringify(list.map((d) => [d.id, d.state, d.message]))}`);
  }

  async function size(lun: number): Promise<number> {
    return (await stat(rig.tgt.discFile(lun)).catch(() => ({ size: -1 }))).size;
  }

  /** The first bytes tgt writes into a recorder's disc: a burn on it is writing now. */
  async function firstBytes(lun: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await size(lun);
      if (s > 0) return s;
      if (Date.now() > deadline) throw new Error(`recorder ${lun} wrote nothing within ${timeoutMs} ms`);
      await sleep(4);
    }
  }

  async function startRun(): Promise<GuestProcess> {
    return rig.shell.start(
      [process.execPath, TOWER_BIN, 'run', imageId, '--copies', String(COPIES), '--verify', 'all', '--wait', '--json'],
      { cwd: REPO_ROOT, timeoutMs: 240_000 },
    );
  }

  /** The run's end, its history, and the rules every fault must leave intact. */
  async function finish(run: GuestProcess, label: string, t0: number): Promise<{ final: RunJson; attempts: AttemptJson[] }> {
    const ended = await run.wait(260_000);
    log(`${label}: run ended after ${Math.round((Date.now() - t0) / 1000)} s`);
    expect(ended.code, `${ended.stdout.slice(-2000)}\n${ended.stderr.slice(-2000)}`).toBe(0);
    const final = JSON.parse(ended.stdout) as RunJson;
    expect(final).toMatchObject({ passed: COPIES, status: 'completed' });
    const history = await rig.tower(['history', '--run', final.id, '--json'], { timeoutMs: 60_000 });
    expect(history.code, history.stderr).toBe(0);
    const attempts = JSON.parse(history.stdout) as AttemptJson[];
    log(`${label}: ${attempts.map((a) => `${a.copy}@${a.driveId}:${a.outcome}${a.error ? `(${a.error.code}: ${a.error.message})` : ''}`).join('\n  ')}`);
    // Exactly N: every copy slot passed and was counted once; nothing else was counted.
    const counted = attempts.filter((a) => a.counted);
    expect(counted.every((a) => a.outcome === 'passed')).toBe(true);
    expect(counted.map((a) => a.copy).sort((x, y) => x - y)).toEqual(Array.from({ length: COPIES }, (_, i) => i + 1));
    // Every attempt closed, and no failure without the drive's (or the tool's) own words.
    for (const a of attempts) {
      expect(a.outcome, JSON.stringify(a)).not.toBeNull();
      if (a.error !== null) expect(['TOOL_ERROR', 'INTERNAL'], JSON.stringify(a)).not.toContain(a.error.code);
    }
    return { final, attempts };
  }

  /** The faulted drive's attempts: at least one failed with `code` and words matching `words`. */
  function expectFaulted(attempts: readonly AttemptJson[], driveId: string, code: string, words: RegExp): void {
    const mine = attempts.filter((a) => a.driveId === driveId && a.outcome !== 'passed');
    expect(mine.length, `${driveId} had no failed attempt`).toBeGreaterThanOrEqual(1);
    const first = mine[0];
    expect(first?.outcome).toBe('failed');
    expect(first?.counted).toBe(false);
    expect(first?.error?.code).toBe(code);
    expect(first?.error?.message).toMatch(words);
    // The other drives carried the run.
    expect(attempts.filter((a) => a.driveId !== driveId && a.outcome === 'passed').length).toBeGreaterThanOrEqual(COPIES - 1);
  }

  it('starts the tower on the four recorders', guarded(async () => {
    server = await rig.shell.start([process.execPath, TOWER_BIN, 'start', '--config', rig.guestPath('tower.json')], { cwd: REPO_ROOT });
    // Under TCG a Node start is tens of seconds (minutes when other guests share the cores).
    const deadline = Date.now() + 480_000;
    let list: DriveJson[] = [];
    while (Date.now() < deadline) {
      const d = await rig.tower(['drives', '--json'], { timeoutMs: 60_000 });
      if (d.code === 0) {
        list = JSON.parse(d.stdout) as DriveJson[];
        if (list.filter((x) => x.state === 'blank' && x.mediaType === 'DVD+R').length === RECORDERS) break;
      }
      await sleep(2000);
    }
    expect(list.map((d) => [d.id, d.state])).toEqual([0, 1, 2, 3].map((n) => [`/dev/sr${n}`, 'blank']));
    // The feed from here on: drive states without a Node start per look.
    watch = await rig.shell.start([process.execPath, TOWER_BIN, 'watch', '--json'], { cwd: REPO_ROOT });
    const watching = new DriveFeed(path.join(rig.shareDir, 'out', `${watch.id}.out`));
    const imported = await rig.tower(['images', 'import', rig.guestPath('plain.iso'), '--json'], { timeoutMs: 120_000 });
    expect(imported.code, imported.stderr).toBe(0);
    imageId = (JSON.parse(imported.stdout) as { id: string }).id;
    const feedBy = Date.now() + 120_000;
    while ((await watching.poll()).length < RECORDERS && Date.now() < feedBy) await sleep(500);
    expect(watching.drives.size, (await watch.output()).stderr).toBe(RECORDERS);
    feed = watching;
    log(`tower up after ${Math.round((Date.now() - started) / 1000)} s`);
  }));

  it('1. the disc taken out of /dev/sr0 mid-burn: NOT READY, MEDIUM NOT PRESENT', guarded(async () => {
    const t0 = Date.now();
    rig.loader.hold(1, true);
    const run = await startRun();
    const at = await firstBytes(1, 120_000);
    await rig.tgt.pullDisc(1);
    log(`1: disc pulled from recorder 1 at ${at} bytes`);
    const { attempts } = await finish(run, '1 disc pulled', t0);
    expectFaulted(attempts, '/dev/sr0', 'NO_MEDIA', /2\/3A\/00.*medium not present/i);
    // No disc: the coaster is gone with it (the drive says so until a disc is in again).
    const sr0 = (await drives()).find((d) => d.id === '/dev/sr0');
    expect(['failed', 'empty']).toContain(sr0?.state);
    // The fault removed: the coaster back where the loader takes it, a blank in, the drive back.
    await rig.tgt.returnPulledDisc(1);
    rig.loader.hold(1, false);
    await waitBlank(['/dev/sr0', '/dev/sr1', '/dev/sr2', '/dev/sr3'], 60_000);
    expect(rig.loader.errors).toEqual([]);
  }));

  it('2. /dev/sr1 on a backing store that fills up: MEDIUM ERROR on WRITE', guarded(async () => {
    const t0 = Date.now();
    expect(await size(2)).toBe(0);
    await runProgram('mount', ['-o', `remount,size=${SMALL}`, tmpfs], 10_000);
    const keptBefore = rig.loader.keptFrom(2).length;
    const run = await startRun();
    // The failed disc is ejected and kept: then the store gets room again (the fault removed).
    const deadline = Date.now() + 180_000;
    while (rig.loader.keptFrom(2).length === keptBefore && Date.now() < deadline) await sleep(100);
    await runProgram('mount', ['-o', `remount,size=${ROOMY}`, tmpfs], 10_000);
    const coaster = rig.loader.keptFrom(2)[keptBefore];
    log(`2: recorder 2's disc kept with ${coaster?.bytes ?? '?'} bytes; store roomy again`);
    expect(coaster?.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    const { attempts } = await finish(run, '2 store full', t0);
    expectFaulted(attempts, '/dev/sr1', 'WRITE_ERROR', /3\/11\/00/);
    await waitBlank(['/dev/sr0', '/dev/sr1', '/dev/sr2', '/dev/sr3'], 60_000);
    expect(rig.loader.errors).toEqual([]);
  }));

  it('3. cdrskin killed in the guest mid-burn on /dev/sr2: the tool killed, said so', guarded(async () => {
    const t0 = Date.now();
    const run = await startRun();
    const at = await firstBytes(3, 120_000);
    // Hold every recorder's commands while the guest finds the burner and kills it.
    rig.tgt.freeze(true);
    let pids: string[];
    try {
      const found = await rig.shell.run(['pgrep', '-f', '^cdrskin -v dev=/dev/sr2 '], { timeoutMs: 20_000 });
      pids = found.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
      expect(pids.length, `pgrep: ${found.stdout} ${found.stderr}`).toBe(1);
      const killed = await rig.shell.run(['kill', '-KILL', ...pids], { timeoutMs: 20_000 });
      expect(killed.code, killed.stderr).toBe(0);
    } finally {
      rig.tgt.freeze(false);
    }
    log(`3: cdrskin ${pids.join(' ')} killed at ${at} bytes`);
    const { attempts } = await finish(run, '3 burner killed', t0);
    expectFaulted(attempts, '/dev/sr2', 'TOOL_KILLED', /cdrskin.*SIGKILL/);
    await waitBlank(['/dev/sr0', '/dev/sr1', '/dev/sr2', '/dev/sr3'], 60_000);
    expect(rig.loader.errors).toEqual([]);
  }));

  it('4. /dev/sr3 vanishing from the bus mid-burn (LUN deleted): the drive gone, the run done by the others', guarded(async () => {
    const t0 = Date.now();
    rig.loader.hold(4, true);
    const run = await startRun();
    const at = await firstBytes(4, 120_000);
    for (let i = 0; ; i++) {
      try {
        await rig.tgt.deleteRecorder(4);
        break;
      } catch (err) {
        // "this logical unit is still active": a command in flight; the next moment it is not.
        if (i > 200) throw err;
        await sleep(5);
      }
    }
    log(`4: recorder 4 deleted at ${at} bytes`);
    const { attempts } = await finish(run, '4 LUN deleted', t0);
    expectFaulted(attempts, '/dev/sr3', 'DRIVE_GONE', /5\/25\/00.*logical unit not supported/i);
    const deadline = Date.now() + 30_000;
    let sr3: DriveJson | undefined;
    while (Date.now() < deadline) {
      sr3 = (await drives()).find((d) => d.id === '/dev/sr3');
      if (sr3?.state === 'offline') break;
      await sleep(500);
    }
    // Offline for its own sake, the agent answering: the words say so.
    expect(sr3).toMatchObject({ state: 'offline', message: 'The drive does not answer: check its cable and power' });
    // Plugged back in (a new LUN, a blank in it): the drive returns by itself.
    await rig.tgt.addRecorder(4);
    rig.loader.hold(4, false);
    await waitBlank(['/dev/sr0', '/dev/sr1', '/dev/sr2', '/dev/sr3'], 60_000);
    expect(rig.loader.errors).toEqual([]);
  }));
});
