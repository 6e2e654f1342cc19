/**
 * Turns a burn tool's output chunks into contract `BurnProgress` reports:
 * splits lines, follows tracks and phases, converts MiB and x figures, and
 * keeps reports to a few per second.
 */
import type { BurnProgress } from '../drive-contract.js';
import { LineSplitter, parseBurnProgressLine } from '../parse/burn-progress.js';
import type { BurnLine } from '../parse/burn-progress.js';

const MIB = 1024 * 1024;

export interface ProgressReporterOptions {
  readonly bytesTotal: number;
  /** Bytes per second of the tool's "1x" (DVD units for cdrskin on stdio; the media's class on real drives). */
  readonly oneXBytesPerSecond: number;
  readonly onProgress?: (progress: BurnProgress) => void;
  /** Minimum time between two writing reports. Default 200 ms. */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
}

/** Feeds tool output in, calls `onProgress`. One instance per burn. */
export class BurnProgressReporter {
  private readonly stdout = new LineSplitter();
  private readonly stderr = new LineSplitter();
  private phase: BurnProgress['phase'] = 'preparing';
  private bytesWritten = 0;
  /** Bytes of tracks finished before the current one. */
  private completedTracksBytes = 0;
  private currentTrack: number | null = null;
  private currentTrackBytes = 0;
  private lastEmit = -Infinity;
  private trailing: NodeJS.Timeout | undefined;
  private lastEmitted: BurnProgress | null = null;
  private lastPending = '';
  private rateSample: { at: number; bytes: number } | null = null;
  private speedX = 0;
  private fifoPercent: number | undefined;
  private bufferPercent: number | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ProgressReporterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Report the start (phase `preparing`). */
  start(): void {
    this.emit(true);
  }

  /**
   * The tool has finished successfully having written `bytesWritten`: report
   * the final figures (cdrskin prints no progress line at all for images
   * that fit its 4 MiB fifo, and the rate limit may have held the last back).
   */
  finish(bytesWritten: number): void {
    for (const line of [...this.stdout.flush(), ...this.stderr.flush()]) {
      if (line !== this.lastPending) this.line(line);
    }
    this.close();
    const final = Math.min(bytesWritten, this.options.bytesTotal);
    if (final > this.bytesWritten) {
      this.bytesWritten = final;
      if (this.phase === 'preparing') this.phase = 'writing';
    }
    this.emit(true);
  }

  /**
   * The tool runs again (a write mode was refused before any byte was
   * written): drop what is left of the last run's output and follow the new
   * one. The phase reached is kept (phases never go back) and the byte count,
   * 0 by then, carries on.
   */
  nextRun(): void {
    this.stdout.flush();
    this.stderr.flush();
    this.lastPending = '';
    this.rateSample = null;
    this.currentTrack = null;
    this.currentTrackBytes = 0;
    this.completedTracksBytes = this.bytesWritten;
  }

  /** Feed a stdout chunk. */
  stdoutChunk(chunk: string): void {
    this.feed(this.stdout, chunk);
  }

  /** Feed a stderr chunk. */
  stderrChunk(chunk: string): void {
    this.feed(this.stderr, chunk);
  }

  private feed(splitter: LineSplitter, chunk: string): void {
    for (const line of splitter.push(chunk)) {
      if (line === this.lastPending) {
        this.lastPending = '';
        continue;
      }
      this.line(line);
    }
    // cdrskin's progress line arrives without a terminator; show it now rather than at the next chunk.
    const pending = splitter.pending;
    if (pending !== this.lastPending && /(?:x|written)\.\s*$/.test(pending)) {
      const parsed = parseBurnProgressLine(pending);
      if (parsed?.kind === 'progress') {
        this.lastPending = pending;
        this.apply(parsed);
      }
    }
  }

  /** Feed one complete line. */
  line(line: string): void {
    const parsed = parseBurnProgressLine(line);
    if (parsed) this.apply(parsed);
  }

  private apply(parsed: BurnLine): void {
    switch (parsed.kind) {
      case 'progress': {
        if (this.phase === 'fixating') return; // cdrdao's lead-out counter restarts at 0
        if (parsed.track !== null && this.currentTrack !== null && parsed.track > this.currentTrack) {
          this.completedTracksBytes += this.currentTrackBytes;
          this.currentTrackBytes = 0;
        }
        if (parsed.track !== null) this.currentTrack = parsed.track;
        this.currentTrackBytes = parsed.writtenMiB * MIB;
        const bytes = Math.min(this.completedTracksBytes + this.currentTrackBytes, this.options.bytesTotal);
        this.bytesWritten = Math.max(this.bytesWritten, bytes);
        this.speedX = parsed.speedX ?? this.measuredSpeedX();
        if (parsed.fifoPercent !== null) this.fifoPercent = parsed.fifoPercent;
        if (parsed.bufferPercent !== null) this.bufferPercent = parsed.bufferPercent;
        // "0 of N MB written" while the drive calibrates or writes its lead-in: no data yet, still preparing.
        if (this.phase === 'preparing' && this.bytesWritten === 0) {
          this.speedX = 0;
          return;
        }
        const phaseChanged = this.phase !== 'writing';
        this.phase = 'writing';
        this.emit(phaseChanged || this.bytesWritten >= this.options.bytesTotal);
        return;
      }
      case 'total':
        // The track is done: show its last figures even if they came too fast to report.
        this.emit(true);
        return;
      case 'phase':
        if (parsed.phase === 'writing' && this.phase === 'preparing') {
          this.phase = 'writing';
          this.emit(true);
        }
        if (parsed.phase === 'fixating' && this.phase !== 'fixating') {
          this.phase = 'fixating';
          this.speedX = 0;
          this.emit(true);
        }
        return;
      default:
        return;
    }
  }

  /** x figure from the byte rate, for tools that print none (cdrdao). */
  private measuredSpeedX(): number {
    const at = this.now();
    const previous = this.rateSample;
    this.rateSample = { at, bytes: this.bytesWritten };
    if (!previous || at <= previous.at) return this.speedX;
    const rate = ((this.bytesWritten - previous.bytes) * 1000) / (at - previous.at);
    return Math.max(0, rate / this.options.oneXBytesPerSecond);
  }

  /** Stop the pending rate-limited report, if any (call when the run has ended). */
  close(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = undefined;
  }

  private emit(force: boolean): void {
    const at = this.now();
    const interval = this.options.minIntervalMs ?? 200;
    if (!force && at - this.lastEmit < interval) {
      // Report the latest figures once the interval is over (cdrskin may go quiet for seconds).
      this.trailing ??= setTimeout(() => {
        this.trailing = undefined;
        this.emit(true);
      }, interval - (at - this.lastEmit));
      this.trailing.unref();
      return;
    }
    this.close();
    const speedX = Math.round(this.speedX * 10) / 10;
    const progress: BurnProgress = {
      phase: this.phase,
      bytesWritten: this.bytesWritten,
      bytesTotal: this.options.bytesTotal,
      speedX,
      speedMBps: Math.round(((speedX * this.options.oneXBytesPerSecond) / 1e6) * 100) / 100,
      ...(this.fifoPercent === undefined ? {} : { fifoPercent: this.fifoPercent }),
      ...(this.bufferPercent === undefined ? {} : { bufferPercent: this.bufferPercent }),
      ...(this.currentTrack === null ? {} : { track: this.currentTrack }),
    };
    const last = this.lastEmitted;
    if (last && last.phase === progress.phase && last.bytesWritten === progress.bytesWritten && last.speedX === progress.speedX) return;
    this.lastEmit = at;
    this.lastEmitted = progress;
    this.options.onProgress?.(progress);
  }
}
