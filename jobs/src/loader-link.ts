/**
 * A drive worker's link to the disc loader of its drive (a jukebox's changer,
 * a simulated auto-loader: `DiscLoader` of node-cdrecord-wrapper): it calls
 * the loader, keeps its last stock as the fact the worker publishes with the
 * drive's state (`DriveStatus.loader`), and turns a loader failure into a
 * fact too (`LoaderFacts.error`) instead of failing a copy or the loop.
 *
 * The published object keeps its identity while the stock says the same, so
 * the drive's progress updates stay progress updates (statuses are compared
 * field by field, by identity).
 */
import { isDriveError, sameStock } from 'node-cdrecord-wrapper';
import type { DiscLoader, DiscVerdict, LeavingDisc, LoaderStock } from 'node-cdrecord-wrapper';

/** A status update with the loader's facts added, when the drive has a loader and it has been asked. */
export function withLoader<T extends object>(update: T, link: LoaderLink | null): T & { loader?: LoaderFacts } {
  const facts = link?.facts ?? null;
  return facts === null ? update : { ...update, loader: facts };
}

/** What a drive's status says of its loader: its stock, and its last failure while that lasts. */
export interface LoaderFacts extends LoaderStock {
  /** The loader's last call failed (the changer gone, a move refused): its code and words. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** The loader of one drive, as its worker uses it. */
export class LoaderLink {
  readonly #loader: DiscLoader;
  readonly #onError: (err: unknown) => void;
  #facts: LoaderFacts | null = null;

  constructor(loader: DiscLoader, onError: (err: unknown) => void) {
    this.#loader = loader;
    this.#onError = onError;
  }

  /** The last facts (null before the loader was first asked). */
  get facts(): LoaderFacts | null {
    return this.#facts;
  }

  /** Ask the loader for its stock. Resolves with the facts (never rejects). */
  refresh(signal?: AbortSignal): Promise<LoaderFacts | null> {
    return this.#call(() => this.#loader.stock(signal), signal);
  }

  /** Have the loader fill an empty drive (and finish a held move). Resolves with the facts (never rejects). */
  fill(signal?: AbortSignal): Promise<LoaderFacts | null> {
    return this.#call(() => this.#loader.fill(signal), signal);
  }

  /** The disc in the drive is done: have the loader sort it and load the next. Never rejects. */
  async afterDisc(verdict: DiscVerdict, signal?: AbortSignal, disc?: LeavingDisc): Promise<void> {
    await this.#call(() => this.#loader.afterDisc(verdict, signal, disc), signal);
  }

  /** Run a loader call; a failure becomes the facts' error, unless `signal` cut it short (the worker stopping): then the facts stay. */
  async #call(work: () => Promise<LoaderStock>, signal?: AbortSignal): Promise<LoaderFacts | null> {
    try {
      this.#keep(await work());
    } catch (err) {
      if (signal?.aborted === true) return this.#facts;
      this.#onError(err);
      const code = isDriveError(err) ? err.code : 'LOADER_FAILED';
      const message = err instanceof Error ? err.message : String(err);
      const base: LoaderStock = this.#facts ?? { blanks: null, driveLoaded: false, passed: 0, rejected: 0, outputFree: null, rejectFree: null, needsPerson: null };
      const { error: _error, ...stock } = base as LoaderFacts;
      if (this.#facts?.error?.code !== code || this.#facts.error.message !== message) this.#facts = { ...stock, error: { code, message } };
    }
    return this.#facts;
  }

  #keep(stock: LoaderStock): void {
    if (this.#facts !== null && this.#facts.error === undefined && sameStock(this.#facts, stock)) return;
    this.#facts = stock;
  }
}
