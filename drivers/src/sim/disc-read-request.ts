/**
 * A read of a simulated disc: which bytes, at whose pace (the drive's scaled
 * clock and its media class's read speed), until when.
 */
import type { MediaClass } from '../media.js';
import type { ScaledClock } from './scaled-clock.js';
import type { SimDisc } from './sim-disc.js';

/** One read of `length` bytes from `offset` of a simulated disc. */
export interface DiscReadRequest {
  readonly device: string;
  readonly disc: SimDisc;
  readonly mediaClass: MediaClass;
  readonly offset: number;
  readonly length: number;
  readonly clock: ScaledClock;
  /** Aborts the read; its reason is the stream's error. */
  readonly signal: AbortSignal;
}
