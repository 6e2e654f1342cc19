/**
 * Queue names and Redis key names shared by the planner, the drive workers
 * and the controller. One copy queue per media class.
 */
import type { MediaClass } from 'node-cdrecord-wrapper';

/** Every media class, smallest first (the order a drive worker polls its queues in). */
export const MEDIA_CLASSES: readonly MediaClass[] = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'];

/** BullMQ queue name of the copy jobs of a media class, e.g. `tower-copies-dvd-dl`. */
export function copyQueueName(mediaClass: MediaClass): string {
  return `tower-copies-${mediaClass}`;
}

/** Default prefix of every key this package writes (BullMQ's own keys use BullMQ's prefix). */
export const DEFAULT_KEY_PREFIX = 'tower';

/**
 * Pub/sub channel on which agents publish drive state: a JSON array of
 * `DriveStatus`, in order, one message per flush of an agent's state outbox
 * (a lone JSON `DriveStatus` object is also valid).
 */
export const DRIVE_EVENTS_CHANNEL = 'tower:drive-events';
/** Pub/sub channel on which drive workers publish attempt ends and exhausted copies (JSON `RunEvent`). */
export const RUN_EVENTS_CHANNEL = 'tower:run-events';
/** Pub/sub channel on which the planner tells workers to cancel a run's burns (JSON `RunControlMessage`). */
export const RUN_CONTROL_CHANNEL = 'tower:run-control';

/**
 * BullMQ job id of a copy slot. BullMQ refuses ids with one `:` (it keeps `:`
 * for its own keys), so the parts are joined with `/`: `${runId}/${copy}`,
 * replacements `${runId}/${copy}/r${k}`.
 */
export function copyJobId(runId: string, copy: number, replacement = 0): string {
  return replacement > 0 ? `${runId}/${copy}/r${replacement}` : `${runId}/${copy}`;
}

/** Key names under one prefix. Every Redis key this package writes is built here. */
export class KeySpace {
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {}

  /** Hash: one run. */
  run(runId: string): string {
    return `${this.prefix}:run:${runId}`;
  }
  /** Set: copy slots of a run with a counted passed attempt (never more than N members). */
  runPassed(runId: string): string {
    return `${this.prefix}:run:${runId}:passed`;
  }
  /** Sorted set: a run's attempt ids by start time. */
  runAttempts(runId: string): string {
    return `${this.prefix}:run:${runId}:attempts`;
  }
  /** Hash: copy slot → drive id of the slot's last failed attempt. */
  runLastFailure(runId: string): string {
    return `${this.prefix}:run:${runId}:last-failure`;
  }
  /** Hash: drive id → attempts begun for this run on that drive (for the verify policy). */
  runDriveOrdinals(runId: string): string {
    return `${this.prefix}:run:${runId}:drive-ordinals`;
  }
  /** Set: ids of the runs created for a library image (finished ones leave it when the image's delete is claimed). */
  imageRuns(imageId: string): string {
    return `${this.prefix}:image:${imageId}:runs`;
  }
  /** String: a delete's claim on a library image (a token, with a time to live); no run is created for the image while it exists. */
  imageDeleting(imageId: string): string {
    return `${this.prefix}:image:${imageId}:deleting`;
  }
  /** Sorted set: run ids by creation time. */
  runs(): string {
    return `${this.prefix}:runs`;
  }
  /** Hash: one attempt (append-only once closed). */
  attempt(attemptId: string): string {
    return `${this.prefix}:attempt:${attemptId}`;
  }
  /** Sorted set: every attempt id by start time. */
  attemptsByTime(): string {
    return `${this.prefix}:attempts`;
  }
  /** Sorted set: a drive's attempt ids by start time. */
  driveAttempts(driveId: string): string {
    return `${this.prefix}:drive:${driveId}:attempts`;
  }
  /**
   * Hash: every drive's attempt outcomes so far, fields `passed:<driveId>` and
   * `failed:<driveId>` (failed or interrupted), kept by the attempt scripts
   * once a drive's pair exists (`RunStore.driveCounts` creates it from history).
   */
  driveCounts(): string {
    return `${this.prefix}:drive-counts`;
  }
  /** Set: open attempt ids of an agent. */
  agentOpenAttempts(agentId: string): string {
    return `${this.prefix}:agent:${agentId}:open`;
  }
  /**
   * String: the lease on an agent id, JSON `{ token, host, pid, since }` of
   * the one agent process that may serve under that id, with a TTL the
   * heartbeat renews (see agent-lease.ts). While it exists, nobody else
   * closes the agent's open attempts.
   */
  agentLease(agentId: string): string {
    return `${this.prefix}:agent:${agentId}:lease`;
  }
  /** String: a drive's published state (JSON `DriveStatus`; an earlier version kept a hash). */
  driveState(driveId: string): string {
    return `${this.prefix}:drive:${driveId}:state`;
  }
  /**
   * Hash: drive id → the sequence number of its last published state. Every
   * publisher of a drive's state (its agent, the controller's monitor) takes
   * the next number here, so readers order a drive's states by it, never by
   * the publishers' clocks.
   */
  driveSeqs(): string {
    return `${this.prefix}:drive-seqs`;
  }
  /** Set: ids of every drive that has published state. */
  drives(): string {
    return `${this.prefix}:drives`;
  }
  /** Hash: drive id → JSON `QuarantineInfo` for quarantined drives. */
  quarantine(): string {
    return `${this.prefix}:quarantine`;
  }
}
