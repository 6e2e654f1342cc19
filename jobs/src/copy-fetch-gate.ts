/**
 * What one agent last learnt of each media class's copy queue, so its idle
 * drives do not all ask Redis about an empty queue: after a fetch found
 * nothing to take, fetches of that class answer undefined without asking
 * for `idleMs` (or until the next delayed job is due, if sooner), unless
 * `reopen` is called first (new work announced, a job put back). While the
 * queue looks empty, fetches that come together wait for one of them to ask
 * (the probe). A fetch in flight when work may have appeared (`reopen`)
 * does not close the gate on stale news.
 */
import type { Job, Worker } from 'bullmq';
import type { MediaClass } from 'node-cdrecord-wrapper';

/** The empty-queue memory of one agent's copy fetches. */
export class CopyFetchGate {
  /** Per class: until when (ms) a fetch is known to find nothing. */
  readonly #emptyUntil = new Map<MediaClass, number>();
  /** Bumped whenever work may have appeared, so a fetch in flight does not close the gate on stale news. */
  #epoch = 0;
  /** Classes whose queue was empty at the last look (and no news since). */
  readonly #empty = new Set<MediaClass>();
  /** Per class: the one fetch in flight while the queue looked empty, which other idle drives wait for. */
  readonly #probes = new Map<MediaClass, Promise<Job | undefined>>();

  /**
   * Fetch the next job of a class from `worker()` (called only when Redis is
   * to be asked) with a drive's own token, or undefined; see the module
   * comment.
   */
  async fetch(cls: MediaClass, worker: () => Worker, token: string, idleMs: number): Promise<Job | undefined> {
    if (this.#closed(cls)) return undefined;
    const probe = this.#probes.get(cls);
    if (probe !== undefined) {
      // The queue was empty at the last look and another drive is looking again: wait for its answer.
      const asked = this.#epoch;
      const found = await probe.then((j) => j !== undefined, () => true);
      if (!found && asked === this.#epoch) return undefined;
    }
    const bull = worker();
    const epoch = this.#epoch;
    const fetching = bull.getNextJob(token, { block: false }).then((j) => (j ?? undefined) as Job | undefined);
    // Drives whose looks fall together (all woken at once, say) must not all ask about an empty queue.
    const isProbe = this.#empty.has(cls) && !this.#probes.has(cls);
    if (isProbe) this.#probes.set(cls, fetching);
    let job: Job | undefined;
    try {
      job = await fetching;
    } finally {
      if (isProbe && this.#probes.get(cls) === fetching) this.#probes.delete(cls);
    }
    if (job !== undefined) {
      this.#empty.delete(cls);
      return job;
    }
    if (epoch === this.#epoch) {
      this.#empty.add(cls);
      let until = performance.now() + idleMs;
      // BullMQ keeps the due time of the next delayed job it saw (not public API: used only when present).
      const due = (bull as unknown as { blockUntil?: unknown }).blockUntil;
      // It is epoch ms (BullMQ's delays run on the wall clock): as a wait from now.
      if (typeof due === 'number' && due > 0) until = Math.min(until, performance.now() + Math.max(0, due - Date.now()));
      if (idleMs > 0) this.#emptyUntil.set(cls, until);
    }
    return undefined;
  }

  /** Work may have appeared in a class's queue (every class when none is given): the next fetch asks Redis. */
  reopen(cls?: MediaClass): void {
    this.#epoch++;
    if (cls === undefined) {
      this.#emptyUntil.clear();
      this.#empty.clear();
    } else {
      this.#emptyUntil.delete(cls);
      this.#empty.delete(cls);
    }
  }

  #closed(cls: MediaClass): boolean {
    return (this.#emptyUntil.get(cls) ?? 0) > performance.now();
  }
}
