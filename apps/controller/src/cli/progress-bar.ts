/**
 * A one-line progress bar for the terminal. On a TTY it redraws in place; when
 * the output is not a terminal it prints a plain line at most every few
 * seconds, so logs stay readable.
 */
import type { Writable } from 'node:stream';
import { formatBytes, formatEta, formatPercent } from '../shared/units.js';

export interface ProgressBarOptions {
  readonly stream: Writable & { isTTY?: boolean; columns?: number };
  readonly label: string;
  /** Minimum time between plain (non-TTY) lines. */
  readonly plainIntervalMs?: number;
}

export class ProgressBar {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly options: ProgressBarOptions) {}

  /** Draw the current state; `detail` is extra text such as speed and buffer fill. */
  update(done: number, total: number, detail: string, bytesPerSecond: number): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const percent = formatPercent(fraction * 100).padStart(4);
    const eta = formatEta(bytesPerSecond > 0 ? (total - done) / bytesPerSecond : null);
    const text = `${this.options.label} ${percent} ${formatBytes(done)}/${formatBytes(total)} ${detail} ETA ${eta}`;
    const stream = this.options.stream;
    if (stream.isTTY) {
      const width = Math.max(10, Math.min(40, (stream.columns ?? 100) - text.length - 4));
      const filled = Math.round(fraction * width);
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = performance.now();
    if (now - this.lastPlain >= (this.options.plainIntervalMs ?? 5000) || fraction >= 1) {
      this.lastPlain = now;
      stream.write(`${text}\n`);
    }
  }

  /** Finish the bar's line. */
  done(message?: string): void {
    const stream = this.options.stream;
    if (stream.isTTY && this.drawn) stream.write('\r\x1b[K');
    if (message) stream.write(`${message}\n`);
  }
}
