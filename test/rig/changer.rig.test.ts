/**
 * A real robot for the auto-loader contract: tgt's SCSI media changer (SMC,
 * `--device-type changer`) with two tgt DVD+R recorders as its drives 0 and
 * 1, the changer attached to the QEMU guest as a `/dev/sgN`
 * (`scsi-generic`), the recorders as `/dev/sr0` and `/dev/sr1`. Media are
 * tgtimg blanks in the changer's media_home; the guest drives the changer
 * with the real `mtx` through the real kernel (see
 * ../shared/optical/README.md section 9, "A robot"). No disc is loaded from
 * the host: the host-side loader is off.
 *
 * 1. `tower start` with the changer in its configuration, feeding /dev/sr0
 *    (input slots 1–4, blanks in 1–3; output 5–7; reject 8), starts in the
 *    guest; meanwhile (a Node start under TCG takes a minute or more) the
 *    disc loader contract suite (drivers/test/contract) runs inside the
 *    guest against the same changer's drive 1 (/dev/sr1), on slots of its
 *    own (9–11 blanks, 12–13 output, 14 reject, 15–16 spare): two loaders,
 *    two processes, one robot.
 * 2. The tower burns a run of 3 verified copies unattended: its loader fills
 *    the drive, puts each good disc in an output slot and loads the next
 *    blank. The burned media files hold the image; the run is exactly 3;
 *    with the input empty the drive is reported as needing a person, with
 *    the slots to fill.
 * 3. A person puts a blank into slot 4: the loader feeds it and the drive
 *    is ready again.
 *
 * With TOWER_RIG_CAPTURE=<dir>, the mtx outputs met on the way are written
 * there in the fixtures' format (drivers/test/fixtures/samples/tgt-mtx-*.txt).
 *
 * `npx vitest run --config test/rig/vitest.rig.config.ts test/rig/changer.rig.test.ts`
 * (needs root, `npm run build` first).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMtxStatus } from '../../drivers/src/changer/mtx-status.js';
import type { MtxStatus } from '../../drivers/src/changer/mtx-status.js';
import { makePlainIso } from '../vm/images.js';
import type { GuestProcess, GuestRun } from './guest-shell.js';
import { BUILD_TIMEOUT_MS, log, REPO_ROOT, RIG_TOKEN, startRig, TOWER_BIN, guardedBy, stopTowerInGuest } from './rig-harness.js';
import type { Rig } from './rig-harness.js';

const SELECTED = process.env.TOWER_RIG_SUITE === '1';
const CAPTURE = process.env.TOWER_RIG_CAPTURE ?? '';
const COPIES = 3;
const TOWER_SLOTS = { input: [1, 2, 3, 4], output: [5, 6, 7], reject: [8] };
const CONTRACT_SLOTS = 'input=9,10,11 output=12,13 reject=14 spare=15,16';

interface LoaderJson { blanks: number | null; passed: number; rejected: number; outputFree: number | null; needsPerson: string | null; slots: unknown }
interface DriveJson { id: string; state: string; mediaType: string | null; message: string | null; needsAttention: boolean; loader?: LoaderJson }
interface AttemptJson { copy: number; driveId: string; outcome: string | null; counted: boolean; error: { code: string; message: string } | null }
interface VitestJson { numTotalTests: number; numPassedTests: number; numFailedTests: number; numPendingTests: number; testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }> }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A kept disc holds the image and nothing after it but zeros (the recorder pads the last ECC block). */
function holdsImage(disc: Buffer, image: Buffer): boolean {
  if (disc.length < image.length || !disc.subarray(0, image.length).equals(image)) return false;
  for (let i = image.length; i < disc.length; i++) if (disc[i] !== 0) return false;
  return true;
}

describe.skipIf(!SELECTED)('a jukebox on real kernel devices (tgt SMC changer + DVD+R recorder, mtx, QEMU guest)', () => {
  let rig: Rig;
  let server: GuestProcess | undefined;
  let image: Buffer;
  let changerDev = '';
  const started = Date.now();

  beforeAll(async () => {
    rig = await startRig({
      recorders: 2,
      maxRuntimeMs: 14 * 60_000,
      hostLoader: false,
      changer: { drives: 2, storage: 16, mail: 2, blanks: [1, 2, 3, 9, 10, 11] },
    });
    image = await readFile(await makePlainIso(rig.shareDir, 2 * 1024 * 1024));
    // The changer is SCSI type 8: its sg node, whichever number the guest gave it.
    const types = ['sg0', 'sg1', 'sg2', 'sg3'].map((sg) => `/sys/class/scsi_generic/${sg}/device/type`);
    const found = await rig.shell.run(['grep', '-l', '^8$', ...types], { timeoutMs: 30_000 });
    const sg = /scsi_generic\/(sg\d+)\//.exec(found.stdout)?.[1];
    expect(sg, `no changer among the guest's sg nodes: ${found.stdout} ${found.stderr}`).toBeDefined();
    changerDev = `/dev/${sg ?? ''}`;
    log(`changer ${changerDev} up after ${Math.round((Date.now() - started) / 1000)} s`);
    await writeFile(path.join(rig.shareDir, 'tower.json'), JSON.stringify({
      dataDir: '/tmp/tower',
      library: { dir: '/tmp/tower/library', importRoots: [rig.guestPath('')], sampleImage: false },
      tokens: [{ token: RIG_TOKEN, name: 'rig', role: 'operator' }],
      controller: { demoRunCopies: 0 },
      agent: {
        id: 'rig',
        drives: [{ device: '/dev/sr0' }],
        changers: [{ device: changerDev, label: 'Rig jukebox', drives: [{ drive: '/dev/sr0', element: 0 }], slots: TOWER_SLOTS }],
      },
    }));
  }, BUILD_TIMEOUT_MS + 300_000);

  afterAll(async () => {
    await stopTowerInGuest(server);
    await rig?.stop();
    log(`suite: ${Math.round((Date.now() - started) / 1000)} s`);
  }, 90_000);

  const guarded = guardedBy(() => ({ rig, server }));

  /** Run mtx in the guest; its output also goes to TOWER_RIG_CAPTURE when set. */
  async function mtx(args: readonly string[], capture?: { name: string; note: string }): Promise<GuestRun> {
    const argv = ['mtx', '-f', changerDev, ...args];
    const run = await rig.shell.run(argv, { timeoutMs: 60_000 });
    if (CAPTURE !== '' && capture !== undefined) {
      await mkdir(CAPTURE, { recursive: true });
      await writeFile(path.join(CAPTURE, `tgt-mtx-${capture.name}.txt`),
        `$ ${argv.join(' ')}   # ${capture.note}\n# stdout:\n${run.stdout}# stderr:\n${run.stderr}# exit: ${run.code ?? `signal ${run.signal ?? '?'}`}\n`);
    }
    return run;
  }

  async function status(capture?: { name: string; note: string }): Promise<MtxStatus> {
    const run = await mtx(['status'], capture);
    expect(run.code, run.stderr).toBe(0);
    return parseMtxStatus(run.stdout);
  }

  /** The tower's one drive (it is given /dev/sr0 only). */
  async function drive(): Promise<DriveJson> {
    const d = await rig.tower(['drives', '--json'], { timeoutMs: 60_000 });
    expect(d.code, d.stderr).toBe(0);
    const list = JSON.parse(d.stdout) as DriveJson[];
    expect(list.map((x) => x.id)).toEqual(['/dev/sr0']);
    return list[0]!;
  }

  async function waitDrive(what: string, ok: (d: DriveJson) => boolean, timeoutMs: number): Promise<DriveJson> {
    const deadline = Date.now() + timeoutMs;
    let last: DriveJson | null = null;
    while (Date.now() < deadline) {
      const d = await rig.tower(['drives', '--json'], { timeoutMs: 60_000 });
      if (d.code === 0) {
        last = (JSON.parse(d.stdout) as DriveJson[])[0] ?? null;
        if (last !== null && ok(last)) return last;
      }
      await sleep(1500);
    }
    throw new Error(`the drive did not become ${what} within ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  it('passes the disc loader contract on drive 1 of the jukebox, inside the guest, while the tower starts on drive 0', guarded(async () => {
    const t0 = Date.now();
    const before = await status({ name: 'status-blanks-two-sets', note: 'rig jukebox at boot (two drives): 16 storage slots, 2 import/export; blanks for the tower in 1-3 and for the contract suite in 9-11' });
    expect(before.drives.map((d) => d.full)).toEqual([false, false]);
    expect(before.slots.filter((s) => s.full).map((s) => s.slot)).toEqual([1, 2, 3, 9, 10, 11]);
    server = await rig.shell.start([process.execPath, TOWER_BIN, 'start', '--config', rig.guestPath('tower.json')], { cwd: REPO_ROOT });
    const report = rig.guestPath('changer-contract.json');
    const run = await rig.shell.run(
      [process.execPath, path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/rig/guest/vitest.changer.config.mjs', '--configLoader', 'native',
        '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      { cwd: REPO_ROOT, env: { TEST_CHANGER: changerDev, TEST_CHANGER_DRIVE: '/dev/sr1', TEST_CHANGER_ELEMENT: '1', TEST_CHANGER_SLOTS: CONTRACT_SLOTS }, timeoutMs: 420_000 },
    );
    log(`contract in the guest: ${Math.round((Date.now() - t0) / 1000)} s`);
    expect(run.code, `${run.stdout.slice(-6000)}\n${run.stderr.slice(-3000)}`).toBe(0);
    const json = JSON.parse(await readFile(path.join(rig.shareDir, 'changer-contract.json'), 'utf8')) as VitestJson;
    const titles = json.testResults.flatMap((f) => f.assertionResults.map((a) => `${a.status} ${a.title}`));
    expect(json.numPendingTests, titles.join('\n')).toBe(0);
    expect(json.numFailedTests, titles.join('\n')).toBe(0);
    expect(json.numPassedTests).toBe(10);
    expect(titles).toContain('passed a good disc with every output slot full stays in the drive: output-full, never lost');
    // The contract ends with a good disc held in drive 1 for want of room: a person takes it out
    // (the drive opened, the disc to a spare slot). Its slots hold what its moves left there.
    expect((await rig.shell.run(['eject', '/dev/sr1'], { timeoutMs: 60_000 })).code).toBe(0);
    const out = await mtx(['unload', '15', '1']);
    expect(out.code, out.stderr).toBe(0);
    const after = await status();
    expect(after.drives[1]?.full).toBe(false);
    expect(after.slots.filter((s) => s.full && s.slot >= 9).map((s) => s.slot)).toEqual([12, 13, 15]);
  }), 600_000);

  it(`burns ${COPIES} verified copies unattended: blanks from the input slots, good discs into the output slots`, guarded(async () => {
    // The agent's first look found the drive empty and had the changer load slot 1's blank.
    const ready = await waitDrive('blank', (d) => d.state === 'blank' && d.mediaType === 'DVD+R', 420_000);
    expect(ready.loader).toMatchObject({ blanks: 2, passed: 0, rejected: 0, needsPerson: null });
    log(`tower up, drive fed, after ${Math.round((Date.now() - started) / 1000)} s`);
    const imported = await rig.tower(['images', 'import', rig.guestPath('plain.iso'), '--json'], { timeoutMs: 120_000 });
    expect(imported.code, imported.stderr).toBe(0);
    const imageId = (JSON.parse(imported.stdout) as { id: string }).id;

    const t0 = Date.now();
    const run = await rig.tower(['run', imageId, '--copies', String(COPIES), '--verify', 'all', '--wait', '--json'], { timeoutMs: 480_000 });
    log(`run of ${COPIES} copies through the changer: ${Math.round((Date.now() - t0) / 1000)} s`);
    expect(run.code, `${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`).toBe(0);
    const final = JSON.parse(run.stdout) as { id: string; passed: number; status: string };
    expect(final).toMatchObject({ passed: COPIES, status: 'completed' });

    const history = await rig.tower(['history', '--run', final.id, '--json'], { timeoutMs: 60_000 });
    expect(history.code, history.stderr).toBe(0);
    const attempts = JSON.parse(history.stdout) as AttemptJson[];
    log(`attempts: ${attempts.map((a) => `${a.copy}:${a.outcome}${a.error ? `(${a.error.code})` : ''}`).join(' ')}`);
    // Exactly N, each copy once, every attempt a pass: three blanks, three good discs.
    expect(attempts.map((a) => [a.copy, a.outcome, a.counted]).sort()).toEqual([[1, 'passed', true], [2, 'passed', true], [3, 'passed', true]]);

    // The input is empty and the drive too: the tower says a person must load blanks, and where.
    const waiting = await waitDrive('in need of a person', (d) => d.loader?.needsPerson === 'input-empty', 60_000);
    expect(waiting).toMatchObject({
      state: 'empty', needsAttention: true,
      message: 'Needs a person: no blank disc left in the loader: load blank discs into slots 1–4',
      loader: { blanks: 0, passed: COPIES, rejected: 0, outputFree: 0, needsPerson: 'input-empty', slots: TOWER_SLOTS },
    });

    // The changer agrees: the three discs in the output slots, nothing in the drive, input and reject empty.
    const now = await status({ name: 'status-after-run', note: `after a tower run of ${COPIES} verified copies through drive 0 (input slots 1-4, output 5-7, reject 8): the burned discs in 5-7, the drive and the input empty; the contract suite's discs in 12, 13 and 15` });
    expect(now.drives.map((d) => d.full)).toEqual([false, false]);
    expect(now.slots.filter((s) => s.full && s.slot <= 8).map((s) => s.slot)).toEqual(TOWER_SLOTS.output);
    // Each burned disc's media file holds the image (and only the recorder's zero padding after it).
    const tags = TOWER_SLOTS.output.map((n) => now.slots[n - 1]?.volumeTag ?? '');
    expect(tags.sort()).toEqual(['BLANK_001', 'BLANK_002', 'BLANK_003']);
    for (const tag of tags) expect(holdsImage(await readFile(rig.changer!.mediaFile(tag)), image), tag).toBe(true);
    // The changer refuses a load from an empty input slot in its own words.
    const refused = await mtx(['load', '1', '0'], { name: 'load-after-run-empty-slot', note: 'after the run: input slot 1 is empty' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Source Element Address 1024 is Empty/);
  }), 900_000);

  it('a person loads a blank into slot 4: the loader feeds it and the drive is ready again', guarded(async () => {
    const barcode = await rig.changer!.putBlank(4);
    const back = await waitDrive('blank again', (d) => d.state === 'blank' && d.mediaType === 'DVD+R', 60_000);
    expect(back).toMatchObject({ needsAttention: false, loader: { blanks: 0, passed: COPIES, needsPerson: null } });
    const now = await status();
    expect(now.drives[0]).toMatchObject({ full: true, volumeTag: barcode });
    const d = await drive();
    expect(d.state).toBe('blank');
  }), 180_000);
});
