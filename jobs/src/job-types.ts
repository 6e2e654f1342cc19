/**
 * Payloads and results of the copy jobs. Everything here is JSON: it travels
 * through BullMQ and Redis.
 */

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
  readonly imagePath: string;
  /** SHA-256 (hex) stored when the image entered the library. */
  readonly imageSha256: string;
  readonly imageBytes: number;
  /** Sectors the image occupies on disc. */
  readonly imageSectors: number;
  /** Default `iso`. */
  readonly imageFormat?: 'iso' | 'cue';
  /** The image file's identity when `imageSha256` was computed (see `RunImage.identity`). */
  readonly imageIdentity?: string;
  /** A CUE image's track modes (see `RunImage.trackModes`): a drive that cannot burn one of them does not take the copy. */
  readonly imageTrackModes?: readonly string[];
  readonly verify: VerifyPolicy;
  /** Write speed in x; omitted: the drive's maximum. */
  readonly speed?: number;
  /** Run a test (dummy) burn before the real one. */
  readonly dummyFirst?: boolean;
  /** Only these drive ids may take the copy; omitted: any drive. */
  readonly allowedDrives?: readonly string[];
  /** 0 for the slot's first job, k for its k-th replacement (job id `${runId}/${copy}/r${k}`). */
  readonly replacement?: number;
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
