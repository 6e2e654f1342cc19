/**
 * Fault injection for the simulated drive: which faults are armed, when they
 * fire, and whether they stay armed afterwards.
 *
 * Every fault is one-shot by default (it disarms when it fires) or `sticky`
 * (it fires at every opportunity). With a `probability` below 1 it fires at
 * each opportunity only with that chance, drawn from the drive's injectable
 * random source, so seeded tests are deterministic.
 */
import type { MediaType } from '../drive-contract.js';

/** How often a fault fires. */
export interface FaultTrigger {
  /** Stay armed after firing. Default false (one-shot). */
  readonly sticky?: boolean;
  /** Chance (0..1) that the fault fires at an opportunity. Default 1. */
  readonly probability?: number;
}

/**
 * The faults of one drive. Opportunities: `writeError`, `driveGone`,
 * `verifyMismatch` and `wrongMedia` at each burn; `noMedia` at each burn,
 * read and blank.
 */
export interface SimFaults {
  /** The burn fails with WriteError when it reaches `atPercent` of the data; the disc is a coaster. */
  readonly writeError?: FaultTrigger & { readonly atPercent: number };
  /**
   * The burn succeeds but sector `sector` (default: a random sector of the
   * image) is recorded wrong, so a read-back differs from the image.
   */
  readonly verifyMismatch?: FaultTrigger & { readonly sector?: number };
  /**
   * The drive disappears when the burn reaches `atPercent` (default 0: as it
   * starts): DriveGoneError now and on every call until `reconnect()`.
   */
  readonly driveGone?: FaultTrigger & { readonly atPercent?: number };
  /** Every speed is multiplied by `factor` (0 < factor ≤ 1). Always in force while set. */
  readonly slow?: { readonly factor: number };
  /**
   * The drive does not see its disc: NoMediaError. While armed with
   * probability 1, `media()` reports no disc as well.
   */
  readonly noMedia?: FaultTrigger;
  /**
   * The disc turns out to be a blank of `type` when a burn starts (someone
   * loaded the wrong media): the ordinary checks then refuse it with
   * WrongMediaError or MediaTooSmallError, or burn it if it fits.
   */
  readonly wrongMedia?: FaultTrigger & { readonly type: MediaType };
}

/** Faults that fire at an opportunity (everything but `slow`). */
export type FaultKind = 'writeError' | 'verifyMismatch' | 'driveGone' | 'noMedia' | 'wrongMedia';

/** The armed faults of one drive, changeable at runtime. */
export class FaultPlan {
  #faults: { -readonly [K in keyof SimFaults]: SimFaults[K] };
  readonly #random: () => number;

  constructor(faults: SimFaults = {}, random: () => number = Math.random) {
    validateFaults(faults);
    this.#faults = { ...faults };
    this.#random = random;
  }

  /** Replace all faults (pass `{}` to clear them). */
  set(faults: SimFaults): void {
    validateFaults(faults);
    this.#faults = { ...faults };
  }

  /** The faults currently armed. */
  get current(): SimFaults {
    return { ...this.#faults };
  }

  /** Speed factor of the `slow` fault, 1 when none. */
  get speedFactor(): number {
    return this.#faults.slow?.factor ?? 1;
  }

  /** True when a fault is armed and certain to fire (probability 1). */
  certain(kind: FaultKind): boolean {
    const f = this.#faults[kind];
    return f !== undefined && (f.probability ?? 1) >= 1;
  }

  /**
   * An opportunity for `kind`: returns the fault when it fires (disarming a
   * one-shot fault), undefined otherwise.
   */
  take<K extends FaultKind>(kind: K): NonNullable<SimFaults[K]> | undefined {
    const f = this.#faults[kind] as NonNullable<SimFaults[K]> | undefined;
    if (f === undefined) return undefined;
    const p = f.probability ?? 1;
    if (p < 1 && this.#random() >= p) return undefined;
    if (f.sticky !== true) delete this.#faults[kind];
    return f;
  }

  /** A random integer in [0, n) from the plan's random source. */
  randomInt(n: number): number {
    return Math.min(n - 1, Math.floor(this.#random() * n));
  }

  /**
   * The opportunities of one burn of `sectors` sectors from `startSector`,
   * as `runBurn` takes them: a disappearance and a write error at a percent
   * of the data, and (not on a dummy burn) a sector recorded wrong, random
   * among the burn's when the fault names none.
   */
  takeBurnFaults(dummy: boolean, startSector: number, sectors: number): { goneAt?: number; writeErrorAt?: number; flipSector?: number } {
    const gone = this.take('driveGone');
    const writeError = this.take('writeError');
    const mismatch = dummy ? undefined : this.take('verifyMismatch');
    return {
      ...(gone === undefined ? {} : { goneAt: gone.atPercent ?? 0 }),
      ...(writeError?.atPercent === undefined ? {} : { writeErrorAt: writeError.atPercent }),
      ...(mismatch === undefined ? {} : { flipSector: mismatch.sector ?? startSector + this.randomInt(sectors) }),
    };
  }
}

/** Throws a RangeError for out-of-range fault settings. */
export function validateFaults(faults: SimFaults): void {
  const pct = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 100)) {
      throw new RangeError(`${name} must be a percentage 0..100, got ${v}`);
    }
  };
  pct('writeError.atPercent', faults.writeError?.atPercent);
  pct('driveGone.atPercent', faults.driveGone?.atPercent);
  const sector = faults.verifyMismatch?.sector;
  if (sector !== undefined && !(Number.isSafeInteger(sector) && sector >= 0)) {
    throw new RangeError(`verifyMismatch.sector must be a non-negative integer, got ${sector}`);
  }
  const factor = faults.slow?.factor;
  if (factor !== undefined && !(Number.isFinite(factor) && factor > 0 && factor <= 1)) {
    throw new RangeError(`slow.factor must be in (0, 1], got ${factor}`);
  }
  for (const kind of ['writeError', 'verifyMismatch', 'driveGone', 'noMedia', 'wrongMedia'] as const) {
    const p = faults[kind]?.probability;
    if (p !== undefined && !(Number.isFinite(p) && p >= 0 && p <= 1)) {
      throw new RangeError(`${kind}.probability must be in [0, 1], got ${p}`);
    }
  }
}

/**
 * A seeded pseudo-random source in [0, 1) (mulberry32): small, fast and
 * deterministic, for fault probabilities and progress noise.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
