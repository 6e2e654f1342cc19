/**
 * Drive status: the one module of what an agent publishes about a drive.
 * The type, its states, the progress fields, and the parser of the wire
 * format (one JSON object per status, stored under the drive's state key
 * and published as JSON arrays on the drive-events channel). The publisher
 * (drive-state.ts), the outbox (drive-state-outbox.ts) and the controller's
 * feed relay all import it from here.
 *
 * Statuses are facts; the controller's drive views turn them into the
 * state and words an operator reads.
 */
import type { MediaClass, MediaType } from 'node-cdrecord-wrapper';
import type { DriveCounts } from './attempt-results.js';
import type { LoaderFacts } from './loader-link.js';

/** Every state a drive status can have, in the order the UI lists them. */
export const DRIVE_STATES = ['offline', 'empty', 'blank', 'burning', 'verifying', 'done', 'failed', 'wrong-media', 'quarantined', 'busy'] as const;

/** What the UI shows for a drive. */
export type DriveState = (typeof DRIVE_STATES)[number];

/**
 * The phases of a copy in a drive, in order: preparing (the tool starts, the
 * drive calibrates and writes its lead-in: no data yet), writing, fixating
 * (closing the track or disc: no data moves), verifying (reading it back).
 * A test burn goes through the first three before the real burn.
 */
export const DRIVE_PHASES = ['preparing', 'writing', 'fixating', 'verifying'] as const;

/** One of {@link DRIVE_PHASES}. */
export type DrivePhase = (typeof DRIVE_PHASES)[number];

/** One drive's published state. */
export interface DriveStatus {
  readonly driveId: string;
  readonly agentId: string;
  readonly state: DriveState;
  readonly mediaType?: MediaType | null;
  /** The phase of the copy in the drive (burning: preparing, writing, fixating; verifying: verifying). */
  readonly phase?: DrivePhase;
  /** Whole seconds the drive has been in `phase`. */
  readonly phaseSeconds?: number;
  /**
   * 0..100 of the current phase: of its bytes (writing, verifying), or of
   * the time the phase took last time on this drive (preparing, fixating;
   * absent when not known).
   */
  readonly percent?: number;
  /** Speed in the phase, x of the media: the drive's while writing, the measured read rate while verifying; absent when no data moves. */
  readonly speedX?: number;
  readonly speedMBps?: number;
  /** Seconds left in the phase, to a tenth (from the phase's own rate, or its expected duration); absent when not known. */
  readonly etaSeconds?: number;
  readonly runId?: string;
  readonly copy?: number;
  readonly attemptId?: string;
  /** What this copy's disc carries of its own: a merged run's row (`serial 01003`). */
  readonly discLabel?: string;
  /** For states that need a person: what to do, in words. */
  readonly message?: string;
  /** `wrong-media`: the disc holds data (not blank), so it can be mastered; absent: not known. */
  readonly written?: boolean;
  /** The drive has an auto-loader: it takes discs out and puts blanks in by itself. */
  readonly autoLoader?: boolean;
  /** The drive's disc loader: its stock (blanks, good discs, coasters, room) and what it needs of a person. */
  readonly loader?: LoaderFacts;
  /** The media classes the drive takes copies for (absent: not said). */
  readonly classes?: readonly MediaClass[];
  /** The CUE track modes the drive burns (absent: every mode); with `classes`, what the drive takes (copy-suitability.ts). */
  readonly cueTrackModes?: readonly string[];
  /** CD-TEXT (`DriveFeatures.writesCdText`): true, declared to write it; false, not (offered no copy with CD-TEXT); absent: burns no TOC. */
  readonly writesCdText?: boolean;
  /**
   * The drive's passed and failed attempts, on the status that closes one
   * (`done`, `failed`), as the script that closed it left them: the
   * controller shows them with this state instead of reading them back.
   * Absent on other statuses, and while the drive's counts are not kept yet.
   */
  readonly counts?: DriveCounts;
  /** When the publisher published it, epoch ms of the publisher's clock: for display, never for ordering. */
  readonly updatedAt: number;
  /**
   * The drive's sequence number, given by Redis as the status is stored (see
   * `RedisSchema.driveSeqs`): of two statuses of one drive the higher is the
   * newer, whichever host published them. Absent before it reached Redis.
   */
  readonly seq?: number;
}

/** The fields a worker sets; ids and time are filled in. */
export type DriveStatusUpdate = Omit<DriveStatus, 'driveId' | 'agentId' | 'updatedAt' | 'seq' | 'classes' | 'cueTrackModes' | 'writesCdText'>;

/** Fields whose change alone makes a status a progress update. */
export const PROGRESS_FIELDS: ReadonlySet<string> = new Set(['percent', 'speedX', 'speedMBps', 'etaSeconds', 'phaseSeconds', 'updatedAt', 'seq']);

/** Fields that only date a status: two statuses differing in these alone say the same. */
export const STAMP_FIELDS: ReadonlySet<string> = new Set(['updatedAt', 'seq']);

const STATE_SET: ReadonlySet<string> = new Set(DRIVE_STATES);
const PHASE_SET: ReadonlySet<string> = new Set(DRIVE_PHASES);

/** True when `s` is one of {@link DRIVE_STATES}. */
export function isDriveState(s: unknown): s is DriveState {
  return typeof s === 'string' && STATE_SET.has(s);
}

/**
 * Of two statuses of one drive, true when `next` is not older than `last`:
 * by their sequence numbers when both have one (never by the publishers'
 * clocks, which may differ or step), else true.
 */
export function isNotOlder(last: Pick<DriveStatus, 'seq'> | undefined, next: Pick<DriveStatus, 'seq'>): boolean {
  return last?.seq === undefined || next.seq === undefined || next.seq >= last.seq;
}

const count = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
const isDriveCounts = (x: unknown): boolean => typeof x === 'object' && x !== null && count((x as DriveCounts).passed) && count((x as DriveCounts).failed);
const optNumber = (x: unknown): boolean => x === undefined || x === null || (typeof x === 'number' && Number.isFinite(x));
const optString = (x: unknown): boolean => x === undefined || x === null || typeof x === 'string';
const optStrings = (x: unknown): boolean => x === undefined || x === null || (Array.isArray(x) && x.every((c) => typeof c === 'string'));

/**
 * A status from its decoded JSON, or null when it is not one (no drive id,
 * an unknown state, a field of the wrong type). Null fields are left out; a
 * missing `agentId` becomes '' and a missing `updatedAt` 0.
 */
export function toDriveStatus(v: unknown): DriveStatus | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const r = { ...(v as Record<string, unknown>) };
  if (typeof r.driveId !== 'string' || r.driveId === '' || !isDriveState(r.state)) return null;
  if (!optNumber(r.percent) || !optNumber(r.speedX) || !optNumber(r.speedMBps) || !optNumber(r.copy) || !optNumber(r.seq)) return null;
  if (!optNumber(r.etaSeconds) || !optNumber(r.phaseSeconds) || !(r.phase === undefined || r.phase === null || PHASE_SET.has(r.phase as string))) return null;
  if (!optString(r.runId) || !optString(r.discLabel) || !optString(r.message) || !optString(r.mediaType) || !optString(r.agentId)) return null;
  if (!optStrings(r.classes) || !optStrings(r.cueTrackModes)) return null;
  if (!(r.writesCdText === undefined || r.writesCdText === null || typeof r.writesCdText === 'boolean')) return null;
  if (r.loader !== undefined && r.loader !== null && (typeof r.loader !== 'object' || Array.isArray(r.loader))) return null;
  if (!(r.counts === undefined || r.counts === null || isDriveCounts(r.counts))) return null;
  for (const k of Object.keys(r)) if (r[k] === null) delete r[k];
  if (typeof r.agentId !== 'string') r.agentId = '';
  if (typeof r.updatedAt !== 'number') r.updatedAt = 0;
  return r as unknown as DriveStatus;
}

/** A stored status (the JSON of a drive's state key), or null when it is not one. */
export function parseDriveStatus(text: string | null): DriveStatus | null {
  if (text === null) return null;
  try {
    return toDriveStatus(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The statuses of one drive-events message: a JSON array of statuses (or one status); invalid entries skipped. */
export function parseDriveStatuses(text: string): DriveStatus[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  const out: DriveStatus[] = [];
  for (const item of Array.isArray(v) ? v : [v]) {
    const s = toDriveStatus(item);
    if (s !== null) out.push(s);
  }
  return out;
}

/** True when `a` and `b` have the same value in every field but those in `ignore`. */
export function sameExcept(a: object, b: object, ignore: ReadonlySet<string>): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k in ra) if (!ignore.has(k) && ra[k] !== rb[k]) return false;
  for (const k in rb) if (!ignore.has(k) && !(k in ra) && rb[k] !== undefined) return false;
  return true;
}
