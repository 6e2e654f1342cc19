/**
 * What the parts of one drive worker (its loop, its copy handler) share: the
 * drive, the agent's connections, the options, and the worker's ways to
 * publish the drive's state, give a job back and report an error. The
 * worker (drive-worker.ts) makes it once the drive's id is known.
 */
import type { Job } from 'bullmq';
import type { Drive } from 'node-cdrecord-wrapper';
import type { AgentConnections } from './agent-connections.js';
import type { PutBackReason } from './copy-routing.js';
import type { DriveStatus, DriveStatusUpdate } from './drive-state.js';
import type { ResolvedDriveWorkerOptions } from './drive-worker-options.js';
import type { LoaderLink } from './loader-link.js';

/** One drive worker's shared context. */
export interface DriveContext {
  readonly driveId: string;
  readonly drive: Drive;
  /** The agent's connections (shared, or the worker's own). */
  readonly pool: AgentConnections;
  readonly options: ResolvedDriveWorkerOptions;
  /** The drive's disc loader, when it has one. */
  readonly loader: LoaderLink | null;
  /** The drive's last published state. */
  status(): DriveStatus | null;
  /** Publish a change of the drive's state. */
  set(update: DriveStatusUpdate): void;
  /** Give a job back to the queue, after the delay its reason calls for; the agent's idle drives then look again. */
  putBack(job: Job, token: string, reason: PutBackReason): Promise<void>;
  /** Report something that went wrong outside a copy; the worker goes on. */
  error(err: unknown): void;
}
