/**
 * A block of lines that updates in place on a terminal (cursor moved back up
 * and the lines rewritten), and that prints as plain blocks at most every few
 * seconds when the output is a file or a pipe, so logs stay readable.
 */
import type { OutputStream } from './controller-context.js';

/** Options of a {@link LiveRegion}. */
export interface LiveRegionOptions {
  readonly stream: OutputStream;
  /** Minimum time between plain (non-TTY) blocks, ms. Default 5000. */
  readonly plainIntervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** Lines redrawn in place on a TTY, printed periodically otherwise. */
export class LiveRegion {
  private drawnLines = 0;
  private lastPlain = Number.NEGATIVE_INFINITY;
  private lastText = '';

  constructor(private readonly options: LiveRegionOptions) {}

  /** True when the region redraws in place. */
  get interactive(): boolean {
    return this.options.stream.isTTY === true;
  }

  /**
   * Show `lines`. On a TTY they replace the previous lines (cut to the
   * terminal's width so nothing wraps). Otherwise they are printed when
   * `force` is set, or when they changed and the interval has passed.
   */
  render(lines: readonly string[], force = false): void {
    const stream = this.options.stream;
    if (this.interactive) {
      // A pseudo-terminal without a size reports 0 columns.
      const width = Math.max(20, (stream.columns || 120) - 1);
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
      const body = lines.map((l) => `${l.length > width ? l.slice(0, width) : l}\x1b[K\n`).join('');
      stream.write(`${up}${body}\x1b[J`);
      this.drawnLines = lines.length;
      return;
    }
    const now = (this.options.now ?? Date.now)();
    const text = lines.join('\n');
    const due = now - this.lastPlain >= (this.options.plainIntervalMs ?? 5000);
    if (force || (due && text !== this.lastText)) {
      stream.write(`${text}\n`);
      this.lastPlain = now;
      this.lastText = text;
    }
  }

  /** Leave the last drawing on screen and start fresh below it. */
  done(): void {
    this.drawnLines = 0;
  }
}
