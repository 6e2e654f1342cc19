/**
 * The disc loader of one drive of a jukebox: a SCSI media changer (driven
 * with mtx, `MtxChanger`) whose data transfer element `element` is that
 * drive. Blanks wait in the input slots; a good disc goes to the first empty
 * output slot, a coaster to the first empty reject slot; then the first full
 * input slot's disc is loaded. See disc-loader-contract.ts for the contract.
 *
 * - Before the picker takes a disc out, the drive is opened (`Drive.eject`):
 *   a burner may leave the tray locked (PREVENT MEDIUM REMOVAL), and a
 *   changer may then move the disc in its inventory only (tgt does:
 *   `tgt-mtx-unload-locked-drive.txt`), leaving it in the drive.
 * - A disc with nowhere to go (output or reject slots all full) stays in the
 *   drive and is remembered (in memory) with its verdict; `fill()` finishes
 *   the move once a slot has room. A loader made afresh (the agent
 *   restarted) knows nothing of such a disc: the drive reports it as a
 *   disc that is not blank.
 * - After a load the drive is told to close its tray (`Drive.load`, failures
 *   ignored): the drive object forgets the disc it knew (a real drive keeps
 *   one media answer for a moment) and a tray left open is closed.
 * - Each call looks at the changer's inventory first (`mtx status`), so a
 *   person may fill the input, empty the outputs or take a disc out between
 *   calls. Loaders of the same changer move one at a time (`exclusive`).
 * - A slot or drive number the changer does not have is refused with a
 *   `ChangerError` (`no-such-element`) naming the numbers it has.
 */
import type { DiscLoader, DiscVerdict, LoaderSlots, LoaderStock } from '../disc-loader-contract.js';
import type { Drive } from '../drive-contract.js';
import { CancelledError } from '../errors.js';
import { ChangerError } from './changer-error.js';
import type { MtxChanger } from './mtx-changer.js';
import type { MtxStatus } from './mtx-status.js';

/** Options of a {@link ChangerLoader}. */
export interface ChangerLoaderOptions {
  readonly changer: MtxChanger;
  /** The drive the changer feeds. */
  readonly drive: Drive;
  /** The drive's data transfer element (mtx's drive number, from 0). */
  readonly element: number;
  /** Which slots hold blanks, take good discs and take coasters (mtx slot numbers; no slot in two roles). */
  readonly slots: LoaderSlots;
}

/** Check a loader's slot roles: each non-empty, integers >= 1, no slot twice. Throws RangeError. */
export function checkLoaderSlots(slots: LoaderSlots): void {
  const seen = new Map<number, string>();
  for (const role of ['input', 'output', 'reject'] as const) {
    const list = slots[role];
    if (list.length === 0) throw new RangeError(`a changer loader needs at least one ${role} slot`);
    for (const n of list) {
      if (!(Number.isSafeInteger(n) && n >= 1)) throw new RangeError(`${role} slot ${n} is not a slot number (1, 2, …)`);
      const other = seen.get(n);
      if (other !== undefined) throw new RangeError(`slot ${n} is both ${other} and ${role}`);
      seen.set(n, role);
    }
  }
}

/** A jukebox drive's loader, implementing the disc loader contract. */
export class ChangerLoader implements DiscLoader {
  readonly drive: string;
  readonly #o: ChangerLoaderOptions;
  /** The verdict of a done disc left in the drive for want of room, or null. */
  #held: DiscVerdict | null = null;

  constructor(options: ChangerLoaderOptions) {
    checkLoaderSlots(options.slots);
    if (!(Number.isSafeInteger(options.element) && options.element >= 0)) {
      throw new RangeError(`element must be a drive number (0, 1, …), got ${options.element}`);
    }
    this.#o = options;
    this.drive = options.drive.address;
  }

  /** The changer's device. */
  get device(): string {
    return this.#o.changer.device;
  }

  /** The slot roles. */
  get slots(): LoaderSlots {
    return this.#o.slots;
  }

  async stock(signal?: AbortSignal): Promise<LoaderStock> {
    return this.#o.changer.exclusive(async () => this.#stockOf(await this.#status(signal)));
  }

  async fill(signal?: AbortSignal): Promise<LoaderStock> {
    return this.#o.changer.exclusive(async () => this.#stockOf(await this.#fill(await this.#status(signal), signal)));
  }

  async afterDisc(verdict: DiscVerdict, signal?: AbortSignal): Promise<LoaderStock> {
    return this.#o.changer.exclusive(async () => {
      const status = await this.#status(signal);
      // Nothing in the drive as the changer sees it (taken out by hand): nothing to sort.
      this.#held = this.#driveFull(status) ? verdict : null;
      return this.#stockOf(await this.#fill(status, signal));
    });
  }

  /** The inventory, checked against the configured numbers. */
  async #status(signal?: AbortSignal): Promise<MtxStatus> {
    const status = await this.#o.changer.status(signal);
    const { element, slots } = this.#o;
    const device = this.#o.changer.device;
    if (!status.drives.some((d) => d.element === element)) {
      const has = status.drives.map((d) => d.element).join(', ') || 'none';
      throw new ChangerError('no-such-element', `${device} has no drive ${element} (its drives: ${has})`, { device });
    }
    const missing = [...slots.input, ...slots.output, ...slots.reject].filter((n) => n > status.slots.length);
    if (missing.length > 0) {
      throw new ChangerError('no-such-element', `${device} has no slot ${missing.join(', ')} (its slots: 1..${status.slots.length})`, { device });
    }
    return status;
  }

  /** Finish a held move when there is room, then load a blank into an empty drive. Returns the inventory after. */
  async #fill(status: MtxStatus, signal?: AbortSignal): Promise<MtxStatus> {
    const { changer, drive, element, slots } = this.#o;
    let now = status;
    if (this.#held !== null && !this.#driveFull(now)) this.#held = null;
    if (this.#held !== null) {
      const to = (this.#held === 'passed' ? slots.output : slots.reject).find((n) => !this.#slotFull(now, n));
      if (to === undefined) return now;
      // Open the drive so the picker gets the disc (a locked tray keeps it).
      await drive.eject(signal);
      await changer.unload(to, element, signal);
      this.#held = null;
      now = moved(now, { drive: element }, { slot: to });
    }
    if (!this.#driveFull(now)) {
      const from = slots.input.find((n) => this.#slotFull(now, n));
      if (from !== undefined) {
        await changer.load(from, element, signal);
        now = moved(now, { slot: from }, { drive: element });
        // Close the tray on the new disc; the drive object also forgets what it knew of the old one.
        await drive.load(signal).catch((err: unknown) => {
          if (err instanceof CancelledError) throw err;
        });
      }
    }
    return now;
  }

  #driveFull(status: MtxStatus): boolean {
    return status.drives.find((d) => d.element === this.#o.element)?.full === true;
  }

  #slotFull(status: MtxStatus, slot: number): boolean {
    return status.slots[slot - 1]?.full === true;
  }

  #stockOf(status: MtxStatus): LoaderStock {
    const { slots } = this.#o;
    const count = (list: readonly number[], full: boolean): number => list.filter((n) => this.#slotFull(status, n) === full).length;
    const driveLoaded = this.#driveFull(status);
    const blanks = count(slots.input, true);
    const outputFree = count(slots.output, false);
    const rejectFree = count(slots.reject, false);
    const needsPerson = this.#held === 'passed' && outputFree === 0 ? 'output-full'
      : this.#held === 'failed' && rejectFree === 0 ? 'reject-full'
        : !driveLoaded && blanks === 0 ? 'input-empty' : null;
    return {
      blanks,
      driveLoaded,
      passed: count(slots.output, true),
      rejected: count(slots.reject, true),
      outputFree,
      rejectFree,
      needsPerson,
      slots: { input: [...slots.input], output: [...slots.output], reject: [...slots.reject] },
    };
  }
}

type Place = { readonly drive: number } | { readonly slot: number };

/** The inventory after a disc moved from `from` to `to` (as the changer just said it did). */
function moved(status: MtxStatus, from: Place, to: Place): MtxStatus {
  const tag = 'drive' in from ? status.drives.find((d) => d.element === from.drive)?.volumeTag ?? null : status.slots[from.slot - 1]?.volumeTag ?? null;
  const source = 'slot' in from ? from.slot : null;
  return {
    device: status.device,
    drives: status.drives.map((d) => {
      if ('drive' in from && d.element === from.drive) return { ...d, full: false, sourceSlot: null, volumeTag: null };
      if ('drive' in to && d.element === to.drive) return { ...d, full: true, sourceSlot: source, volumeTag: tag };
      return d;
    }),
    slots: status.slots.map((s) => {
      if ('slot' in from && s.slot === from.slot) return { ...s, full: false, volumeTag: null };
      if ('slot' in to && s.slot === to.slot) return { ...s, full: true, volumeTag: tag };
      return s;
    }),
  };
}
