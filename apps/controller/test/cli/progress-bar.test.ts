/**
 * The progress bar's ETA follows the average rate since progress started,
 * not the instantaneous one (issue 13 point 20: "ETA 0:01" at 28 % of a
 * 9.5 s burn), and a failure's line is never written onto the bar.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../src/cli/progress-bar.js';

function sink(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  let out = '';
  const stream = Object.assign(new Writable({ write(chunk: Buffer, _e, cb) { out += chunk.toString(); cb(); } }), { isTTY: true, columns: 120 });
  return { stream, text: () => out };
}

describe('ProgressBar', () => {
  it('estimates from the average rate since the start, not a momentary burst', () => {
    const clock = { t: 0 };
    const { stream, text } = sink();
    const bar = new ProgressBar({ stream, label: 'burn', now: () => clock.t });
    const total = 9_500_000;
    bar.update(100_000, total, '', 1_000_000);
    clock.t = 2_700;
    // 28 % after 2.7 s; the drive's buffer makes this instant look ten times faster.
    bar.update(2_660_000, total, '', 10_000_000);
    const last = text().split('\r').at(-1) ?? '';
    // At the average rate (about 0.95 MB/s) 6.84 MB take about 7 s, not 1.
    expect(last).toMatch(/ETA 0:07/);
  });

  it('clears its line on done(), so what follows starts a line of its own', () => {
    const { stream, text } = sink();
    const bar = new ProgressBar({ stream, label: 'burn' });
    bar.update(10, 100, '', 1);
    bar.done();
    expect(text().endsWith('\r\x1b[K')).toBe(true);
  });
});
