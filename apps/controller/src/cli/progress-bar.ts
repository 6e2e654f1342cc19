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
  /** Monotonic clock, ms; default `performance.now`. */
  readonly now?: () => number;
}

export class ProgressBar {
  private lastPlain = 0;
  private drawn = false;
  /** When and at what count the progress started moving: the ETA's rate is the average since. */
  private start: { at: number; done: number } | null = null;

  constructor(private readonly options: ProgressBarOptions) {}

  /** Draw the current state; `detail` is extra text such as speed and buffer fill. */
  update(done: number, total: number, detail: string, bytesPerSecond: number): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const percent = formatPercent(fraction * 100).padStart(4);
    const eta = formatEta(this.etaSeconds(done, total, bytesPerSecond));
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

  /**
   * Seconds left at the average rate since the progress started moving (the
   * instantaneous rate swings with the drive's buffer and lead-in); the
   * given rate only until a second of progress has been seen.
   */
  private etaSeconds(done: number, total: number, bytesPerSecond: number): number | null {
    const now = (this.options.now ?? (() => performance.now()))();
    if (this.start === null && done > 0) this.start = { at: now, done };
    const elapsed = this.start === null ? 0 : (now - this.start.at) / 1000;
    const average = this.start !== null && elapsed >= 1 ? (done - this.start.done) / elapsed : 0;
    const rate = average > 0 ? average : bytesPerSecond;
    return rate > 0 ? Math.max(0, total - done) / rate : null;
  }

  /** Finish the bar's line. */
  done(message?: string): void {
    const stream = this.options.stream;
    if (stream.isTTY && this.drawn) stream.write('\r\x1b[K');
    if (message) stream.write(`${message}\n`);
  }
}
