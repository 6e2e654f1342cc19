/**
 * The figures a drive status gives for the phase a copy is in (preparing,
 * writing, fixating, verifying): each phase with its own percent, speed,
 * time in the phase and ETA.
 *
 * - Writing and verifying move bytes: their percent is of the phase's own
 *   bytes and their ETA is what is left at the rate seen over the last few
 *   seconds (wall time, from the first byte of the phase on: a drive's
 *   spin-up before its first byte, or a simulated drive's time scale, does
 *   not skew it). A verify's speed is that measured read rate, in MB/s and
 *   in x of the disc's media class; a burn's is what the drive reports.
 * - Preparing and fixating move no bytes and have no speed: they give the
 *   time spent in the phase and, once this drive has been through the
 *   phase before, the time it took then as the expected duration (a percent
 *   by time and an ETA, while the phase is within it).
 *
 * {@link PhaseReporter} publishes these figures and, in the timed phases
 * where the drive may stay silent for many seconds, publishes them again
 * every second so the time in the phase keeps moving.
 */
import { mediaClassOf, ONE_X_BYTES_PER_SECOND } from 'node-cdrecord-wrapper';
import type { MediaType } from 'node-cdrecord-wrapper';
import type { DrivePhase } from './drive-status.js';

/** One progress report of a copy, as the burn or verify gave it. */
export interface PhaseSample {
  readonly phase: DrivePhase;
  /** Bytes done in the phase (written, read back); 0 in the phases that move none. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** The speed the drive reports (writing), x of the media. */
  readonly speedX?: number;
  /** The speed the drive reports (writing), MB/s. */
  readonly speedMBps?: number;
}

/** What a drive status says of the phase (see the module doc); absent fields are not known. */
export interface PhaseFigures {
  readonly phase: DrivePhase;
  /** Whole seconds since the phase began. */
  readonly phaseSeconds: number;
  /** 0..100 of the phase: of its bytes, or of its expected duration (then below 100). */
  readonly percent?: number;
  readonly speedX?: number;
  readonly speedMBps?: number;
  /** Seconds left in the phase, to a tenth. */
  readonly etaSeconds?: number;
}

/** Options of a {@link PhaseProgress}. */
export interface PhaseProgressOptions {
  /** Wall clock, ms. Default `performance.now`. */
  readonly now?: () => number;
  /** The rate is that over this much of the latest progress. Default 5000 ms. */
  readonly windowMs?: number;
  /** No rate (so no ETA) until the phase's bytes have been seen moving for this long. Default 400 ms. */
  readonly minSpanMs?: number;
}

/** Phases with no byte progress, timed instead. */
const TIMED: ReadonlySet<DrivePhase> = new Set(['preparing', 'fixating']);

/** Computes {@link PhaseFigures} for one drive; remembers how long its timed phases took. */
export class PhaseProgress {
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  #phase: DrivePhase | null = null;
  #startedAt = 0;
  #samples: { at: number; bytes: number }[] = [];
  /** How long each timed phase took the last time it ran to its end on this drive, ms. */
  readonly #took = new Map<DrivePhase, number>();

  constructor(options: PhaseProgressOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#windowMs = options.windowMs ?? 5000;
    this.#minSpanMs = options.minSpanMs ?? 400;
  }

  /** The phase being followed, or null between copies. */
  get phase(): DrivePhase | null {
    return this.#phase;
  }

  /** The figures after a progress report; `mediaType` gives a measured speed its x. */
  update(sample: PhaseSample, mediaType?: MediaType | null): PhaseFigures {
    const at = this.#now();
    if (sample.phase !== this.#phase) {
      // Phases only go forward (a test burn's end starts the real burn's preparing): the one before ended.
      this.end(true);
      this.#phase = sample.phase;
      this.#startedAt = at;
    }
    const base = { phase: sample.phase, phaseSeconds: Math.max(0, Math.floor((at - this.#startedAt) / 1000)) };
    if (TIMED.has(sample.phase)) return { ...base, ...this.#timed(sample.phase, at) };
    if (sample.bytesDone > 0) this.#sample(at, sample.bytesDone);
    const rate = this.#rate();
    const left = Math.max(0, sample.bytesTotal - sample.bytesDone);
    const percent = sample.bytesTotal > 0 ? Math.min(100, Math.round((sample.bytesDone / sample.bytesTotal) * 1000) / 10) : 0;
    const measured = sample.phase === 'verifying' ? measuredSpeed(rate, mediaType) : {};
    return {
      ...base,
      percent,
      ...(sample.phase === 'writing' && sample.speedX !== undefined ? { speedX: sample.speedX } : {}),
      ...(sample.phase === 'writing' && sample.speedMBps !== undefined ? { speedMBps: sample.speedMBps } : {}),
      ...measured,
      ...(rate === null ? {} : { etaSeconds: tenths(left / rate) }),
    };
  }

  /**
   * The phase being followed ended: `completed` when it ran to its end (a
   * timed phase's duration is then remembered), false when the copy failed
   * or was cancelled in it.
   */
  end(completed: boolean): void {
    const phase = this.#phase;
    if (phase !== null && completed && TIMED.has(phase)) this.#took.set(phase, this.#now() - this.#startedAt);
    this.#phase = null;
    this.#samples = [];
  }

  #timed(phase: DrivePhase, at: number): Pick<PhaseFigures, 'percent' | 'etaSeconds'> {
    const took = this.#took.get(phase);
    const elapsed = at - this.#startedAt;
    if (took === undefined || took <= 0 || elapsed >= took) return {};
    return { percent: Math.round((elapsed / took) * 1000) / 10, etaSeconds: tenths((took - elapsed) / 1000) };
  }

  #sample(at: number, bytes: number): void {
    const samples = this.#samples;
    samples.push({ at, bytes });
    while (samples.length > 2 && at - samples[1]!.at >= this.#windowMs) samples.shift();
  }

  /** Bytes per second over the window, or null when too little has been seen. */
  #rate(): number | null {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined) return null;
    const span = last.at - first.at;
    if (span < this.#minSpanMs || last.bytes <= first.bytes) return null;
    return ((last.bytes - first.bytes) / span) * 1000;
  }
}

function tenths(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A measured rate as MB/s and as x of the media's class. */
function measuredSpeed(bytesPerSecond: number | null, mediaType: MediaType | null | undefined): Pick<PhaseFigures, 'speedX' | 'speedMBps'> {
  if (bytesPerSecond === null) return {};
  const cls = mediaType == null ? null : mediaClassOf(mediaType);
  return {
    speedMBps: Math.round(bytesPerSecond / 1e4) / 100,
    ...(cls === null ? {} : { speedX: Math.round((bytesPerSecond / ONE_X_BYTES_PER_SECOND[cls]) * 10) / 10 }),
  };
}

/** Publishes a drive's {@link PhaseFigures}, again every `tickMs` while a timed phase is silent. */
export class PhaseReporter {
  readonly #progress: PhaseProgress;
  readonly #publish: (figures: PhaseFigures) => void;
  readonly #tickMs: number;
  #last: { sample: PhaseSample; mediaType: MediaType | null } | null = null;
  #timer: NodeJS.Timeout | null = null;

  /** `publish` is called with each report's figures; `tickMs` (default 1000) paces the repeats. */
  constructor(publish: (figures: PhaseFigures) => void, options: PhaseProgressOptions & { readonly tickMs?: number } = {}) {
    this.#progress = new PhaseProgress(options);
    this.#publish = publish;
    this.#tickMs = options.tickMs ?? 1000;
  }

  /** A progress report of the copy in flight. */
  report(sample: PhaseSample, mediaType: MediaType | null): void {
    this.#last = { sample, mediaType };
    this.#publish(this.#progress.update(sample, mediaType));
    this.#stopTimer();
    if (!TIMED.has(sample.phase)) return;
    this.#timer = setInterval(() => {
      if (this.#last !== null) this.#publish(this.#progress.update(this.#last.sample, this.#last.mediaType));
    }, this.#tickMs);
    this.#timer.unref();
  }

  /** The copy ended (`completed`: its last phase ran to its end); nothing is published until the next report. */
  end(completed: boolean): void {
    this.#stopTimer();
    this.#last = null;
    this.#progress.end(completed);
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
