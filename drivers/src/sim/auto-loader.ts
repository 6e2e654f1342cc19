/**
 * An auto-loader for a simulated drive: a stack of blanks on the input side
 * and output bins. After each eject the drive hands the disc to the loader,
 * which drops it in the passed, failed or unsorted bin and, after a short
 * delay, loads the next blank and closes the tray, so a demo runs unattended.
 * When the stack is empty the drive stays empty.
 *
 * The loader only keeps the counts; the drive owns the timer.
 */
import type { DiscVerdict } from '../disc-loader-contract.js';
import type { MediaType } from '../drive-contract.js';
import type { DiscSpec, SimDisc } from './sim-disc.js';

export type { DiscVerdict } from '../disc-loader-contract.js';

export interface AutoLoaderOptions {
  /** The blanks on the stack. */
  readonly media: MediaType | DiscSpec;
  /** Blanks on the stack; omitted or Infinity for an endless supply. */
  readonly stack?: number;
  /** Model milliseconds from the tray opening to the next blank being loaded. Default 6000. */
  readonly loadDelayMs?: number;
  /** Discs each bin holds; omitted or Infinity: no limit (see `SimDiscLoader`, which keeps a disc in the drive when its bin is full). */
  readonly binCapacity?: { readonly passed?: number; readonly failed?: number };
}

/** Discs in the output bins. */
export interface OutputBins {
  readonly passed: number;
  readonly failed: number;
  /** Discs removed without a verdict (also blanks ejected unused). */
  readonly unsorted: number;
}

/** The loader's stack and bins. */
export class AutoLoader {
  /** What each blank is. */
  readonly media: MediaType | DiscSpec;
  /** Model milliseconds between an eject and the next blank being in the drive. */
  readonly loadDelayMs: number;
  #remaining: number;
  #loaded = 0;
  #verdict: DiscVerdict | null = null;
  readonly #bins = { passed: 0, failed: 0, unsorted: 0 };
  /** Discs each verdict's bin holds (Infinity: no limit). */
  readonly capacity: Readonly<Record<DiscVerdict, number>>;

  constructor(options: AutoLoaderOptions) {
    const stack = options.stack ?? Infinity;
    if (!(stack === Infinity || (Number.isSafeInteger(stack) && stack >= 0))) {
      throw new RangeError(`stack must be a non-negative integer, got ${stack}`);
    }
    const delay = options.loadDelayMs ?? 6_000;
    if (!(Number.isFinite(delay) && delay >= 0)) throw new RangeError(`loadDelayMs must be >= 0, got ${delay}`);
    this.media = options.media;
    this.loadDelayMs = delay;
    this.#remaining = stack;
    const cap = (n: number | undefined, bin: string): number => {
      const c = n ?? Infinity;
      if (!(c === Infinity || (Number.isSafeInteger(c) && c >= 0))) throw new RangeError(`binCapacity.${bin} must be a non-negative integer, got ${c}`);
      return c;
    };
    this.capacity = { passed: cap(options.binCapacity?.passed, 'passed'), failed: cap(options.binCapacity?.failed, 'failed') };
  }

  /** Blanks left on the stack (Infinity when endless). */
  get remaining(): number {
    return this.#remaining;
  }

  /** True when no blank is left. */
  get empty(): boolean {
    return this.#remaining <= 0;
  }

  /** Blanks loaded so far. */
  get loaded(): number {
    return this.#loaded;
  }

  /** Counts of the output bins. */
  get bins(): OutputBins {
    return { ...this.#bins };
  }

  /** True when the bin of `verdict` has room for one more disc. */
  hasRoom(verdict: DiscVerdict): boolean {
    return this.#bins[verdict] < this.capacity[verdict];
  }

  /** A person empties a bin (`passed` or `failed`). */
  emptyBin(verdict: DiscVerdict): void {
    this.#bins[verdict] = 0;
  }

  /** Sort the disc now in the drive into this bin when it is next removed. */
  sortNext(verdict: DiscVerdict): void {
    this.#verdict = verdict;
  }

  /** Put more blanks on the stack. */
  refill(count: number): void {
    if (!(Number.isSafeInteger(count) && count >= 0)) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    this.#remaining += count;
  }

  /** The drive ejected `disc`: drop it in its bin. */
  takeOut(disc: SimDisc | null): void {
    const verdict = this.#verdict;
    this.#verdict = null;
    if (disc === null) return;
    if (verdict === null) this.#bins.unsorted++;
    else this.#bins[verdict]++;
  }

  /** The next blank from the stack, or null when it is empty. */
  takeBlank(): MediaType | DiscSpec | null {
    if (this.#remaining <= 0) return null;
    this.#remaining--;
    this.#loaded++;
    return this.media;
  }
}
