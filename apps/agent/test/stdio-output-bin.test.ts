/**
 * The output bin of a `stdio:` pseudo drive (stdio-output-bin.ts): each disc
 * leaves the drive file for a file of its own, passed ones in the output
 * folder and the rest in `rejects/`, named by run, copy, label, attempt and
 * result; a name taken gets `~2` and no kept disc is ever replaced; a drive
 * file without data keeps nothing; and what a crash leaves is tidied: a disc
 * kept as passed whose attempt was interrupted goes to the rejects, a drive
 * file that is a kept disc's second name is only unlinked, and an unsorted
 * disc found at start is kept as a reject. A disc the folder will not take
 * stays in the drive file, which the pseudo drive then shows as written
 * (no burn overwrites it), until the folder takes it.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDrive } from 'node-cdrecord-wrapper';
import type { LeavingDisc } from 'node-cdrecord-wrapper';
import { StdioBlankDrive } from '../src/stdio-blank-drive.js';
import { keptDiscName, StdioOutputBin } from '../src/stdio-output-bin.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function setup(): { bin: StdioOutputBin; target: string; out: string; burn: (text: string) => void; restarted: () => StdioOutputBin } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stdio-bin-'));
  dirs.push(dir);
  const out = path.join(dir, 'out');
  const target = path.join(dir, 'drive0.img');
  const open = (): StdioOutputBin => new StdioOutputBin({ drive: `stdio:${target}`, target, outputDir: out, now: () => new Date('2026-12-04T02:00:00Z') });
  return { bin: open(), target, out, burn: (text) => writeFileSync(target, text), restarted: open };
}

const disc = (copy: number, attemptId: string, label?: string): LeavingDisc => ({
  runId: 'r-7', copy, attemptId, ...(label === undefined ? {} : { label }),
});
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.iso')).sort() : []);

describe('the output bin of a stdio: pseudo drive', () => {
  it('keeps passed discs in the folder and failed ones in rejects/, each under its own name, the drive file gone', async () => {
    const { bin, target, out, burn } = setup();
    burn('disc one');
    await bin.afterDisc('passed', undefined, disc(1, 'aaaaaaaa-1111', 'serial 01001'));
    expect(existsSync(target)).toBe(false);
    burn('disc two');
    await bin.afterDisc('failed', undefined, disc(2, 'bbbbbbbb-2222', 'serial 01002'));
    burn('disc three');
    const stock = await bin.afterDisc('passed', undefined, disc(2, 'cccccccc-3333', 'serial 01002'));
    expect(files(out)).toEqual(['run-r-7_copy-0001_serial-01001_aaaaaaaa_passed.iso', 'run-r-7_copy-0002_serial-01002_cccccccc_passed.iso']);
    expect(files(path.join(out, 'rejects'))).toEqual(['run-r-7_copy-0002_serial-01002_bbbbbbbb_failed.iso']);
    expect(readFileSync(path.join(out, 'run-r-7_copy-0001_serial-01001_aaaaaaaa_passed.iso'), 'utf8')).toBe('disc one');
    expect(readFileSync(path.join(out, 'rejects', 'run-r-7_copy-0002_serial-01002_bbbbbbbb_failed.iso'), 'utf8')).toBe('disc two');
    expect(stock).toMatchObject({ blanks: null, driveLoaded: true, passed: 2, rejected: 1, needsPerson: null });
  });

  it('never replaces a kept disc: the same name again gets ~2', async () => {
    const { bin, out, burn } = setup();
    burn('first');
    await bin.afterDisc('passed', undefined, disc(3, 'dddddddd'));
    burn('second');
    await bin.afterDisc('passed', undefined, disc(3, 'dddddddd'));
    expect(files(out)).toEqual(['run-r-7_copy-0003_dddddddd_passed.iso', 'run-r-7_copy-0003_dddddddd_passed~2.iso']);
    expect(readFileSync(path.join(out, 'run-r-7_copy-0003_dddddddd_passed.iso'), 'utf8')).toBe('first');
    expect(readFileSync(path.join(out, 'run-r-7_copy-0003_dddddddd_passed~2.iso'), 'utf8')).toBe('second');
  });

  it('keeps nothing for a drive file that holds no disc (missing or empty: nothing was burned), and removes an empty one', async () => {
    const { bin, target, out, burn } = setup();
    expect(await bin.afterDisc('failed', undefined, disc(1, 'eeeeeeee'))).toMatchObject({ passed: 0, rejected: 0 });
    burn('');
    await bin.afterDisc('failed', undefined, disc(1, 'eeeeeeee'));
    expect(files(out)).toEqual([]);
    expect(files(path.join(out, 'rejects'))).toEqual([]);
    // The empty file is gone all the same: the next burn starts a new one.
    expect(existsSync(target)).toBe(false);
  });

  it('moves a disc kept as passed to the rejects when its attempt turns out interrupted', async () => {
    const { bin, out, burn } = setup();
    burn('verified, then the agent died before recording it');
    await bin.afterDisc('passed', undefined, disc(4, 'ffffffff-4444', 'serial 01004'));
    // Another attempt of the same slot stays where it is.
    burn('an earlier good disc of copy 4');
    await bin.afterDisc('passed', undefined, disc(4, '99999999-0000', 'serial 01004'));
    // The agent started again closes the attempt interrupted: its coaster hold sorts the disc as failed.
    await bin.afterDisc('failed', undefined, disc(4, 'ffffffff-4444', 'serial 01004'));
    expect(files(out)).toEqual(['run-r-7_copy-0004_serial-01004_99999999_passed.iso']);
    expect(files(path.join(out, 'rejects'))).toEqual(['run-r-7_copy-0004_serial-01004_ffffffff_failed.iso']);
  });

  it('after a kill between link and unlink, only unlinks the drive file: the next burn cannot write into the kept disc', async () => {
    const { bin, target, out, burn, restarted } = setup();
    burn('kept already');
    await bin.afterDisc('passed', undefined, disc(5, '55555555'));
    const kept = path.join(out, 'run-r-7_copy-0005_55555555_passed.iso');
    linkSync(kept, target);
    // The agent started again: its worker's first look.
    await restarted().stock();
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(kept, 'utf8')).toBe('kept already');
    expect(files(path.join(out, 'rejects'))).toEqual([]);
  });

  it('keeps a disc found unsorted in the drive file at start as a reject, never as passed', async () => {
    const { bin, target, out, burn } = setup();
    burn('left by a process that died mid-burn');
    expect(await bin.stock()).toMatchObject({ passed: 0, rejected: 1 });
    expect(existsSync(target)).toBe(false);
    expect(files(path.join(out, 'rejects'))).toEqual(['unsorted_2026-12-04T02-00-00-000Z.iso']);
    // Only once: a later disc in the drive file is the worker's to sort.
    burn('a disc being burned');
    await bin.stock();
    expect(existsSync(target)).toBe(true);
  });

  it('holds a disc its folder will not take, the drive showing it written, and moves it once the folder is back', async () => {
    const { bin, target, out, burn } = setup();
    const drive = new StdioBlankDrive(openDrive(`stdio:${target}`), 'CD-R', () => bin.holding);
    burn('a good disc');
    // The output folder replaced by a file: nothing can be moved into it.
    writeFileSync(out, 'not a folder');
    expect(await bin.afterDisc('passed', undefined, disc(6, '66666666'))).toMatchObject({ needsPerson: 'output-full', outputFree: 0 });
    expect(bin.holding).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('a good disc');
    // No burn may overwrite it: the pseudo drive is no blank now.
    expect((await drive.media()).status).toBe('complete');
    expect(await bin.fill()).toMatchObject({ needsPerson: 'output-full' });
    rmSync(out);
    mkdirSync(out);
    expect(await bin.fill()).toMatchObject({ needsPerson: null, passed: 1, outputFree: null });
    expect(files(out)).toEqual(['run-r-7_copy-0006_66666666_passed.iso']);
    expect((await drive.media()).status).toBe('blank');
  });

  it('names a disc with only safe characters', () => {
    expect(keptDiscName({ runId: '../x y', copy: 12, attemptId: 'a/b..c', label: 'set 2 · disc 1/3' }, 'passed', new Date(0)))
      .toBe('run-x-y_copy-0012_set-2-disc-1-3_a-b..c_passed.iso');
  });
});
