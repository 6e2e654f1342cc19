/**
 * The drives of one agent that hold a blank disc and found nothing to take,
 * by media class, so that a copy drawn by a drive that may not burn it goes
 * straight to one of them that may.
 *
 * Why: a run restricted to some drives shares its class's queue with every
 * drive of every agent. Put back to the queue, its copy is drawn again by
 * whichever drive looks next, so with a few idle drives that may not take it
 * the one drive that may wins it only by luck, and a copy waited tens of
 * seconds for a drive that sat idle beside the ones drawing it. The same goes
 * for a retry steered away from the drive it failed on.
 *
 * A drive registers with `wait()` after a fetch found nothing and withdraws
 * before it looks again, saying which jobs it can take (its capabilities:
 * see copy-suitability.ts). `handOff()` offers a job (with the lock token it
 * was fetched with) to the waiting drives that the caller allows and that
 * can take it, longest waiting first; the first receiver that accepts owns
 * the job and its lock from then on. Plain in-process bookkeeping: no Redis.
 */
import type { Job } from 'bullmq';
import type { MediaClass } from 'node-cdrecord-wrapper';

/**
 * Takes a handed job and the token that holds its lock; true when it accepts
 * (and so owns the job), false when it cannot take it now.
 */
export type JobReceiver = (job: Job, token: string) => boolean;

/** A waiting drive: its receiver, and which jobs it can take at all. */
interface Waiter {
  readonly receiver: JobReceiver;
  readonly takes: (job: Job) => boolean;
}

/** Idle drives with a blank, by media class, that will take a job handed to them. */
export class WaitingDrives {
  readonly #byClass = new Map<MediaClass, Map<string, Waiter>>();

  /**
   * Register a drive as waiting for work of a class; returns the function that
   * withdraws it. A drive waits for one class at a time: registering again
   * replaces its earlier registration. `takes` says which jobs the drive can
   * take at all (default: every job of the class); it is offered no other.
   */
  wait(cls: MediaClass, driveId: string, receiver: JobReceiver, takes: (job: Job) => boolean = () => true): () => void {
    for (const drives of this.#byClass.values()) drives.delete(driveId);
    let drives = this.#byClass.get(cls);
    if (drives === undefined) {
      drives = new Map();
      this.#byClass.set(cls, drives);
    }
    drives.set(driveId, { receiver, takes });
    const registered = drives;
    return () => {
      if (registered.get(driveId)?.receiver === receiver) registered.delete(driveId);
    };
  }

  /**
   * Offer a fetched job to the drives waiting for its class that `allowed`
   * accepts and that can take it, longest waiting first (a drive that cannot
   * take it keeps waiting). Returns the id of the drive that took it
   * (it is no longer waiting), or null when none did: the caller still holds
   * the job.
   */
  handOff(cls: MediaClass, job: Job, token: string, allowed: (driveId: string) => boolean): string | null {
    const drives = this.#byClass.get(cls);
    if (drives === undefined) return null;
    for (const [driveId, waiter] of drives) {
      if (!allowed(driveId) || !waiter.takes(job)) continue;
      drives.delete(driveId);
      if (waiter.receiver(job, token)) return driveId;
    }
    return null;
  }

  /** The ids of the drives waiting for a class, longest waiting first. */
  waiting(cls: MediaClass): string[] {
    return [...(this.#byClass.get(cls)?.keys() ?? [])];
  }
}
