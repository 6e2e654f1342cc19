/**
 * ChangerLoader's decisions on inventories the rig's changer reported
 * (fixtures/samples/tgt-mtx-*.txt, played back): which slot a disc goes to,
 * the drive opened before the picker takes it, what is left alone when there
 * is no room, and the stock it reports. The whole loader against a real
 * changer is the contract suite in the rig (test/rig/changer.rig.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ChangerError } from '../../src/changer/changer-error.js';
import { ChangerLoader, checkLoaderSlots } from '../../src/changer/changer-loader.js';
import { MtxChanger } from '../../src/changer/mtx-changer.js';
import type { LoaderSlots } from '../../src/disc-loader-contract.js';
import type { Drive } from '../../src/drive-contract.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import { loadStreams } from '../support/load-sample.js';

/** What happened, in order: mtx commands (`load 2 0`) and drive calls (`drive eject`). */
type Log = string[];

/** A loader whose `mtx status` answers are the captures in `statuses`, one per call (the last repeats). */
function rig(statuses: readonly string[], slots: LoaderSlots, answers: Readonly<Record<string, string>> = {}): { loader: ChangerLoader; log: Log } {
  const log: Log = [];
  let n = 0;
  const { spawner } = fakeSpawner((call) => {
    const words = call.args.slice(2).join(' ');
    if (words !== 'status') log.push(words);
    const name = words === 'status'
      ? statuses[Math.min(n++, statuses.length - 1)] ?? ''
      : answers[words] ?? (words.startsWith('load') ? 'tgt-mtx-load.txt' : 'tgt-mtx-unload.txt');
    const run = loadStreams(name);
    return { stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? 1 };
  });
  const drive = {
    address: '/dev/sr0',
    kind: 'optical',
    eject: async () => {
      log.push('drive eject');
    },
    load: async () => {
      log.push('drive load');
    },
  } as unknown as Drive;
  return { loader: new ChangerLoader({ changer: new MtxChanger({ device: '/dev/sg1', spawner }), drive, element: 0, slots }), log };
}

const TOWER: LoaderSlots = { input: [1, 2, 3, 4], output: [5, 6, 7], reject: [8] };

describe('ChangerLoader', () => {
  it('a good disc: the drive opened, the disc to the first free output slot, the next blank loaded and the tray closed', async () => {
    const { loader, log } = rig(['tgt-mtx-status-loaded.txt'], TOWER);
    const stock = await loader.afterDisc('passed');
    expect(log).toEqual(['drive eject', 'unload 5 0', 'load 2 0', 'drive load']);
    expect(stock).toEqual({
      blanks: 1, driveLoaded: true, passed: 1, rejected: 0, outputFree: 2, rejectFree: 1, needsPerson: null,
      slots: { input: [1, 2, 3, 4], output: [5, 6, 7], reject: [8] },
    });
  });

  it('a coaster goes to the reject slot', async () => {
    const { loader, log } = rig(['tgt-mtx-status-loaded.txt'], TOWER);
    const stock = await loader.afterDisc('failed');
    expect(log).toEqual(['drive eject', 'unload 8 0', 'load 2 0', 'drive load']);
    expect(stock).toMatchObject({ rejected: 1, rejectFree: 0, passed: 0, blanks: 1, needsPerson: null });
  });

  it('every output slot full: the good disc stays in the drive (not even opened), output-full, until a slot is free', async () => {
    // The drive holds a disc; slots 6 and 9 are full (tgt-mtx-status-mail), then neither (tgt-mtx-status-loaded).
    const slots: LoaderSlots = { input: [1, 2], output: [6, 9], reject: [7] };
    const { loader, log } = rig(['tgt-mtx-status-mail.txt', 'tgt-mtx-status-mail.txt', 'tgt-mtx-status-loaded.txt'], slots);
    expect(await loader.afterDisc('passed')).toMatchObject({ driveLoaded: true, passed: 2, outputFree: 0, needsPerson: 'output-full' });
    expect(await loader.fill()).toMatchObject({ driveLoaded: true, needsPerson: 'output-full' });
    expect(log).toEqual([]);
    // A person emptied slots 6 and 9: the held disc goes to the first, then slot 2's blank comes in.
    expect(await loader.fill()).toMatchObject({ driveLoaded: true, passed: 1, outputFree: 1, blanks: 0, needsPerson: null });
    expect(log).toEqual(['drive eject', 'unload 6 0', 'load 2 0', 'drive load']);
  });

  it('no blank left in the input and the drive empty: input-empty, nothing moved', async () => {
    const slots: LoaderSlots = { input: [1, 4], output: [6], reject: [7] };
    const { loader, log } = rig(['tgt-mtx-status-output.txt'], slots);
    const expected = { blanks: 0, driveLoaded: false, passed: 0, rejected: 0, outputFree: 1, rejectFree: 1, needsPerson: 'input-empty' };
    expect(await loader.fill()).toMatchObject(expected);
    expect(await loader.stock()).toMatchObject(expected);
    expect(await loader.afterDisc('passed')).toMatchObject(expected);
    expect(log).toEqual([]);
  });

  it('the rig\'s jukebox after a run of 3: the output full, the input and the drive empty: input-empty', async () => {
    const { loader, log } = rig(['tgt-mtx-status-after-run.txt'], TOWER);
    expect(await loader.fill()).toEqual({
      blanks: 0, driveLoaded: false, passed: 3, rejected: 0, outputFree: 0, rejectFree: 1, needsPerson: 'input-empty',
      slots: { input: [1, 2, 3, 4], output: [5, 6, 7], reject: [8] },
    });
    expect(log).toEqual([]);
  });

  it('a refused move keeps the verdict: the next fill finishes it', async () => {
    const { loader, log } = rig(['tgt-mtx-status-loaded.txt'], TOWER, { 'unload 5 0': 'tgt-mtx-unload-slot-full.txt' });
    const err = await loader.afterDisc('passed').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ChangerError);
    expect(err).toMatchObject({ kind: 'destination-full', message: '/dev/sg1: mtx unload 5 0: Storage Element 5 is Already Full' });
    expect(log).toEqual(['drive eject', 'unload 5 0']);
    await expect(loader.fill()).rejects.toThrow(/Already Full/);
    expect(log.filter((l) => l.startsWith('unload'))).toEqual(['unload 5 0', 'unload 5 0']);
  });

  it('refuses slots and drives the changer does not have, naming what it has', async () => {
    const noSlot = rig(['tgt-mtx-status-blanks.txt'], { input: [1], output: [12, 5], reject: [8] });
    await expect(noSlot.loader.stock()).rejects.toThrow('/dev/sg1 has no slot 12 (its slots: 1..10)');
    const log: Log = [];
    const { spawner } = fakeSpawner(() => ({ stdout: loadStreams('tgt-mtx-status-blanks.txt').stdout, exitCode: 0 }));
    const other = new ChangerLoader({
      changer: new MtxChanger({ device: '/dev/sg1', spawner }), element: 1, slots: TOWER,
      drive: { address: '/dev/sr1', eject: async () => log.push('eject') } as unknown as Drive,
    });
    const err = await other.fill().then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ kind: 'no-such-element', code: 'CHANGER_NO_SUCH_ELEMENT', message: '/dev/sg1 has no drive 1 (its drives: 0)' });
    expect(log).toEqual([]);
  });

  it('slot roles: each needed, whole numbers from 1, no slot in two roles', () => {
    expect(() => checkLoaderSlots({ input: [], output: [5], reject: [8] })).toThrow('a changer loader needs at least one input slot');
    expect(() => checkLoaderSlots({ input: [1], output: [5], reject: [] })).toThrow('at least one reject slot');
    expect(() => checkLoaderSlots({ input: [1, 2], output: [2], reject: [8] })).toThrow('slot 2 is both input and output');
    expect(() => checkLoaderSlots({ input: [0], output: [5], reject: [8] })).toThrow('input slot 0 is not a slot number');
    expect(() => checkLoaderSlots({ input: [1], output: [5], reject: [8.5] })).toThrow('reject slot 8.5 is not a slot number');
    expect(() => checkLoaderSlots(TOWER)).not.toThrow();
  });
});
