/**
 * A simulated drive's bay: the tray, the disc in it, and its auto-loader,
 * which puts the next blank in after its load delay once the tray is open
 * and empty (a pending load never keeps an otherwise idle process alive).
 */
import type { AutoLoader } from './auto-loader.js';
import { createDisc } from './sim-disc.js';
import type { SimDisc } from './sim-disc.js';

/** What the bay asks of its drive. */
export interface DiscBayHooks {
  /** Wall milliseconds of model milliseconds. */
  readonly wallMs: (modelMs: number) => number;
  /** May a load due now go ahead (the drive connected and idle)? */
  readonly canLoad: () => boolean;
  /** The tray opened or closed. */
  readonly onTray: (open: boolean) => void;
  /** The auto-loader put a disc in (and closed the tray). */
  readonly onLoaded: () => void;
}

/** The tray, the disc and the auto-loader of a simulated drive. */
export class DiscBay {
  /** The disc in the drive, or null. */
  disc: SimDisc | null;
  #trayOpen = false;
  #loadTimer: NodeJS.Timeout | null = null;

  constructor(readonly autoLoader: AutoLoader | null, disc: SimDisc | null, private readonly hooks: DiscBayHooks) {
    this.disc = disc;
  }

  /** True while the tray is open. */
  get trayOpen(): boolean {
    return this.#trayOpen;
  }

  /** The disc the drive reads: null while the tray is open (a disc may wait on it, see `afterEject`). */
  get loaded(): SimDisc | null {
    return this.#trayOpen ? null : this.disc;
  }

  /**
   * The tray opened for an eject: an auto-loader takes the disc (to its bin)
   * and puts the next blank in after its delay; without one the disc stays
   * on the open tray, as on a real drive, until a person takes it or
   * `load()` closes the tray on it again (so a burned copy can be mastered).
   */
  afterEject(): void {
    if (this.autoLoader === null) return;
    this.autoLoader.takeOut(this.takeOut());
    this.scheduleLoad();
  }

  /** An operator puts a disc in: a pending load is forgotten, the tray closes. */
  insert(disc: SimDisc): void {
    this.cancelLoad();
    this.disc = disc;
    this.setTray(false);
  }

  /** Take the disc out (the tray as it is); returns it, or null. */
  takeOut(): SimDisc | null {
    const disc = this.disc;
    this.disc = null;
    return disc;
  }

  /** Open or close the tray (`onTray` when it moves). */
  setTray(open: boolean): void {
    if (this.#trayOpen === open) return;
    this.#trayOpen = open;
    this.hooks.onTray(open);
  }

  /** Have the auto-loader put its next blank in after its load delay (once; nothing without a loader or blanks). */
  scheduleLoad(): void {
    const loader = this.autoLoader;
    if (loader === null || this.#loadTimer !== null || loader.empty) return;
    this.#loadTimer = setTimeout(() => {
      this.#loadTimer = null;
      if (!this.hooks.canLoad() || this.disc !== null) return;
      const blank = loader.takeBlank();
      if (blank === null) return;
      this.disc = createDisc(blank);
      this.setTray(false);
      this.hooks.onLoaded();
    }, this.hooks.wallMs(loader.loadDelayMs));
    // A pending load must not keep an otherwise idle process alive.
    this.#loadTimer.unref();
  }

  /** Forget a pending load. */
  cancelLoad(): void {
    if (this.#loadTimer !== null) clearTimeout(this.#loadTimer);
    this.#loadTimer = null;
  }
}
