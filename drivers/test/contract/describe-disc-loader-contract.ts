/**
 * The disc loader contract suite (src/disc-loader-contract.ts), one ordered
 * scenario on one loader: every backend (a simulated drive's auto-loader, a
 * real jukebox driven with mtx) must pass it. Nothing is burned: the loader
 * sorts whatever disc is in the drive, so the blanks stay blank and a person
 * can put them back (`refill`).
 *
 * The backend starts with its drive empty, 3 blanks in the input, room for 2
 * good discs in the output and for 1 coaster in the reject slot(s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscLoader, LoaderStock } from '../../src/disc-loader-contract.js';
import type { Drive } from '../../src/drive-contract.js';

/** A backend's loader in the starting state, and what a person does to it. */
export interface LoaderFixture {
  readonly loader: DiscLoader;
  /** The drive it feeds. */
  readonly drive: Drive;
  /** A person takes the coaster(s) out of the reject slot(s). */
  emptyReject(): Promise<void>;
  /** A person puts the coasters taken out (blanks, in this suite) back into the input: 2 of them. */
  refill(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface LoaderContractOptions {
  open(): Promise<LoaderFixture>;
  /** Slot numbers the stock must name (loaders with numbered slots). */
  readonly slots?: { readonly input: readonly number[]; readonly output: readonly number[]; readonly reject: readonly number[] };
}

/** The stock's counts, without the slot numbers. */
function counts(s: LoaderStock): Omit<LoaderStock, 'slots'> {
  const { slots: _slots, ...rest } = s;
  return rest;
}

export function describeDiscLoaderContract(name: string, options: LoaderContractOptions): void {
  describe(`disc loader contract: ${name}`, () => {
    let f: LoaderFixture;

    beforeAll(async () => {
      f = await options.open();
    });
    afterAll(async () => {
      await f?.cleanup();
    });

    const media = async (): Promise<string> => (await f.drive.media()).status;

    it('reports its stock before moving anything: drive empty, 3 blanks, room for 2 good discs and 1 coaster', async () => {
      const s = await f.loader.stock();
      expect(counts(s)).toEqual({ blanks: 3, driveLoaded: false, passed: 0, rejected: 0, outputFree: 2, rejectFree: 1, needsPerson: null });
      if (options.slots !== undefined) expect(s.slots).toEqual(options.slots);
      expect(await media()).toBe('none');
    });

    it('fill loads a blank into the empty drive', async () => {
      const s = await f.loader.fill();
      expect(counts(s)).toMatchObject({ blanks: 2, driveLoaded: true, needsPerson: null });
      expect(await media()).toBe('blank');
    });

    it('fill with a disc in the drive moves nothing', async () => {
      const s = await f.loader.fill();
      expect(counts(s)).toMatchObject({ blanks: 2, driveLoaded: true, passed: 0, rejected: 0 });
    });

    it('afterDisc(passed) puts the disc in the output and loads the next blank', async () => {
      const s = await f.loader.afterDisc('passed');
      expect(counts(s)).toEqual({ blanks: 1, driveLoaded: true, passed: 1, rejected: 0, outputFree: 1, rejectFree: 1, needsPerson: null });
      expect(await media()).toBe('blank');
    });

    it('afterDisc(failed) puts the coaster in the reject slot and loads the last blank', async () => {
      const s = await f.loader.afterDisc('failed');
      expect(counts(s)).toEqual({ blanks: 0, driveLoaded: true, passed: 1, rejected: 1, outputFree: 1, rejectFree: 0, needsPerson: null });
      expect(await media()).toBe('blank');
    });

    it('a coaster with the reject slot full stays in the drive: reject-full', async () => {
      const s = await f.loader.afterDisc('failed');
      expect(counts(s)).toEqual({ blanks: 0, driveLoaded: true, passed: 1, rejected: 1, outputFree: 1, rejectFree: 0, needsPerson: 'reject-full' });
      expect(await f.loader.stock()).toMatchObject({ needsPerson: 'reject-full', driveLoaded: true });
    });

    it('once a person empties the reject slot, fill finishes the move; no blank left: input-empty', async () => {
      await f.emptyReject();
      const s = await f.loader.fill();
      expect(counts(s)).toEqual({ blanks: 0, driveLoaded: false, passed: 1, rejected: 1, outputFree: 1, rejectFree: 0, needsPerson: 'input-empty' });
      expect(await media()).toBe('none');
    });

    it('afterDisc with nothing in the drive sorts nothing', async () => {
      const s = await f.loader.afterDisc('passed');
      expect(counts(s)).toMatchObject({ passed: 1, rejected: 1, driveLoaded: false, needsPerson: 'input-empty' });
    });

    it('blanks put back into the input: fill loads one and the need is gone', async () => {
      await f.emptyReject();
      await f.refill();
      const s = await f.loader.fill();
      expect(counts(s)).toMatchObject({ blanks: 1, driveLoaded: true, rejected: 0, rejectFree: 1, needsPerson: null });
      expect(await media()).toBe('blank');
    });

    it('a good disc with every output slot full stays in the drive: output-full, never lost', async () => {
      const first = await f.loader.afterDisc('passed');
      expect(counts(first)).toMatchObject({ blanks: 0, driveLoaded: true, passed: 2, outputFree: 0, needsPerson: null });
      const s = await f.loader.afterDisc('passed');
      expect(counts(s)).toMatchObject({ blanks: 0, driveLoaded: true, passed: 2, outputFree: 0, needsPerson: 'output-full' });
      // Asked again without room, it still holds the disc and says so.
      expect(counts(await f.loader.fill())).toMatchObject({ driveLoaded: true, passed: 2, needsPerson: 'output-full' });
    });
  });
}
