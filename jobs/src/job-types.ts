/**
 * Payloads and results of the copy jobs. Everything here is JSON: it travels
 * through BullMQ and Redis.
 */
import type { DiscMerge } from './disc-merge.js';
import type { SetPosition } from './disc-set.js';
import type { RunImage } from './run-image.js';

/**
 * Which discs are read back and compared with the image.
 * - `all`: every disc.
 * - `first-per-drive`: the first attempt of the run on each drive.
 * - `every-nth`: attempts 1, n+1, 2n+1... of the run on each drive.
 * - `off`: none (write success is then all the run knows).
 */
export type VerifyPolicy =
  | { readonly mode: 'all' }
  | { readonly mode: 'first-per-drive' }
  | { readonly mode: 'every-nth'; readonly n: number }
  | { readonly mode: 'off' };

/** The payload of one copy job: one good disc for slot `copy` of a run. */
export interface CopyJob {
  readonly runId: string;
  /** Copy slot, 1..N. A replacement job carries the slot it replaces. */
  readonly copy: number;
  /** The run's image, as the run holds it (never reshaped on the way to the burn). */
  readonly image: RunImage;
  readonly verify: VerifyPolicy;
  /** Write speed in x; omitted: the drive's maximum. */
  readonly speed?: number;
  /** Run a test (dummy) burn before the real one. */
  readonly dummyFirst?: boolean;
  /** Only these drive ids may take the copy; omitted: any drive. */
  readonly allowedDrives?: readonly string[];
  /** 0 for the slot's first job, k for its k-th replacement (job id `${runId}/${copy}/r${k}`). */
  readonly replacement?: number;
  /** A merged run: what this slot's disc carries of its own (its image is the run's plus these files, built before the burn). */
  readonly merge?: DiscMerge;
  /** A collated set run: the set and disc this slot is (its `image` is that disc's). */
  readonly set?: SetPosition;
}

/** How a copy job queued by an earlier version carried its image: flat fields. */
interface FlatImageFields {
  readonly imagePath?: string;
  readonly imageSha256?: string;
  readonly imageBytes?: number;
  readonly imageSectors?: number;
  readonly imageFormat?: 'iso' | 'cue';
  readonly imageIdentity?: string;
  readonly imageTrackModes?: readonly string[];
}

/**
 * A copy job's payload as a worker reads it from the queue: as it is, or,
 * for a job an earlier version queued (its image in flat fields), with the
 * image made whole, so jobs waiting in Redis across an upgrade still burn.
 */
export function copyJobOf(data: unknown): CopyJob {
  const d = data as CopyJob & FlatImageFields;
  if (d.image !== undefined || d.imagePath === undefined) return d;
  const { imagePath, imageSha256, imageBytes, imageSectors, imageFormat, imageIdentity, imageTrackModes, ...rest } = d;
  const image: RunImage = {
    path: imagePath, format: imageFormat ?? 'iso', sha256: imageSha256 ?? '', sizeBytes: imageBytes ?? 0, sectors: imageSectors ?? 0,
    ...(imageIdentity === undefined ? {} : { identity: imageIdentity }),
    ...(imageTrackModes === undefined ? {} : { trackModes: imageTrackModes }),
  };
  return { ...rest, image };
}

/** What a copy job completes with. */
export type CopyJobResult =
  | { readonly kind: 'passed'; readonly attemptId: string; readonly counted: boolean; readonly runCompleted: boolean }
  | { readonly kind: 'cancelled'; readonly attemptId: string }
  | { readonly kind: 'skipped'; readonly reason: string };

/** True when the policy says the `ordinal`-th attempt of a run on one drive (1-based) is verified. */
export function shouldVerify(policy: VerifyPolicy, ordinal: number): boolean {
  switch (policy.mode) {
    case 'all':
      return true;
    case 'off':
      return false;
    case 'first-per-drive':
      return ordinal <= 1;
    case 'every-nth':
      return (ordinal - 1) % Math.max(1, Math.floor(policy.n)) === 0;
  }
}

/** Short text of a policy for records and CSV (`all`, `every-nth:5`...). */
export function verifyPolicyText(policy: VerifyPolicy): string {
  return policy.mode === 'every-nth' ? `every-nth:${policy.n}` : policy.mode;
}

/** Inverse of {@link verifyPolicyText}; null for anything else. */
export function parseVerifyPolicy(text: string): VerifyPolicy | null {
  if (text === 'all' || text === 'off' || text === 'first-per-drive') return { mode: text };
  const m = /^every-nth:(\d+)$/.exec(text);
  const n = m?.[1] === undefined ? NaN : Number(m[1]);
  return Number.isSafeInteger(n) && n >= 1 ? { mode: 'every-nth', n } : null;
}
