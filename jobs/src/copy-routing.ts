/**
 * Which drive burns a copy: the policy a drive worker applies to a copy job
 * it fetched, before it burns anything. No Redis here: the facts that cost a
 * read are asked for through {@link RoutingFacts}, and only when needed.
 *
 * - Allowed drives: a run may be restricted to some drives (`allowedDrives`);
 *   a drive outside them never burns its copies.
 * - Capabilities: a drive that cannot take a copy (a CUE track mode it does
 *   not burn, CD-TEXT it is not declared to write: see copy-suitability.ts), or that refused one of the run's
 *   copies for its media already, never attempts it: the copy goes on to a
 *   drive that can. Such a refusal is never the drive's fault.
 * - Retry steering: a retry fetched by the very drive its slot last failed
 *   on is steered away once per attempt, when another usable drive exists
 *   (one not offline nor quarantined).
 * - Hand-off: a copy the drive will not burn goes first to an idle drive of
 *   the same agent that may burn it and waits with a blank (see
 *   waiting-drives.ts): put back to the queue, it would be drawn again by
 *   whichever drive looks next.
 * - Set affinity: a disc of a collated set run goes to the drive that holds
 *   its set, in set order (set-routing.ts); such a drive redoes its set's
 *   failed disc itself (no retry steering).
 * - Put-back: otherwise the copy goes back to the queue, after a delay that
 *   depends on why ({@link putBackDelayMs}).
 */
import { driveTakes } from './copy-suitability.js';
import type { SetPosition } from './disc-set.js';
import { decideSetDisc } from './set-routing.js';
import type { DriveCapabilities } from './copy-suitability.js';
import type { DriveState } from './drive-state.js';
import { copyJobOf } from './job-types.js';
import type { CopyJob } from './job-types.js';

/** Why a copy job goes back to the queue. */
export type PutBackReason =
  /** The drive is not among the run's allowed drives. */
  | 'not-allowed'
  /** The drive cannot take the copy (its capabilities), or refused one of the run's copies for its media. */
  | 'unsuitable'
  /** A retry fetched by the drive it last failed on, steered away. */
  | 'same-drive-retry'
  /** The run is paused. */
  | 'run-paused'
  /** The disc in the drive was refused before anything was recorded. */
  | 'media-refused'
  /** Something went wrong while the drive held the copy (Redis, BullMQ). */
  | 'error'
  /** The drive stops and cancelled the copy's burn. */
  | 'stopping'
  /** A copy handed to this drive that it could not take after all. */
  | 'not-taken'
  /** A set run's disc whose set another drive holds, or whose turn has not come (set-routing.ts). */
  | 'set-elsewhere'
  | 'set-order';

/** The delays of a drive worker's put-backs. */
export interface PutBackDelays {
  /** For a paused run, a refused disc, an error; also caps `not-allowed`. */
  readonly putBackDelayMs: number;
  /** For a retry steered away from the drive it last failed on. */
  readonly sameDriveRetryDelayMs: number;
}

/** How long a copy put back for `reason` waits in the queue before any drive may take it, ms. */
export function putBackDelayMs(reason: PutBackReason, delays: PutBackDelays): number {
  switch (reason) {
    // Back almost at once: the drives that may take it are not kept waiting.
    case 'not-allowed':
    case 'set-elsewhere':
    case 'set-order':
    case 'unsuitable': return Math.min(delays.putBackDelayMs, 50);
    case 'same-drive-retry': return delays.sameDriveRetryDelayMs;
    case 'stopping':
    case 'not-taken': return 0;
    default: return delays.putBackDelayMs;
  }
}

/** Whether a drive may burn the copies of a run restricted to `allowedDrives` (undefined: every drive). */
export function mayBurn(allowedDrives: readonly string[] | undefined, driveId: string): boolean {
  return allowedDrives === undefined || allowedDrives.includes(driveId);
}

/** The drives (other than `self`) to which a copy may be handed. */
export function handOffTargets(allowedDrives: readonly string[] | undefined, self: string): (driveId: string) => boolean {
  return (id) => id !== self && mayBurn(allowedDrives, id);
}

/** Whether some drive other than `self` can take work now (it is neither offline nor quarantined). */
export function anotherUsableDrive(drives: readonly { readonly driveId: string; readonly state: DriveState }[], self: string): boolean {
  return drives.some((s) => s.driveId !== self && s.state !== 'offline' && s.state !== 'quarantined');
}

/** The part of a fetched copy job that routing reads. */
export interface RoutedCopy {
  readonly jobId: string;
  /** Attempts BullMQ has made of the job so far (each retry is one more). */
  readonly attemptsMade: number;
  readonly runId: string;
  readonly copy: number;
  readonly allowedDrives?: readonly string[];
  /** The image's format and, for CUE, its track modes (see `CopyJob`). */
  readonly imageFormat?: 'iso' | 'cue';
  readonly trackModes?: readonly string[];
  /** The image's TOC file carries CD-TEXT: only drives declared to write it take the copy. */
  readonly cdText?: boolean;
  /** A set run's disc: its set and disc. */
  readonly set?: SetPosition;
}

/** The part of a copy job (as BullMQ holds it: `job.id`, `job.data`) that routing reads. */
export function routedCopyOf(job: { readonly id?: string | undefined; readonly attemptsMade: number; readonly data: CopyJob }): RoutedCopy {
  const d = copyJobOf(job.data);
  return {
    jobId: job.id ?? '', attemptsMade: job.attemptsMade, runId: d.runId, copy: d.copy,
    ...(d.allowedDrives === undefined ? {} : { allowedDrives: d.allowedDrives }),
    imageFormat: d.image.format,
    ...(d.image.trackModes === undefined ? {} : { trackModes: d.image.trackModes }),
    ...(d.image.cdText === true ? { cdText: true } : {}),
    ...(d.set === undefined ? {} : { set: d.set }),
  };
}

/** The facts routing may need; each costs a read, so routing asks only when it must. */
export interface RoutingFacts {
  /** The drive the copy slot's last attempt failed on, or null. */
  lastFailedDrive(runId: string, copy: number): Promise<string | null>;
  /** Every drive's published state. */
  drives(): Promise<readonly { readonly driveId: string; readonly state: DriveState }[]>;
  /** A set run's owners (set → drive) and passed slots; absent: set runs are routed as plain runs. */
  setFacts?(runId: string): Promise<{ readonly owners: ReadonlyMap<number, string>; readonly passed: ReadonlySet<number> }>;
  /** Record `driveId` as the owner of a set, if its owner is still `previous` (null: none); false when another drive won it. */
  claimSet?(runId: string, set: number, driveId: string, previous: string | null): Promise<boolean>;
}

/** Where a fetched copy goes. */
export type CopyRoute =
  | { readonly kind: 'burn' }
  | {
    readonly kind: 'elsewhere';
    readonly why: 'not-allowed' | 'unsuitable' | 'same-drive-retry' | 'set-elsewhere' | 'set-order';
    /** The waiting drives of the agent it may be handed to. */
    readonly handOffTo: (driveId: string) => boolean;
    /** When no drive takes it: back to the queue after this long, ms. */
    readonly putBackDelayMs: number;
    /** When put back: the drives to call to it (they may be another agent's), or null. */
    readonly callDrives: readonly string[] | null;
  };

/** Most steered attempts (and most refused runs) remembered before the memory is cleared. */
const MAX_STEERED = 1000;

/** The routing policy of one drive. Its memory: which retries it steered away already, which runs it refused. */
export class CopyRouting {
  readonly #driveId: string;
  readonly #delays: PutBackDelays;
  readonly #caps: DriveCapabilities;
  /** Attempts (`jobId#attemptsMade`) already steered away from this drive once. */
  readonly #steered = new Set<string>();
  /** Runs one of whose copies this drive refused for its media: their copies go to other drives. */
  readonly #refusedRuns = new Set<string>();
  /** The drive has an auto-loader: it keeps a set run's discs together (set-routing.ts). */
  readonly #collates: boolean;

  /**
   * `caps`: what the drive declares it takes (its CUE track modes, CD-TEXT; its classes are the queues it reads).
   * `collates`: the drive has an auto-loader, so it claims sets of set runs.
   */
  constructor(driveId: string, delays: PutBackDelays, caps: DriveCapabilities = {}, collates = false) {
    this.#driveId = driveId;
    this.#delays = delays;
    this.#caps = caps;
    this.#collates = collates;
  }

  /** Whether this drive may take a copy as far as the copy's needs go (its capabilities, the runs it refused); allowed drives aside. */
  takes(copy: Pick<RoutedCopy, 'runId' | 'imageFormat' | 'trackModes' | 'cdText'>): boolean {
    if (this.#refusedRuns.has(copy.runId)) return false;
    return driveTakes(this.#caps, {
      ...(copy.imageFormat === undefined ? {} : { format: copy.imageFormat }),
      ...(copy.trackModes === undefined ? {} : { trackModes: copy.trackModes }),
      ...(copy.cdText === true ? { cdText: true } : {}),
    });
  }

  /** The drive refused a copy of `runId` for its media after all (it burned nothing): the run's copies go to other drives from now on. */
  refused(runId: string): void {
    if (this.#refusedRuns.size > MAX_STEERED) this.#refusedRuns.clear();
    this.#refusedRuns.add(runId);
  }

  /** Decide where a fetched copy goes. */
  async route(copy: RoutedCopy, facts: RoutingFacts): Promise<CopyRoute> {
    const self = this.#driveId;
    const handOffTo = handOffTargets(copy.allowedDrives, self);
    if (!mayBurn(copy.allowedDrives, self)) {
      return {
        kind: 'elsewhere', why: 'not-allowed', handOffTo,
        putBackDelayMs: putBackDelayMs('not-allowed', this.#delays), callDrives: copy.allowedDrives ?? null,
      };
    }
    if (!this.takes(copy)) {
      return { kind: 'elsewhere', why: 'unsuitable', handOffTo, putBackDelayMs: putBackDelayMs('unsuitable', this.#delays), callDrives: null };
    }
    if (copy.set !== undefined && facts.setFacts !== undefined) {
      const set = await this.#setRoute(copy, copy.set, await facts.setFacts(copy.runId), facts, handOffTo);
      if (set !== null) return set;
    }
    if (await this.#steerAway(copy, facts)) {
      return { kind: 'elsewhere', why: 'same-drive-retry', handOffTo, putBackDelayMs: putBackDelayMs('same-drive-retry', this.#delays), callDrives: null };
    }
    return { kind: 'burn' };
  }

  /** A set run's disc: where set affinity sends it; null to route it on as a plain copy (a drive without a loader). */
  async #setRoute(
    copy: RoutedCopy, position: SetPosition, run: Awaited<ReturnType<NonNullable<RoutingFacts['setFacts']>>>,
    facts: RoutingFacts, handOffTo: (driveId: string) => boolean,
  ): Promise<CopyRoute | null> {
    const self = this.#driveId;
    const { owners, passed } = run;
    let states: Map<string, DriveState> | null = null;
    const owner = owners.get(position.set);
    if (owner !== undefined && owner !== self) states = new Map((await facts.drives()).map((d) => [d.driveId, d.state]));
    const usable = (id: string): boolean => {
      const st = states?.get(id);
      return st !== undefined && st !== 'offline' && st !== 'quarantined';
    };
    const decision = decideSetDisc({ self, collates: this.#collates, copy: copy.copy, position, owners, passed, usable });
    if (decision.kind === 'burn') {
      if (decision.claim && facts.claimSet !== undefined && !(await facts.claimSet(copy.runId, position.set, self, decision.previous))) {
        return { kind: 'elsewhere', why: 'set-order', handOffTo, putBackDelayMs: putBackDelayMs('set-order', this.#delays), callDrives: null };
      }
      // A drive that keeps sets together redoes its set's failed disc itself.
      return this.#collates ? { kind: 'burn' } : null;
    }
    const to = decision.owner;
    return {
      kind: 'elsewhere', why: decision.why,
      handOffTo: to === null ? handOffTo : (id) => id === to && handOffTo(id),
      putBackDelayMs: putBackDelayMs(decision.why, this.#delays), callDrives: to === null ? null : [to],
    };
  }

  /** How long a copy put back for `reason` waits, ms. */
  putBackDelayMs(reason: PutBackReason): number {
    return putBackDelayMs(reason, this.#delays);
  }

  /** A retry fetched by the drive its slot last failed on is steered away, once per attempt, when another drive can take it. */
  async #steerAway(copy: RoutedCopy, facts: RoutingFacts): Promise<boolean> {
    if ((await facts.lastFailedDrive(copy.runId, copy.copy)) !== this.#driveId) return false;
    const key = `${copy.jobId}#${copy.attemptsMade}`;
    if (this.#steered.has(key)) return false;
    if (!anotherUsableDrive(await facts.drives(), this.#driveId)) return false;
    if (this.#steered.size > MAX_STEERED) this.#steered.clear();
    this.#steered.add(key);
    return true;
  }
}
