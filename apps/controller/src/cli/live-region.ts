/**
 * A block of lines that updates in place on a terminal (cursor moved back up
 * and the lines rewritten), and that prints as plain blocks at most every few
 * seconds when the output is a file or a pipe, so logs stay readable.
 *
 * On a terminal every line is cleared to its end (`ESC[K`) and what is below
 * the block is cleared (`ESC[J`), so a shorter or narrower frame leaves
 * nothing of the last one. After the terminal is resized the old frame may
 * have been rewrapped to more rows than were drawn, so the next frame clears
 * the screen (`ESC[H ESC[2J`) and is drawn from its top. A frame never
 * wraps (lines are cut to the width) and never outgrows the screen's height.
 */
import type { OutputStream } from './controller-context.js';
import { ELLIPSIS, ellipsize } from './fitted-table.js';

/**
 * Characters a line written to `stream` may have: one less than the
 * terminal's columns (a line that fills the last column wraps on some
 * terminals); unbounded when the output is not a terminal.
 */
export function lineWidth(stream: OutputStream): number {
  // A pseudo-terminal without a size reports 0 columns.
  return stream.isTTY === true ? Math.max(20, (stream.columns || 120) - 1) : Number.POSITIVE_INFINITY;
}

/** Options of a {@link LiveRegion}. */
export interface LiveRegionOptions {
  readonly stream: OutputStream;
  /** Minimum time between plain (non-TTY) blocks, ms. Default 5000. */
  readonly plainIntervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
  /** Called when the terminal is resized (after the region has noted it), to draw the next frame at the new width at once. */
  readonly onResize?: () => void;
}

/** Lines redrawn in place on a TTY, printed periodically otherwise. */
export class LiveRegion {
  private drawnLines = 0;
  private lastPlain = Number.NEGATIVE_INFINITY;
  private lastText = '';
  /** The terminal was resized since the last frame: clear the screen before the next. */
  private resized = false;
  private readonly resizeListener = (): void => {
    this.resized = true;
    this.options.onResize?.();
  };

  constructor(private readonly options: LiveRegionOptions) {
    if (this.interactive) options.stream.on('resize', this.resizeListener);
  }

  /** True when the region redraws in place. */
  get interactive(): boolean {
    return this.options.stream.isTTY === true;
  }

  /** Characters a line may have ({@link lineWidth}). */
  get width(): number {
    return lineWidth(this.options.stream);
  }

  /**
   * Show `lines`. On a TTY they replace the previous lines (cut to
   * {@link width} with an ellipsis so nothing wraps; after a resize the
   * screen is cleared first). Otherwise they are printed when `force` is
   * set, or when they changed and the interval has passed.
   */
  render(lines: readonly string[], force = false): void {
    const stream = this.options.stream;
    if (this.interactive) {
      const width = this.width;
      const shown = this.fitHeight(lines);
      const start = this.resized ? '\x1b[H\x1b[2J' : this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
      const body = shown.map((l) => `${ellipsize(l, width)}\x1b[K\n`).join('');
      stream.write(`${start}${body}\x1b[J`);
      this.drawnLines = shown.length;
      this.resized = false;
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

  /** The lines that fit the terminal's height (one row kept for the cursor), the last saying how many more there are. */
  private fitHeight(lines: readonly string[]): readonly string[] {
    const rows = this.options.stream.rows ?? 0;
    if (rows < 3 || lines.length <= rows - 1) return lines;
    const kept = lines.slice(0, rows - 2);
    return [...kept, `${ELLIPSIS} ${lines.length - kept.length} more lines (a taller terminal shows them)`];
  }

  /** Leave the last drawing on screen and start fresh below it; resizes are no longer followed. */
  done(): void {
    this.drawnLines = 0;
    this.options.stream.off('resize', this.resizeListener);
  }
}
