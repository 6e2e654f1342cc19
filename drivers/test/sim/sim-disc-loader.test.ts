/**
 * SimDiscLoader beyond the contract suite: an endless stack and unbounded
 * bins (nulls in the stock), a drive without an auto-loader, bad bin
 * capacities, a cancelled wait for the next blank, and what a person does by
 * hand (blanks put in, a full reject bin emptied), configured by address.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { AutoLoader, createSimulatedDrive, SimDiscLoader, SimulatedDrive } from '../../src/sim/index.js';

describe('SimDiscLoader', () => {
  it('an endless stack and unbounded bins: blanks and free places are null, never a need', async () => {
    const drive = new SimulatedDrive({ timeScale: 0.001, autoLoader: { media: 'CD-R', loadDelayMs: 1000 } });
    const loader = new SimDiscLoader(drive);
    expect(await loader.stock()).toEqual({ blanks: null, driveLoaded: true, passed: 0, rejected: 0, outputFree: null, rejectFree: null, needsPerson: null });
    for (let i = 0; i < 3; i++) await loader.afterDisc(i === 1 ? 'failed' : 'passed');
    expect(await loader.stock()).toEqual({ blanks: null, driveLoaded: true, passed: 2, rejected: 1, outputFree: null, rejectFree: null, needsPerson: null });
    expect((await drive.media()).status).toBe('blank');
    drive.dispose();
  });

  it('needs a drive with an auto-loader', () => {
    expect(() => new SimDiscLoader(new SimulatedDrive())).toThrow('sim:0 has no auto-loader');
  });

  it('refuses bin capacities that are not whole numbers', () => {
    expect(() => new AutoLoader({ media: 'CD-R', binCapacity: { passed: -1 } })).toThrow('binCapacity.passed must be a non-negative integer, got -1');
    expect(() => new AutoLoader({ media: 'CD-R', binCapacity: { failed: 1.5 } })).toThrow('binCapacity.failed');
  });

  it('a cancelled wait for the next blank is a CancelledError', async () => {
    // 60 s of model time at scale 1: the blank does not come while the test waits.
    const drive = new SimulatedDrive({ timeScale: 0.001, autoLoader: { media: 'CD-R', stack: 2, loadDelayMs: 60_000_000 } });
    const loader = new SimDiscLoader(drive);
    const controller = new AbortController();
    const pending = loader.afterDisc('passed', controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(drive.disc).toBeNull();
    drive.dispose();
  });

  it('an empty input needs a person until blanks are put in; the next fill loads one', async () => {
    const drive = createSimulatedDrive('sim:0?media=CD-R&stack=1&loadDelayMs=1000&timeScale=0.001');
    const loader = new SimDiscLoader(drive);
    expect(await loader.afterDisc('passed')).toMatchObject({ blanks: 0, driveLoaded: false, needsPerson: 'input-empty' });
    expect(await loader.fill()).toMatchObject({ blanks: 0, driveLoaded: false, needsPerson: 'input-empty' });
    expect(await loader.loadBlanks(5)).toMatchObject({ blanks: 5, driveLoaded: false, needsPerson: null });
    expect(await loader.fill()).toMatchObject({ blanks: 4, driveLoaded: true, needsPerson: null });
    expect((await drive.media()).status).toBe('blank');
    drive.dispose();
  });

  it('a full reject bin (rejectBin in the address) keeps the coaster in the drive until a person empties the bin', async () => {
    const drive = createSimulatedDrive('sim:0?media=CD-R&stack=5&rejectBin=1&loadDelayMs=1000&timeScale=0.001');
    const loader = new SimDiscLoader(drive);
    expect(await loader.afterDisc('failed')).toMatchObject({ rejected: 1, rejectFree: 0, driveLoaded: true, needsPerson: null });
    expect(await loader.afterDisc('failed')).toMatchObject({ rejected: 1, rejectFree: 0, driveLoaded: true, needsPerson: 'reject-full' });
    expect(await loader.fill()).toMatchObject({ needsPerson: 'reject-full' });
    expect(await loader.emptyBin('failed')).toMatchObject({ rejected: 0, rejectFree: 1 });
    expect(await loader.fill()).toMatchObject({ rejected: 1, rejectFree: 0, blanks: 2, driveLoaded: true, needsPerson: null });
    drive.dispose();
  });
});
