/**
 * SimDiscLoader beyond the contract suite: an endless stack and unbounded
 * bins (nulls in the stock), a drive without an auto-loader, bad bin
 * capacities, and a cancelled wait for the next blank.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { AutoLoader, SimDiscLoader, SimulatedDrive } from '../../src/sim/index.js';

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
});
