/**
 * The disc loader contract: what a robot that feeds one drive does, whatever
 * it is (a SCSI media changer driven with `mtx`, a simulated drive's
 * auto-loader). One interface, one contract suite (`describeDiscLoaderContract`
 * in drivers/test/contract) run against every backend.
 *
 * A loader holds blanks on its input side (a stack, or input slots), moves
 * the disc in its drive out once the tower has judged it (a good disc to an
 * output slot, a coaster to a reject slot), and loads the next blank. It
 * never loses a disc: when one has nowhere to go (the output or the reject
 * slots full) it stays in the drive, and the stock says what a person must
 * do; the loader finishes the move on its next `fill()` once there is room.
 *
 * The stock is facts (counts and slot numbers), never words: the controller's
 * drive views word them ("needs a person: load blank discs into slots 1–4").
 *
 * Failures of the robot itself are thrown as the typed errors of `errors.ts`
 * (`ChangerError` and its kinds in `changer/changer-errors.ts`).
 */
import type { DeviceAddress } from './drive-contract.js';

/** How a disc leaving the drive is sorted: `passed` to the output, `failed` to the reject slot(s). */
export type DiscVerdict = 'passed' | 'failed';

/**
 * Why the loader cannot go on without a person:
 * - `input-empty`: the drive is empty and no blank is left in the input;
 * - `output-full`: a good disc is held in the drive, every output slot is full;
 * - `reject-full`: a coaster is held in the drive, every reject slot is full.
 */
export type LoaderNeed = 'input-empty' | 'output-full' | 'reject-full';

/** Every {@link LoaderNeed}, for validation. */
export const LOADER_NEEDS: readonly LoaderNeed[] = ['input-empty', 'output-full', 'reject-full'];

/** The slot numbers of a loader with numbered slots (a changer's, as `mtx status` numbers them). */
export interface LoaderSlots {
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly reject: readonly number[];
}

/** What a loader holds now. */
export interface LoaderStock {
  /** Blank discs waiting in the input, the one in the drive not counted; null for an endless supply. */
  readonly blanks: number | null;
  /** A disc is in the drive (blank, burned, or held for want of room). */
  readonly driveLoaded: boolean;
  /** Good discs in the output now (a person may have taken some away). */
  readonly passed: number;
  /** Coasters in the reject slot(s) now. */
  readonly rejected: number;
  /** Places left in the output; null when unbounded. */
  readonly outputFree: number | null;
  /** Places left for coasters; null when unbounded. */
  readonly rejectFree: number | null;
  /** What stops the loader, or null while it can go on. */
  readonly needsPerson: LoaderNeed | null;
  /** Slot numbers, for loaders that have them (for the operator's words). */
  readonly slots?: LoaderSlots;
}

/**
 * A robot feeding one drive. Calls on one loader are serialised by its
 * caller (the drive's worker); loaders sharing one robot serialise their
 * moves among themselves.
 */
export interface DiscLoader {
  /** The drive it feeds (its address, as the drive was opened). */
  readonly drive: DeviceAddress;

  /** What the loader holds now. Moves nothing. */
  stock(signal?: AbortSignal): Promise<LoaderStock>;

  /**
   * Get the drive going: finish a move held back for want of room (once
   * there is room), then, when the drive is empty and a blank is left, load
   * it. Resolves with the stock once the drive holds the blank (or the
   * loader cannot load one: see `needsPerson`).
   */
  fill(signal?: AbortSignal): Promise<LoaderStock>;

  /**
   * The disc in the drive is done: open the drive, move the disc to an
   * output slot (`passed`) or a reject slot (`failed`), then `fill()`. When
   * no slot has room the disc stays in the drive and the stock says so
   * (`output-full` / `reject-full`). Resolves with the stock after the move.
   * `disc` says which disc it is, when the tower knows (a loader that names
   * what it keeps uses it; a robot's slots need not).
   */
  afterDisc(verdict: DiscVerdict, signal?: AbortSignal, disc?: LeavingDisc): Promise<LoaderStock>;
}

/** The disc leaving a drive, as the tower recorded it: its attempt, run and copy slot. */
export interface LeavingDisc {
  readonly runId: string;
  /** The copy slot (1..N, replacements beyond). */
  readonly copy: number;
  readonly attemptId: string;
  /** What the operator reads for the disc: a merged disc's (`serial 01003`) or a set's; absent for a plain copy. */
  readonly label?: string;
}

/** True when two stocks say the same (for publishing a change only when there is one). */
export function sameStock(a: LoaderStock | null | undefined, b: LoaderStock | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  const list = (x: readonly number[] | undefined, y: readonly number[] | undefined): boolean =>
    (x ?? []).length === (y ?? []).length && (x ?? []).every((v, i) => v === (y ?? [])[i]);
  return a.blanks === b.blanks && a.driveLoaded === b.driveLoaded && a.passed === b.passed && a.rejected === b.rejected
    && a.outputFree === b.outputFree && a.rejectFree === b.rejectFree && a.needsPerson === b.needsPerson
    && (a.slots === undefined) === (b.slots === undefined)
    && list(a.slots?.input, b.slots?.input) && list(a.slots?.output, b.slots?.output) && list(a.slots?.reject, b.slots?.reject);
}
