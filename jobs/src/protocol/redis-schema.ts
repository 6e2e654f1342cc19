/**
 * Every Redis key, pub/sub channel and BullMQ queue name of one tower, under
 * one prefix. The controller, the agents and the jobs package build their
 * names here and nowhere else, so two towers with different prefixes share a
 * Redis without seeing each other (BullMQ's own keys sit under its `bull:`
 * prefix, inside queue names that carry this prefix).
 */
import type { MediaClass } from 'node-cdrecord-wrapper';

/** Default prefix of every key, channel and queue name (`tower:run:…`, `tower-copies-dvd`). */
export const DEFAULT_KEY_PREFIX = 'tower';

/** Key, channel and queue names under one prefix. */
export class RedisSchema {
  /** @param prefix Letters, digits, `_` and `-`; default {@link DEFAULT_KEY_PREFIX}. */
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) throw new RangeError(`Redis prefix ${JSON.stringify(prefix)}: use 1-64 letters, digits, _ or -`);
  }

  // ── Queues ──

  /** BullMQ queue name of the copy jobs of a media class, e.g. `tower-copies-dvd-dl`. */
  copyQueue(mediaClass: MediaClass): string {
    return `${this.prefix}-copies-${mediaClass}`;
  }

  // ── Channels ──

  /**
   * Pub/sub: agents publish drive state, a JSON array of `DriveStatus` in
   * order, one message per flush of an agent's state outbox (a lone JSON
   * `DriveStatus` object is also valid).
   */
  driveEvents(): string {
    return `${this.prefix}:drive-events`;
  }
  /** Pub/sub: drive workers publish attempt ends and exhausted copies (JSON `RunEvent`). */
  runEvents(): string {
    return `${this.prefix}:run-events`;
  }
  /** Pub/sub: the planner tells workers to cancel a run's burns (JSON `RunControlMessage`). */
  runControl(): string {
    return `${this.prefix}:run-control`;
  }
  /** Pub/sub: an agent listens here for its commands (JSON `AgentCommand`). */
  agentCommands(agentId: string): string {
    return `${this.prefix}:agent:${agentId}:commands`;
  }
  /** Pub/sub: agents answer commands here (JSON `AgentReply`). */
  agentReplies(): string {
    return `${this.prefix}:agent-replies`;
  }
  /** Pub/sub: agents announce a change of a master read (JSON `MasterEventMessage`). */
  masterEvents(): string {
    return `${this.prefix}:master-events`;
  }

  // ── Agents ──

  /** Hash: one agent's heartbeat record (fields in agent-records.ts). */
  agent(agentId: string): string {
    return `${this.prefix}:agent:${agentId}`;
  }
  /** Set: every agent id that ever wrote its record. */
  agents(): string {
    return `${this.prefix}:agents`;
  }
  /** Hash: drive id → when a heartbeat last named it, ms on Redis's clock (`TIME`). */
  driveSeen(): string {
    return `${this.prefix}:drive-seen`;
  }

  // ── Runs, attempts and drives (jobs package) ──


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
  /** Hash: copy slot → that slot's merge row (JSON `DiscMerge`) of a run of rows (a CSV merge); apart from the run's hash, which is read often. */
  runMergeRows(runId: string): string {
    return `${this.prefix}:run:${runId}:merge-rows`;
  }
  /** Hash: copy slot → drive id of the slot's last failed attempt. */
  runLastFailure(runId: string): string {
    return `${this.prefix}:run:${runId}:last-failure`;
  }
  /** Hash: a set run's set number → the drive that holds the set (set-routing.ts). */
  runSetOwners(runId: string): string {
    return `${this.prefix}:run:${runId}:set-owners`;
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
  /**
   * Hash: the blank stock, per media type (`CD-R`, `DVD+R`, …): `received:<type>`
   * and `adjusted:<type>` kept by the controller (stock-store.ts),
   * `used:<type>` and `wasted:<type>` by the attempt-end scripts (one per
   * written disc, a coaster wasted too), `threshold:<type>` the low-stock level.
   */
  blankStock(): string {
    return `${this.prefix}:stock`;
  }
  /** Hash: alert key (`<condition>:<subject>`) → JSON of the alert raised while the condition holds (alert-state.ts). */
  alertsActive(): string {
    return `${this.prefix}:alerts:active`;
  }
  /** List: alerts raised and cleared, JSON, newest first (capped). */
  alertsHistory(): string {
    return `${this.prefix}:alerts:history`;
  }
  /** List: webhook and email deliveries of alerts (each try), JSON, newest first (capped). */
  alertDeliveries(): string {
    return `${this.prefix}:alerts:deliveries`;
  }
  /** Set: run ids whose end (completed, failed) has been alerted. */
  alertedRuns(): string {
    return `${this.prefix}:alerts:runs`;
  }
  /** String: when the alerts were first switched on (ms); runs that ended before are never alerted. */
  alertsSince(): string {
    return `${this.prefix}:alerts:since`;
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

  // ── Controller ──

  /** Hash: what the controller knows of a run beyond the run store (`RunMeta`). */
  runMeta(runId: string): string {
    return `${this.prefix}:run:${runId}:meta`;
  }
  /** List: audit entries as JSON, newest first (capped). */
  audit(): string {
    return `${this.prefix}:audit`;
  }
  /** List: quarantine and release events as JSON, newest first (capped). */
  quarantineHistory(): string {
    return `${this.prefix}:quarantine-history`;
  }
  /** Hash: one master read (fields in `master-records.ts`). */
  master(masterId: string): string {
    return `${this.prefix}:master:${masterId}`;
  }
  /** Sorted set: master ids by start time. */
  masters(): string {
    return `${this.prefix}:masters`;
  }
  /** Sorted set: wall-screen ids by creation time. */
  screens(): string {
    return `${this.prefix}:screens`;
  }
  /** Hash: one wall screen (fields in `screen-registry.ts`). */
  screen(screenId: string): string {
    return `${this.prefix}:screen:${screenId}`;
  }
  /** String: the screen id a pairing code (by its SHA-256) is for; expires with the code. */
  screenCode(codeSha256: string): string {
    return `${this.prefix}:screen-code:${codeSha256}`;
  }
  /** String (JSON, expiring): a request's claim of its `Idempotency-Key`, then its answer (idempotency.ts); by the SHA-256 of principal, route and key. */
  idempotency(sha256: string): string {
    return `${this.prefix}:idempotency:${sha256}`;
  }
  /** Hash: run template name → JSON `RunTemplate` (template-store.ts). */
  templates(): string {
    return `${this.prefix}:templates`;
  }
  /**
   * String (JSON, expiring): a hot-folder job file's claim, by the SHA-256 of
   * its folder, name and content, with the run it started (hot-folder
   * claims): a job file seen again, by this controller or after a restart,
   * never starts a second run.
   */
  hotFolderJob(sha256: string): string {
    return `${this.prefix}:hot-folder:job:${sha256}`;
  }
  /** Hash: claim SHA-256 → JSON claim of each hot-folder job whose run is not final yet (its status file is kept up to date). */
  hotFolderActive(): string {
    return `${this.prefix}:hot-folder:active`;
  }
  /** Pub/sub channel: a screen was paired or revoked (`{ "event": "paired" | "revoked", "id": … }`). */
  screensChannel(): string {
    return `${this.prefix}:screens:changed`;
  }
}
