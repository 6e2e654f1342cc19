/**
 * Realistic write, read and blank timing of optical media, as pure functions,
 * so the simulated drive and throughput benchmarks compute the same numbers.
 *
 * Geometry: the data zone runs from an inner radius r0 to the outer radius r1
 * (CD 25→58 mm, DVD and BD 24→58 mm). A position p in [0,1] of a layer's
 * capacity lies at radius r(p) = sqrt(r0² + (r1² − r0²)·p), since the area
 * (and so the data) grows with r². At constant angular velocity (CAV) the
 * linear speed, and so the x rating, is proportional to the radius: a 48x CD
 * writer starts at 48·25/58 ≈ 20.7x and reaches 48x at the edge. A speed cap
 * below the inner speed gives a constant speed (CLV); a cap between inner and
 * outer speed gives partial CAV (CAV until the cap, then constant).
 *
 * Dual-layer media: layer 0 covers the first half of the capacity from inside
 * out, layer 1 (opposite track path) the second half from outside in.
 *
 * All durations are model milliseconds (real-world time); the simulated drive
 * scales them with its `timeScale`, while speeds stay the real figures.
 */
import type { MediaType } from '../drive-contract.js';
import { mediaClassOf, ONE_X_BYTES_PER_SECOND, SECTOR_BYTES } from '../media.js';
import type { MediaClass } from '../media.js';

/** Timing characteristics of a drive writing one media class. */
export interface SpeedProfile {
  readonly mediaClass: MediaClass;
  /** Highest write speed (x) the drive reaches, at the outer edge. */
  readonly maxWriteX: number;
  /** Highest read speed (x), CAV, at the outer edge. */
  readonly maxReadX: number;
  readonly innerRadiusMm: number;
  readonly outerRadiusMm: number;
  readonly layers: 1 | 2;
  /** Spin-up, power calibration (OPC) and lead-in before data is written. */
  readonly leadInMs: number;
  /** Fixation: lead-out and closing the disc after the data. */
  readonly fixateMs: number;
  /** Spin-up and seek before the first byte is read. */
  readonly readSpinUpMs: number;
  /** Quick blank (or quick format) of rewritable media. */
  readonly fastBlankMs: number;
}

/** Profiles of a current BD writer (which also sets the CD and DVD figures). */
export const SPEED_PROFILES: Readonly<Record<MediaClass, SpeedProfile>> = {
  cd: {
    mediaClass: 'cd', maxWriteX: 48, maxReadX: 48, innerRadiusMm: 25, outerRadiusMm: 58, layers: 1,
    leadInMs: 6_000, fixateMs: 9_000, readSpinUpMs: 1_500, fastBlankMs: 30_000,
  },
  dvd: {
    mediaClass: 'dvd', maxWriteX: 16, maxReadX: 16, innerRadiusMm: 24, outerRadiusMm: 58, layers: 1,
    leadInMs: 10_000, fixateMs: 30_000, readSpinUpMs: 2_000, fastBlankMs: 60_000,
  },
  'dvd-dl': {
    mediaClass: 'dvd-dl', maxWriteX: 8, maxReadX: 12, innerRadiusMm: 24, outerRadiusMm: 58, layers: 2,
    leadInMs: 10_000, fixateMs: 30_000, readSpinUpMs: 2_500, fastBlankMs: 60_000,
  },
  bd: {
    mediaClass: 'bd', maxWriteX: 12, maxReadX: 12, innerRadiusMm: 24, outerRadiusMm: 58, layers: 1,
    leadInMs: 10_000, fixateMs: 25_000, readSpinUpMs: 3_000, fastBlankMs: 60_000,
  },
  'bd-dl': {
    mediaClass: 'bd-dl', maxWriteX: 8, maxReadX: 8, innerRadiusMm: 24, outerRadiusMm: 58, layers: 2,
    leadInMs: 12_000, fixateMs: 30_000, readSpinUpMs: 3_000, fastBlankMs: 90_000,
  },
};

/** Write speed rating of the media itself (a 10x CD-RW caps a 48x drive at 10x). */
const MEDIA_RATED_WRITE_X: Partial<Record<MediaType, number>> = {
  'CD-R': 48, 'CD-RW': 24, 'DVD-R': 16, 'DVD+R': 16, 'DVD-RW': 6, 'DVD+RW': 8, 'DVD-RAM': 5,
  'DVD-R DL': 8, 'DVD+R DL': 8, 'BD-R': 12, 'BD-RE': 2, 'BD-R DL': 8, 'BD-RE DL': 2,
};

/** Knobs shared by the write-time functions. */
export interface WriteSpeedOptions {
  /** Requested speed cap in x (the burn's `speed` option); omitted means none. */
  readonly speedCap?: number | undefined;
  /** Multiplies every speed (a slow drive: < 1). Default 1. */
  readonly speedFactor?: number | undefined;
}

/** The write speed rating of a media type, or the class maximum when it has none. */
export function mediaRatedWriteX(type: MediaType): number {
  const cls = mediaClassOf(type);
  return MEDIA_RATED_WRITE_X[type] ?? (cls === null ? 1 : SPEED_PROFILES[cls].maxWriteX);
}

/** Radius in mm at a position (fraction of the disc's capacity, 0..1), layer-aware. */
export function radiusAt(mediaClass: MediaClass, position: number): number {
  const prof = SPEED_PROFILES[mediaClass];
  return layerRadius(prof, layerLocal(prof, clamp01(position)));
}

/** Instantaneous CAV write speed (x) at a position, under the drive maximum and the cap. */
export function writeSpeedX(mediaClass: MediaClass, position: number, options: WriteSpeedOptions = {}): number {
  const prof = SPEED_PROFILES[mediaClass];
  const cav = (prof.maxWriteX * radiusAt(mediaClass, position)) / prof.outerRadiusMm;
  return Math.min(cav, effectiveCap(prof, options.speedCap)) * factorOf(options);
}

/** Instantaneous CAV read speed (x) at a position. */
export function readSpeedX(mediaClass: MediaClass, position: number): number {
  const prof = SPEED_PROFILES[mediaClass];
  return (prof.maxReadX * radiusAt(mediaClass, position)) / prof.outerRadiusMm;
}

/** MB/s (10^6 bytes per second) of an x speed of a media class. */
export function speedMBps(mediaClass: MediaClass, speedX: number): number {
  return (speedX * ONE_X_BYTES_PER_SECOND[mediaClass]) / 1e6;
}

/**
 * Milliseconds to write sectors `fromSector`..`toSector` of a disc of
 * `capacitySectors` (data phase only, no lead-in or fixation).
 */
export function writeDurationMs(
  mediaClass: MediaClass,
  fromSector: number,
  toSector: number,
  capacitySectors: number,
  options: WriteSpeedOptions = {},
): number {
  const prof = SPEED_PROFILES[mediaClass];
  return spanMs(prof, prof.maxWriteX, effectiveCap(prof, options.speedCap), fromSector, toSector, capacitySectors) /
    factorOf(options);
}

/**
 * Whole burn of `sectors` onto a blank disc of `capacitySectors`: lead-in and
 * OPC, the CAV write, fixation. Model milliseconds.
 */
export function burnDurationMs(
  mediaClass: MediaClass,
  sectors: number,
  capacitySectors: number,
  speedCap?: number,
  speedFactor = 1,
): number {
  const prof = SPEED_PROFILES[mediaClass];
  return prof.leadInMs + writeDurationMs(mediaClass, 0, sectors, capacitySectors, { speedCap, speedFactor }) + prof.fixateMs;
}

/**
 * Inverse of `writeDurationMs`: the sector (fractional) the write has reached
 * `elapsedMs` after starting at `fromSector`, never beyond `toSector`.
 */
export function writeSectorAt(
  mediaClass: MediaClass,
  elapsedMs: number,
  fromSector: number,
  toSector: number,
  capacitySectors: number,
  options: WriteSpeedOptions = {},
): number {
  if (elapsedMs <= 0) return fromSector;
  if (elapsedMs >= writeDurationMs(mediaClass, fromSector, toSector, capacitySectors, options)) return toSector;
  let lo = fromSector;
  let hi = toSector;
  for (let i = 0; i < 60 && hi - lo > 1e-3; i++) {
    const mid = (lo + hi) / 2;
    if (writeDurationMs(mediaClass, fromSector, mid, capacitySectors, options) < elapsedMs) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Milliseconds to read bytes `fromByte`..`toByte` at CAV read speed (spin-up not included). */
export function readDurationMs(mediaClass: MediaClass, fromByte: number, toByte: number, capacitySectors: number): number {
  const prof = SPEED_PROFILES[mediaClass];
  return spanMs(prof, prof.maxReadX, Infinity, fromByte / SECTOR_BYTES, toByte / SECTOR_BYTES, capacitySectors);
}

/** Blanking time: quick blank per class; full blank rewrites the disc at the media's rated speed. */
export function blankDurationMs(type: MediaType, mode: 'fast' | 'all', capacitySectors: number): number {
  const cls = mediaClassOf(type);
  if (cls === null) return 0;
  const prof = SPEED_PROFILES[cls];
  if (mode === 'fast') return prof.fastBlankMs;
  return prof.leadInMs + writeDurationMs(cls, 0, capacitySectors, capacitySectors, { speedCap: mediaRatedWriteX(type) });
}

function effectiveCap(prof: SpeedProfile, speedCap: number | undefined): number {
  return speedCap !== undefined && speedCap > 0 ? Math.min(speedCap, prof.maxWriteX) : prof.maxWriteX;
}

function factorOf(options: WriteSpeedOptions): number {
  const f = options.speedFactor ?? 1;
  return f > 0 ? f : 1;
}

function clamp01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** Position within its layer (0 = inner edge, 1 = outer edge) of a disc position. */
function layerLocal(prof: SpeedProfile, p: number): number {
  if (prof.layers === 1) return p;
  return p <= 0.5 ? 2 * p : 2 * (1 - p);
}

function layerRadius(prof: SpeedProfile, q: number): number {
  const r0 = prof.innerRadiusMm;
  const r1 = prof.outerRadiusMm;
  return Math.sqrt(r0 * r0 + (r1 * r1 - r0 * r0) * q);
}

/**
 * Milliseconds to cover sectors a..b at CAV top speed `maxX` capped at `cap`,
 * in closed form: within a layer dt = L·dq / (B·x(q)), with x ∝ r(q) where
 * uncapped, and ∫dq/r(q) = 2·(r(q2) − r(q1)) / (r1² − r0²).
 */
function spanMs(prof: SpeedProfile, maxX: number, cap: number, a: number, b: number, capacitySectors: number): number {
  if (capacitySectors <= 0 || b <= a) return 0;
  const pa = clamp01(a / capacitySectors);
  const pb = clamp01(b / capacitySectors);
  // Sectors beyond the nominal capacity (overburn) take the outer-edge time.
  const overflow = Math.max(0, b - Math.max(a, capacitySectors));
  const edgeX = Math.min(maxX, cap);
  let ms = (overflow * SECTOR_BYTES * 1000) / (edgeX * ONE_X_BYTES_PER_SECOND[prof.mediaClass]);
  if (prof.layers === 1) return ms + layerSpanMs(prof, maxX, cap, pa, pb, capacitySectors);
  const half = capacitySectors / 2;
  if (pa < 0.5) ms += layerSpanMs(prof, maxX, cap, 2 * pa, 2 * Math.min(pb, 0.5), half);
  if (pb > 0.5) ms += layerSpanMs(prof, maxX, cap, 2 * (1 - pb), 2 * (1 - Math.max(pa, 0.5)), half);
  return ms;
}

/** Time over local layer positions qa..qb (inner→outer) of a layer of `layerSectors`. */
function layerSpanMs(prof: SpeedProfile, maxX: number, cap: number, qa: number, qb: number, layerSectors: number): number {
  if (qb <= qa) return 0;
  const r0 = prof.innerRadiusMm;
  const r1 = prof.outerRadiusMm;
  const k = r1 * r1 - r0 * r0;
  const oneX = ONE_X_BYTES_PER_SECOND[prof.mediaClass];
  const layerBytes = layerSectors * SECTOR_BYTES;
  // Radius where the CAV speed meets the cap, as a layer position.
  const rc = (Math.min(cap, maxX) * r1) / maxX;
  const qc = clamp01((rc * rc - r0 * r0) / k);
  let seconds = 0;
  const uEnd = Math.min(qb, qc);
  if (uEnd > qa) {
    seconds += ((layerBytes * r1) / (oneX * maxX)) * (2 / k) * (layerRadius(prof, uEnd) - layerRadius(prof, qa));
  }
  const cStart = Math.max(qa, qc);
  if (qb > cStart) seconds += (layerBytes * (qb - cStart)) / (oneX * Math.min(cap, maxX));
  return seconds * 1000;
}
