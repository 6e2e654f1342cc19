/**
 * The options of a drive worker, their defaults (applied once, by
 * {@link resolveDriveWorkerOptions}), and what a worker reports to its
 * listeners ({@link DriveWorkerListener}).
 */
import type { DiscLoader, Drive, MediaClass } from 'node-cdrecord-wrapper';
import type { AgentConnections } from './agent-connections.js';
import type { QuarantineInfo } from './drive-quarantine.js';
import type { DiscImageSource } from './merge-staging.js';
import type { ImageStagingCache } from './staging/image-staging-cache.js';
import type { DriveStatus } from './drive-state.js';
import { MEDIA_CLASSES } from './queue-names.js';
import type { AttemptRecord } from './run-records.js';
import type { AttemptEndEvent } from './run-events.js';

/** Options of a {@link DriveWorker}. */
export interface DriveWorkerOptions {
  readonly drive: Drive;
  /**
   * Stable drive id.
   * @defaultValue `(await drive.info()).stableId`
   */
  readonly driveId?: string;
  /** Host running this worker (recorded with each attempt). */
  readonly agentId: string;
  /** What the operator calls the drive (recorded with each attempt). */
  readonly driveLabel?: string;
  /**
   * The agent's shared connections. When given, `redisUrl`, `prefix`,
   * `bullPrefix`, `lockDurationMs` and `stalledIntervalMs` are theirs and
   * ignored here; the worker leaves them open when it closes.
   * @defaultValue a private set, opened with `redisUrl` and closed with the worker
   */
  readonly connections?: AgentConnections;
  /** Redis of a worker without shared `connections` (it then opens its own). */
  readonly redisUrl?: string;
  /**
   * Prefix of this package's keys (private connections only).
   * @defaultValue `tower` (applied by `AgentConnections`)
   */
  readonly prefix?: string;
  /**
   * BullMQ key prefix (private connections only).
   * @defaultValue BullMQ's, `bull` (applied by `AgentConnections`)
   */
  readonly bullPrefix?: string;
  /**
   * Media classes this drive takes copies for.
   * @defaultValue every class (`MEDIA_CLASSES`)
   */
  readonly classes?: readonly MediaClass[];
  /**
   * How often to look at the drive and the queue while idle, ms.
   * @defaultValue 1000
   */
  readonly pollIntervalMs?: number;
  /**
   * BullMQ lock duration, ms; extended every half of it (private connections only).
   * @defaultValue 30 000 (applied by `AgentConnections`)
   */
  readonly lockDurationMs?: number;
  /**
   * K: drive-fault failures in a row that quarantine the drive.
   * @defaultValue 3
   */
  readonly quarantineAfter?: number;
  /**
   * Delay for a retry fetched by the drive it last failed on, ms.
   * @defaultValue 5000
   */
  readonly sameDriveRetryDelayMs?: number;
  /**
   * Delay for a job put back (paused run, refused disc, not an allowed drive), ms.
   * @defaultValue 2000
   */
  readonly putBackDelayMs?: number;
  /**
   * Minimum ms between progress-only state publications.
   * @defaultValue 250
   */
  readonly progressIntervalMs?: number;
  /**
   * The drive has an auto-loader: finished discs are taken out and blanks put
   * in without a person, so `done`/`failed` give way to `empty` after the eject.
   * @defaultValue false
   */
  readonly autoLoader?: boolean;
  /**
   * The drive's disc loader (a jukebox's changer): after each copy it sorts
   * the disc (good to the output, coaster to the reject slot) and loads the
   * next blank, instead of the tray just opening; an empty drive asks it for
   * a blank; its stock is published with the drive's state. Implies
   * `autoLoader`.
   * @defaultValue none
   */
  readonly loader?: DiscLoader;
  /**
   * How often BullMQ looks for stalled jobs (a crashed worker's), ms (private connections only).
   * @defaultValue the lock duration (applied by `AgentConnections`)
   */
  readonly stalledIntervalMs?: number;
  /**
   * Subscribe to the drive's media changes (a disc inserted, the tray closed)
   * so an idle worker looks at once instead of at its next poll; returns the
   * unsubscribe function. Polling still runs as the fallback.
   * @defaultValue none: the worker only polls
   */
  readonly watchMedia?: (onChange: () => void) => () => void;
  /**
   * Where a merged run's disc images are built, one at a time per drive, each
   * removed when its disc is done (a local disk: the image is read twice, by
   * the burn and the verify).
   * @defaultValue the system's temporary directory
   */
  readonly stagingDir?: string;
  /**
   * The agent's merged disc images (a `MergeStaging` shared by its workers):
   * a merged copy takes its disc's image from there, built ahead while the
   * drives burn, instead of building it in `stagingDir`.
   * @defaultValue none: each merged copy's image is built just in time
   */
  readonly mergeStaging?: DiscImageSource;
  /**
   * The agent's staging cache (shared by its workers): images the library
   * stores compressed are decompressed there once, then burned from it (and
   * plain ones copied there once, when it stages plain images).
   * @defaultValue none: a copy of a stored image fails as an image error
   */
  readonly imageStaging?: ImageStagingCache;
}

/** The worker's own defaults (the connection options' are `AgentConnections`'). */
export const DRIVE_WORKER_DEFAULTS = {
  classes: MEDIA_CLASSES,
  pollIntervalMs: 1000,
  quarantineAfter: 3,
  sameDriveRetryDelayMs: 5000,
  putBackDelayMs: 2000,
  progressIntervalMs: 250,
  autoLoader: false,
} as const satisfies Partial<DriveWorkerOptions>;

type Defaulted = keyof typeof DRIVE_WORKER_DEFAULTS;

/** A worker's options with its own defaults applied. */
export type ResolvedDriveWorkerOptions = Omit<DriveWorkerOptions, Defaulted> & Required<Pick<DriveWorkerOptions, Defaulted>>;

/** Apply the worker's defaults: the one place they are applied. */
export function resolveDriveWorkerOptions(options: DriveWorkerOptions): ResolvedDriveWorkerOptions {
  const d = DRIVE_WORKER_DEFAULTS;
  return {
    ...options,
    classes: options.classes ?? d.classes,
    pollIntervalMs: options.pollIntervalMs ?? d.pollIntervalMs,
    quarantineAfter: options.quarantineAfter ?? d.quarantineAfter,
    sameDriveRetryDelayMs: options.sameDriveRetryDelayMs ?? d.sameDriveRetryDelayMs,
    putBackDelayMs: options.putBackDelayMs ?? d.putBackDelayMs,
    progressIntervalMs: options.progressIntervalMs ?? d.progressIntervalMs,
    autoLoader: options.autoLoader ?? (options.loader !== undefined || d.autoLoader),
  };
}

/** What a drive worker reports, as listeners (`worker.on(event, listener)`). */
export interface DriveWorkerListener {
  /** The drive's state changed (progress throttled to 4/s, state changes never dropped). */
  state: (status: DriveStatus) => void;
  /** An attempt was recorded; the burn starts now. */
  'attempt-begin': (attempt: AttemptRecord) => void;
  /** An attempt was closed. */
  'attempt-end': (event: AttemptEndEvent) => void;
  /**
   * A copy this drive will not burn went on to another drive (handed over, or
   * back to the queue), nothing recorded: `why` is the routing's reason
   * (`not-allowed`, `unsuitable`, `same-drive-retry`).
   */
  'passed-on': (copy: { readonly runId: string; readonly copy: number; readonly jobId: string; readonly why: string }) => void;
  /** The drive was quarantined. */
  quarantined: (info: QuarantineInfo) => void;
  /** Something went wrong outside a copy (Redis, BullMQ); the worker goes on. */
  error: (error: Error) => void;
}

/** {@link DriveWorkerListener} as the event map of a `TypedEmitter`: event name → listener arguments. */
export type DriveWorkerEvents = { [K in keyof DriveWorkerListener]: Parameters<DriveWorkerListener[K]> };
