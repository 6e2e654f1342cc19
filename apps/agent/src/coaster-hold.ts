/**
 * A drive whose burn was interrupted (the agent crashed or was killed) holds
 * a coaster. Before its worker takes work again, the drive shows `failed`
 * with what a person must do, the tray is opened (an auto-loader drops the
 * disc in its bin), and the hold lasts until the drive holds a blank disc.
 */
import type { Redis } from 'ioredis';
import { DriveStatePublisher, setLabel } from '@tower/jobs';
import type { RedisSchema } from '@tower/jobs';
import type { AttemptRecord } from '@tower/jobs';
import type { DiscLoader, Drive, LeavingDisc, LoaderStock } from 'node-cdrecord-wrapper';

/** Options of {@link holdCoaster}. */
export interface CoasterHoldOptions {
  readonly redis: Redis;
  /** Names of the tower's keys and channels. */
  readonly keys: RedisSchema;
  readonly agentId: string;
  readonly driveId: string;
  readonly drive: Drive;
  readonly attempt: AttemptRecord;
  readonly pollIntervalMs: number;
  /** Ends the hold early (the agent is stopping). */
  readonly signal: AbortSignal;
  /** The drive's disc loader: it puts the coaster in its reject slot and loads a blank, instead of the tray opening. */
  readonly loader?: DiscLoader;
}

/** Show the coaster, eject it and wait for a blank disc. Resolves when the drive may work again (or the signal fired). */
export async function holdCoaster(o: CoasterHoldOptions): Promise<void> {
  const publisher = new DriveStatePublisher({ driveId: o.driveId, agentId: o.agentId, redis: o.redis, keys: o.keys });
  const what = `the agent stopped during copy ${o.attempt.copy} of run ${o.attempt.runId}: the disc is a coaster${o.loader === undefined ? ', take it out' : ' for the reject slot'}`;
  const base = { state: 'failed' as const, mediaType: o.attempt.mediaType, runId: o.attempt.runId, copy: o.attempt.copy, attemptId: o.attempt.id };
  publisher.update({ ...base, message: what });
  try {
    let stock: LoaderStock | null = null;
    if (o.loader === undefined) await o.drive.eject(o.signal).catch(() => undefined);
    else stock = await o.loader.afterDisc('failed', o.signal, leavingDisc(o.attempt)).catch(() => null);
    while (!o.signal.aborted) {
      const media = await o.drive.media(o.signal).catch(() => null);
      if (media?.status === 'blank') break;
      if (media?.status === 'none') publisher.update({ ...base, message: `${what} and insert a blank disc` });
      // A person may have put blanks into the loader's input, or made room for the coaster it holds, meanwhile.
      const held = stock?.needsPerson === 'reject-full' || stock?.needsPerson === 'output-full';
      if ((media?.status === 'none' || held) && o.loader !== undefined) stock = await o.loader.fill(o.signal).catch(() => stock);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.pollIntervalMs);
        o.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  } finally {
    await publisher.flush();
    publisher.close();
  }
}

/** The interrupted attempt's disc, for the loader keeping it as a reject. */
export function leavingDisc(a: AttemptRecord): LeavingDisc {
  const label = a.set !== undefined ? setLabel(a.set) : a.merge?.label;
  return { runId: a.runId, copy: a.copy, attemptId: a.id, ...(label === undefined || label === '' ? {} : { label }) };
}
