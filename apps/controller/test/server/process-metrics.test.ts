/**
 * Benchmark metrics: one line a second, and on SIGUSR2 a line with the lag
 * distribution of every tick since the previous mark, so a blocked event
 * loop inside the window shows in it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcessMetrics } from '../../src/server/process-metrics.js';
import type { ProcessMetricsLine } from '../../src/server/process-metrics.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('process metrics', () => {
  it('writes a window line on SIGUSR2 that holds a 150 ms block of the event loop', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tower-metrics-'));
    dirs.push(dir);
    const file = path.join(dir, 'm.jsonl');
    const metrics = startProcessMetrics(file, 'test', 60_000);
    try {
      await sleep(50);
      process.kill(process.pid, 'SIGUSR2'); // start of the window
      await sleep(50);
      const until = Date.now() + 150;
      while (Date.now() < until) {
        // block the event loop
      }
      await sleep(100);
      process.kill(process.pid, 'SIGUSR2'); // end of the window
      await sleep(50);
    } finally {
      await metrics.stop();
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ProcessMetricsLine);
    const windows = lines.filter((l) => l.window !== undefined);
    expect(windows).toHaveLength(2);
    const during = windows[1];
    expect(during?.window?.maxMs).toBeGreaterThanOrEqual(140);
    expect(during?.window?.ticks).toBeGreaterThan(0);
    expect(lines.every((l) => l.resolutionMs === 10 && l.role === 'test')).toBe(true);
  });
});
