/**
 * Opt-in process metrics for benchmarks: when `metricsFile` is configured
 * (`TOWER_METRICS_FILE`), append one JSON line a second to it:
 * `{ t, role, pid, lagP99Ms, lagMaxMs, rssMB, heapMB, cpuUserMs, cpuSystemMs }`.
 * Event-loop lag comes from `perf_hooks.monitorEventLoopDelay` (reset after
 * each line, so each line is the last second's); CPU times are cumulative.
 * The histogram records the time between ticks of a `resolutionMs` timer, so
 * an idle loop reads `resolutionMs`: the lag is what exceeds it.
 *
 * Windows: on SIGUSR2 the process writes a line at once with `window`, the
 * lag distribution of every tick since the previous SIGUSR2 (or the start),
 * and starts a new window. A benchmark signals at the start and at the end
 * of what it measures and reads the p99 of all ticks in between, not only
 * per-second figures.
 * Off by default: nothing is sampled or written.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One line of the metrics file. */
export interface ProcessMetricsLine {
  /** Wall clock, ms since the epoch. */
  readonly t: number;
  readonly role: string;
  readonly pid: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly rssMB: number;
  readonly heapMB: number;
  /** Cumulative since the process started. */
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** The sampling timer's interval, included in every lag figure above (the raw histogram's). */
  readonly resolutionMs: number;
  /** Only on lines written for SIGUSR2: the lag since the previous one, raw (resolution included). */
  readonly window?: { readonly ticks: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
}

/** Started metrics; `stop` writes a last line and ends sampling. */
export interface ProcessMetrics {
  stop(): Promise<void>;
}

const RESOLUTION_MS = 10;

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Start writing metrics lines to `file` every `intervalMs` (default 1000). */
export function startProcessMetrics(file: string, role: string, intervalMs = 1000): ProcessMetrics {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const windowed = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  windowed.enable();
  const write = (mark = false): void => {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const line: ProcessMetricsLine = {
      t: Date.now(),
      role,
      pid: process.pid,
      lagP50Ms: round(histogram.percentile(50) / 1e6),
      lagP99Ms: round(histogram.percentile(99) / 1e6),
      lagMaxMs: round(histogram.max / 1e6),
      rssMB: round(mem.rss / 1048576, 1),
      heapMB: round(mem.heapUsed / 1048576, 1),
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      resolutionMs: RESOLUTION_MS,
      ...(mark ? {
        window: {
          ticks: windowed.count,
          p50Ms: round(windowed.percentile(50) / 1e6),
          p99Ms: round(windowed.percentile(99) / 1e6),
          maxMs: round(windowed.max / 1e6),
        },
      } : {}),
    };
    histogram.reset();
    if (mark) windowed.reset();
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // Metrics are best effort: a full disk must not stop the tower.
    }
  };
  const timer = setInterval(write, intervalMs);
  timer.unref();
  const onMark = (): void => write(true);
  process.on('SIGUSR2', onMark);
  return {
    async stop() {
      clearInterval(timer);
      process.off('SIGUSR2', onMark);
      write();
      histogram.disable();
      windowed.disable();
    },
  };
}
