/**
 * A simulated drive's auto-loader behind the disc loader contract
 * (disc-loader-contract.ts), so the one contract suite runs against it and
 * against a real jukebox. The drive keeps doing the work (after an eject it
 * drops the disc in the bin it was told and, after `loadDelayMs` model time,
 * loads the next blank); this adapter tells it the verdict, opens the tray
 * and waits until the blank is in.
 *
 * Bins are unbounded unless `AutoLoaderOptions.binCapacity` says otherwise;
 * a disc whose bin is full stays in the drive, remembered with its verdict,
 * until a person empties the bin (`AutoLoader.emptyBin`) and `fill()` runs.
 *
 * What a person does at a real loader by hand (put blanks in, empty a bin)
 * is done here by `loadBlanks` and `emptyBin`: they change the counts only;
 * the drive's worker sees the new stock at its next `fill()`.
 */
import type { DiscLoader, DiscVerdict, LoaderStock } from '../disc-loader-contract.js';
import { CancelledError } from '../errors.js';
import type { AutoLoader } from './auto-loader.js';
import type { SimulatedDrive } from './simulated-drive.js';

/** Extra wall time allowed for a load beyond the loader's delay, ms. */
const LOAD_SLACK_MS = 5_000;

/** The disc loader of a simulated drive with an auto-loader. */
export class SimDiscLoader implements DiscLoader {
  readonly drive: string;
  readonly #sim: SimulatedDrive;
  readonly #loader: AutoLoader;
  #held: DiscVerdict | null = null;

  /** Throws TypeError when the drive has no auto-loader. */
  constructor(drive: SimulatedDrive) {
    if (drive.autoLoader === null) throw new TypeError(`${drive.address} has no auto-loader`);
    this.#sim = drive;
    this.#loader = drive.autoLoader;
    this.drive = drive.address;
  }

  async stock(): Promise<LoaderStock> {
    const l = this.#loader;
    const bins = l.bins;
    const free = (verdict: DiscVerdict, n: number): number | null => (l.capacity[verdict] === Infinity ? null : l.capacity[verdict] - n);
    const driveLoaded = this.#sim.disc !== null;
    const outputFree = free('passed', bins.passed);
    const rejectFree = free('failed', bins.failed);
    const needsPerson = this.#held === 'passed' && outputFree === 0 ? 'output-full'
      : this.#held === 'failed' && rejectFree === 0 ? 'reject-full'
        : !driveLoaded && l.empty ? 'input-empty' : null;
    return {
      blanks: l.remaining === Infinity ? null : l.remaining,
      driveLoaded,
      passed: bins.passed,
      rejected: bins.failed,
      outputFree,
      rejectFree,
      needsPerson,
    };
  }

  /** A person puts `count` more blanks into the input (an endless input stays endless). Moves nothing; resolves with the stock. */
  async loadBlanks(count: number): Promise<LoaderStock> {
    this.#loader.refill(count);
    return this.stock();
  }

  /** A person takes every disc out of a bin: `failed` the reject bin, `passed` the output. Moves nothing; resolves with the stock. */
  async emptyBin(verdict: DiscVerdict): Promise<LoaderStock> {
    this.#loader.emptyBin(verdict);
    return this.stock();
  }

  async fill(signal?: AbortSignal): Promise<LoaderStock> {
    if (this.#held !== null && this.#sim.disc === null) this.#held = null;
    const held = this.#held;
    if (held !== null) {
      if (!this.#loader.hasRoom(held)) return this.stock();
      this.#held = null;
      return this.#takeOut(held, signal);
    }
    // An empty drive with blanks left: open the (already open) tray again, which makes the drive load one.
    if (this.#sim.disc === null && !this.#loader.empty) {
      await this.#sim.eject(signal);
      await this.#loaded(signal);
    }
    return this.stock();
  }

  async afterDisc(verdict: DiscVerdict, signal?: AbortSignal): Promise<LoaderStock> {
    if (this.#sim.disc === null) return this.fill(signal);
    if (!this.#loader.hasRoom(verdict)) {
      this.#held = verdict;
      return this.stock();
    }
    return this.#takeOut(verdict, signal);
  }

  async #takeOut(verdict: DiscVerdict, signal?: AbortSignal): Promise<LoaderStock> {
    this.#loader.sortNext(verdict);
    await this.#sim.eject(signal);
    await this.#loaded(signal);
    return this.stock();
  }

  /** Wait until the drive holds a disc again (none left: at once), at most the load delay plus slack. */
  async #loaded(signal?: AbortSignal): Promise<void> {
    if (this.#sim.disc !== null || this.#loader.empty) return;
    const limit = AbortSignal.timeout(this.#loader.loadDelayMs * this.#sim.timeScale + LOAD_SLACK_MS);
    const until = signal === undefined ? limit : AbortSignal.any([signal, limit]);
    const sim = this.#sim;
    try {
      await new Promise<void>((resolve, reject) => {
        const cleanup = (): void => {
          sim.off('media-change', onChange);
          until.removeEventListener('abort', onAbort);
        };
        const onChange = (): void => {
          if (sim.disc === null) return;
          cleanup();
          resolve();
        };
        const onAbort = (): void => {
          cleanup();
          reject(until.reason as Error);
        };
        sim.on('media-change', onChange);
        until.addEventListener('abort', onAbort, { once: true });
        if (until.aborted) onAbort();
      });
    } catch (err) {
      if (signal?.aborted === true) throw new CancelledError('waiting for the auto-loader cancelled', { device: this.drive, cause: err });
      // The load did not come in time (the drive vanished, say): the stock says the drive is empty.
    }
  }
}
