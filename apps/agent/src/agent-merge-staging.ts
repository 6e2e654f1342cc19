/**
 * The agent's staging area for merged discs (issue 15): one `MergeStaging`
 * shared by all its drives, in a folder of its own (`<dir>/<agent id>`, so
 * agents given the same folder never remove each other's images), building
 * the images of the merged copies at the head of the agent's copy queues
 * while its drives burn.
 */
import path from 'node:path';
import { CopyQueuePeek, MergeStaging } from '@tower/jobs';
import type { AgentConnections, ImageStagingCache, Logger } from '@tower/jobs';

/** Where and how much an agent builds ahead (`agent.mergeStaging` in tower.json). */
export interface MergeStagingSettings {
  /** The staging folder; the agent works in `<dir>/<agent id>`. */
  readonly dir: string;
  /** Images built ahead at most (ready or being built); default the agent's drive count; 0: each drive builds its own, just in time. */
  readonly window?: number;
  /** Bytes the images built ahead may take together; default 8 GiB. */
  readonly maxBytes?: number;
}

/** The agent's `MergeStaging` and the queue reader it builds ahead from. */
export class AgentMergeStaging {
  readonly staging: MergeStaging;
  readonly #peek: CopyQueuePeek;

  /** `masters`: the agent's image staging cache, which masters it stages are built from. */
  constructor(settings: MergeStagingSettings, pool: AgentConnections, agentId: string, driveCount: number, log: Logger, masters?: ImageStagingCache) {
    let last = '';
    const onError = (e: Error): void => {
      // One line per new reason, not one per slot.
      if (e.message !== last) log.warn(`merged discs: building ahead: ${e.message}`);
      last = e.message;
    };
    this.#peek = new CopyQueuePeek(pool, onError);
    this.staging = new MergeStaging({
      dir: path.join(settings.dir, agentId),
      window: settings.window ?? driveCount,
      ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
      upcoming: (cls, count) => this.#peek.upcoming(cls, count),
      onError,
      ...(masters === undefined ? {} : { masters }),
    });
  }

  /** Make the folder, removing what a crashed agent left there. Call once the agent holds its id's lease. */
  start(): Promise<void> {
    return this.staging.start();
  }

  /** After the drive workers: remove the images no drive took, close the queue reader. */
  async close(): Promise<void> {
    await this.staging.close();
    await this.#peek.close();
  }
}
