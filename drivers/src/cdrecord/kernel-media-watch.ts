/**
 * `watch()` for a real drive: a disc coming into an empty drive, seen in the
 * kernel's media change count (`/sys/class/block/srN/diskseq`, see
 * media-recheck.ts) instead of by the next full media query.
 *
 * An empty drive has nothing to remember, so each look at it is a full query
 * (cdrskin `-minfo`: a program start and a dozen SCSI commands, the better
 * part of a second on a slow host), and a tower drive looks about once a
 * second: a blank a person or loader puts in waits half a second or more,
 * plus a query, before anyone sees it. While a drive waits for a disc, the
 * watch opens the device node every `intervalMs` (read-only, non-blocking:
 * no program, no disc needed) and reads the count; the kernel moves it when
 * that open finds a disc that was not there. A change is reported as a
 * `media-change` event without the media (the caller asks `media()`, which
 * sees the count moved and asks the drive in full).
 *
 * The drive waits for a disc from a full query that said none (the count
 * read just after it is the baseline: a change that query's own open found
 * is already in its answer) until a query finds a disc, or until nobody has
 * asked for `idleAfterMs`: a drive nobody looks at (quarantined, or a bench's
 * bare loop using it) is not opened behind its users' backs. It never opens
 * the device while this process holds the drive (`busy`): a burn or read of
 * our own is not disturbed by the kernel's media checks. A disc whose arrival
 * moves no count (a loader that swapped it between two opens) is found by
 * the caller's own looks, as before.
 */
import type { MediaStatus } from '../drive-contract.js';
import { openAndClose, readDiskSeq } from './media-recheck.js';

/** How a real drive watches for discs (`CdrecordDriveOptions.mediaWatch`). */
export interface KernelMediaWatchOptions {
  /** Ms between two opens while the drive waits for a disc; default 250. */
  readonly intervalMs?: number;
  /** Stop opening when no query said "no disc" for this long (ms); default 3000. */
  readonly idleAfterMs?: number;
  /** Where sysfs lists block devices (tests); default `/sys/class/block`. */
  readonly sysClassBlock?: string;
}

/** Watches one device node's media change count while its drive waits for a disc. */
export class KernelMediaWatch {
  readonly #device: string;
  readonly #busy: () => boolean;
  readonly #intervalMs: number;
  readonly #idleAfterMs: number;
  readonly #sys: string | undefined;
  readonly #listeners = new Set<() => void>();
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  /** The count after the last query that found no disc; null when the drive is not waiting. */
  #baseline: string | null = null;
  /** When a query last found no disc (Date.now()). */
  #emptyAt = 0;

  /** @param busy true while this process holds the drive (a burn, read or blank of its own). */
  constructor(device: string, busy: () => boolean, options: KernelMediaWatchOptions = {}) {
    this.#device = device;
    this.#busy = busy;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#idleAfterMs = options.idleAfterMs ?? 3000;
    this.#sys = options.sysClassBlock;
  }

  /** Note a full query's answer: no disc starts (or goes on) waiting, a disc ends it. */
  async noteAnswer(media: MediaStatus): Promise<void> {
    if (media.status !== 'none') {
      this.#baseline = null;
      return;
    }
    const seq = await readDiskSeq(this.#device, this.#sys);
    this.#baseline = seq;
    this.#emptyAt = seq === null ? 0 : Date.now();
  }

  /** Call `onChange` when the kernel counts a disc coming in while the drive waits; returns the function that stops it. */
  watch(onChange: () => void): () => void {
    const listener = (): void => onChange();
    this.#listeners.add(listener);
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.#tick(), this.#intervalMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer !== null) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }

  async #tick(): Promise<void> {
    const baseline = this.#baseline;
    if (this.#ticking || baseline === null || this.#busy() || Date.now() - this.#emptyAt > this.#idleAfterMs) return;
    this.#ticking = true;
    try {
      await openAndClose(this.#device);
      const seq = await readDiskSeq(this.#device, this.#sys);
      // A query meanwhile moved the baseline (or ended the wait): its answer stands.
      if (seq === null || seq === baseline || this.#baseline !== baseline) return;
      this.#baseline = seq;
      for (const listener of [...this.#listeners]) listener();
    } finally {
      this.#ticking = false;
    }
  }
}
