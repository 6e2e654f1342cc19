/**
 * The staging area of one agent's merged discs (issue 15). Every drive of
 * the agent takes its disc's image from here, and while the drives burn, the
 * agent builds the images of the merged copies next in the queue (building
 * ahead), so a drive that fetches one of them finds it ready.
 *
 * - The image is a cache, never the slot's truth: a copy's row is fixed by
 *   its slot (`discMergeOf`), its image is built from that row and the run's
 *   master, and the drive records the SHA-256 of the image it burns. An image
 *   is found by run, slot and a fingerprint of master and row.
 * - A drive asking for a slot being built waits for that build; one asking
 *   for a slot nobody builds builds it itself, just in time, here. Never two
 *   builds of one slot at once (except a job BullMQ delivers twice at once:
 *   the second delivery builds a file of its own).
 * - The image a drive takes is the drive's: it removes it once the disc is done.
 * - A master the agent stages (`masters`: stored compressed, or plain when
 *   plain images are staged) is built from its staged copy, staged once by
 *   the first build or drive that needs it; so a compressed master is built
 *   ahead too.
 * - Ahead: at most `window` images ready or being built, one build at a time,
 *   within `maxBytes`, and only when the staging folder's free space allows
 *   (checked before every build, the drive's own too).
 * - An image no drive of the agent will fetch (its slot taken by another
 *   agent, its run finished or cancelled) is removed once the queue's head
 *   has not held its slot for `sweepMs`; `start` removes what a crashed
 *   agent left, `close` what was not taken.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError } from 'node-cdrecord-wrapper';
import type { MediaClass } from 'node-cdrecord-wrapper';
import type { CopyJob } from './job-types.js';
import { buildDiscImage, STAGED_IMAGE_NAME } from './merged-disc-image.js';
import type { RunImage } from './run-image.js';
import type { ImageStagingCache } from './staging/image-staging-cache.js';

/** Where a merged copy's drive gets its disc's image (`CopyContext.discImages`). */
export interface DiscImageSource {
  /** The image of `job`'s disc, now the caller's (it removes the file when the disc is done). */
  take(job: CopyJob, mediaClass: MediaClass | undefined, signal: AbortSignal | undefined): Promise<RunImage>;
}

/** Options of a {@link MergeStaging}. */
export interface MergeStagingOptions {
  /** The agent's own staging folder (a local disk: burn and verify both read the image). */
  readonly dir: string;
  /** Images built ahead (ready or being built) at most; 0: none, each drive builds its own just in time. */
  readonly window: number;
  /** Bytes the images built ahead may take together; default 8 GiB. */
  readonly maxBytes?: number;
  /** The copies next in a media class's queue, in the order drives fetch them (at most `count`). None: no building ahead. */
  readonly upcoming?: (cls: MediaClass, count: number) => Promise<readonly CopyJob[]>;
  /** How long an image not taken may be missing from the queue's head before it is removed, ms; default 2000. */
  readonly sweepMs?: number;
  /** A build ahead failed, or the queue could not be read (the drives then build their own). */
  readonly onError?: (err: Error) => void;
  /** The agent's staging cache: masters it stages are built from their staged copy. None: built from the library file. */
  readonly masters?: Pick<ImageStagingCache, 'acquire' | 'stagesPlainImages'>;
}

/** The staging folder has not the room for a disc's image: the copy fails and is retried. */
export class StagingFullError extends Error {
  constructor(dir: string, freeBytes: number, needBytes: number) {
    super(`the staging folder ${dir} has ${mib(freeBytes)} MiB free; a disc's image needs about ${mib(needBytes)} MiB: free some space`);
    this.name = 'StagingFullError';
  }
}

interface Entry {
  readonly key: string;
  readonly fingerprint: string;
  readonly cls: MediaClass | undefined;
  /** Bytes the image will take (the master's plus room for the row's files). */
  readonly estimate: number;
  readonly abort: AbortController;
  build: Promise<RunImage>;
  image: RunImage | null;
  /** A drive has it (waits for it or took it): never swept. */
  claimed: boolean;
  /** Since when the queue's head has not held its slot (null: it did at the last look). */
  missingSince: number | null;
}

const DEFAULT_MAX_BYTES = 8 * 1024 ** 3;
/** Free space a build ahead leaves for the drives' own builds and everything else. */
const KEEP_FREE_BYTES = 64 * 1024 ** 2;

/** One agent's merged disc images: taken by its drives, built ahead for them. */
export class MergeStaging implements DiscImageSource {
  readonly #o: MergeStagingOptions;
  readonly #entries = new Map<string, Entry>();
  /** Fingerprints whose build failed: not built ahead again (the drive's own build reports why). */
  readonly #failed = new Set<string>();
  readonly #classes = new Set<MediaClass>();
  #filling: Promise<void> | null = null;
  #fillAgain = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Images built ahead; taken by a drive ready, or while being built ahead; built by a drive itself; swept unused (benchmark, tests). */
  readonly counts = { builtAhead: 0, takenReady: 0, takenBuilding: 0, builtByDrive: 0, swept: 0 };

  constructor(options: MergeStagingOptions) {
    this.#o = options;
  }

  get dir(): string {
    return this.#o.dir;
  }

  /** Make the folder and remove the images and work folders a crashed agent left in it. */
  async start(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    for (const name of await readdir(this.#o.dir)) {
      if (STAGED_IMAGE_NAME.test(name) || name.startsWith('.merge-')) await rm(path.join(this.#o.dir, name), { recursive: true, force: true });
    }
    this.#timer = setInterval(() => this.#sweepTick(), this.#sweepMs() / 2);
    this.#timer.unref();
  }

  /** Stop building and remove every image no drive took (a drive's own it removes itself). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const dropped = [...this.#entries.values()].filter((e) => !e.claimed).map((e) => this.#discard(e));
    await this.#filling;
    await Promise.allSettled([...dropped, ...[...this.#entries.values()].map((e) => e.build)]);
  }

  /** Slots (`runId/copy`) with an image here that no drive has taken yet. */
  ready(): string[] {
    return [...this.#entries.values()].filter((e) => !e.claimed && e.image !== null).map((e) => e.key);
  }

  async take(job: CopyJob, mediaClass: MediaClass | undefined, signal: AbortSignal | undefined): Promise<RunImage> {
    if (job.merge === undefined) return job.image;
    const key = slotKey(job);
    const fingerprint = fingerprintOf(job);
    let e = this.#entries.get(key);
    if (e !== undefined && e.claimed) {
      // The same slot delivered twice at once: this delivery builds its own file, outside the cache.
      await this.#checkSpace(estimateOf(job), null);
      this.counts.builtByDrive += 1;
      return this.#build(job, signal);
    }
    if (e !== undefined && e.fingerprint !== fingerprint) {
      void this.#discard(e);
      e = undefined;
    }
    const own = e === undefined;
    if (e === undefined) {
      e = this.#startBuild(job, mediaClass, signal, false);
      this.counts.builtByDrive += 1;
    } else if (e.image !== null) {
      this.counts.takenReady += 1;
    } else {
      this.counts.takenBuilding += 1;
    }
    e.claimed = true;
    if (mediaClass !== undefined) this.#fillAhead(mediaClass);
    try {
      const image = own ? await e.build : await untilAborted(e.build, signal);
      if (this.#entries.get(key) === e) this.#entries.delete(key);
      return image;
    } catch (err) {
      // A drive that stops waiting leaves a build ahead to go on for another drive; its own build went with it.
      if (!own && signal?.aborted === true && this.#entries.get(key) === e) e.claimed = false;
      else if (this.#entries.get(key) === e) void this.#discard(e);
      throw err;
    }
  }

  #sweepMs(): number {
    return this.#o.sweepMs ?? 2000;
  }

  /** While images wait to be taken, look at the queue now and then: slots gone from it are swept. */
  #sweepTick(): void {
    const classes = new Set([...this.#entries.values()].filter((e) => !e.claimed).map((e) => e.cls));
    for (const cls of classes) if (cls !== undefined) this.#fillAhead(cls);
  }

  /** Build ahead for `cls` (one filling loop at a time; a call meanwhile makes it look once more). */
  #fillAhead(cls: MediaClass): void {
    if (this.#o.upcoming === undefined || this.#o.window <= 0 || this.#closed) return;
    this.#classes.add(cls);
    if (this.#filling !== null) {
      this.#fillAgain = true;
      return;
    }
    this.#filling = (async () => {
      do {
        this.#fillAgain = false;
        for (const c of this.#classes) {
          try {
            let again = true;
            while (again && !this.#closed) again = await this.#fillOne(c);
          } catch (err) {
            this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
          }
        }
      } while (this.#fillAgain && !this.#closed);
    })().finally(() => {
      this.#filling = null;
    });
  }

  /** Look at the queue's head once: sweep, then build the first slot wanted and not here. True: look again. */
  async #fillOne(cls: MediaClass): Promise<boolean> {
    const { window, upcoming } = this.#o;
    if (upcoming === undefined) return false;
    const jobs = await upcoming(cls, window * 3 + 4);
    if (this.#closed) return false;
    this.#sweep(cls, jobs);
    const ahead = [...this.#entries.values()].filter((x) => !x.claimed);
    if (ahead.length >= window) return false;
    const next = jobs.find((j) => j.merge !== undefined && (this.#o.masters !== undefined || !isStored(j)) && !this.#entries.has(slotKey(j)) && !this.#failed.has(fingerprintOf(j)));
    if (next === undefined) return false;
    const estimate = estimateOf(next);
    if (ahead.reduce((sum, x) => sum + (x.image?.sizeBytes ?? x.estimate), 0) + estimate > (this.#o.maxBytes ?? DEFAULT_MAX_BYTES)) return false;
    if (!(await this.#hasSpace(estimate + KEEP_FREE_BYTES))) return false;
    if (this.#closed || this.#entries.has(slotKey(next))) return !this.#closed;
    const e = this.#startBuild(next, cls, undefined, true);
    try {
      await e.build;
      this.counts.builtAhead += 1;
    } catch (err) {
      if (this.#entries.get(e.key) === e && !e.claimed) this.#entries.delete(e.key);
      if (!e.abort.signal.aborted) {
        this.#failed.add(e.fingerprint);
        this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return true;
  }

  /** Images not taken whose slot the queue's head has not held for `sweepMs` are removed. */
  #sweep(cls: MediaClass, jobs: readonly CopyJob[]): void {
    const wanted = new Set(jobs.map(slotKey));
    const now = Date.now();
    for (const e of [...this.#entries.values()]) {
      if (e.claimed || e.cls !== cls) continue;
      if (wanted.has(e.key)) e.missingSince = null;
      else if (e.missingSince === null) e.missingSince = now;
      else if (now - e.missingSince >= this.#sweepMs()) {
        this.counts.swept += 1;
        void this.#discard(e);
      }
    }
  }

  /** Start building `job`'s image (a build ahead checked the space itself, without making way). */
  #startBuild(job: CopyJob, cls: MediaClass | undefined, signal: AbortSignal | undefined, ahead: boolean): Entry {
    const abort = new AbortController();
    if (signal !== undefined) {
      if (signal.aborted) abort.abort();
      else signal.addEventListener('abort', () => abort.abort(), { once: true });
    }
    const e: Entry = {
      key: slotKey(job), fingerprint: fingerprintOf(job), cls, estimate: estimateOf(job), abort,
      build: Promise.resolve(job.image), image: null, claimed: false, missingSince: null,
    };
    e.build = (async () => {
      if (!ahead) await this.#checkSpace(e.estimate, e);
      const image = await this.#build(job, abort.signal);
      if (this.#entries.get(e.key) !== e && !e.claimed) {
        await rm(image.path, { force: true });
        throw new CancelledError('the disc\'s image is no longer wanted');
      }
      e.image = image;
      return image;
    })();
    e.build.catch(() => undefined);
    this.#entries.set(e.key, e);
    return e;
  }

  /** Build `job`'s image, from its master's staged copy when the agent stages that master (held while the build reads it). */
  async #build(job: CopyJob, signal: AbortSignal | undefined): Promise<RunImage> {
    const masters = this.#o.masters;
    if (masters === undefined || !(isStored(job) || masters.stagesPlainImages)) return buildDiscImage(job, this.#o.dir, signal);
    const lease = await masters.acquire(job.image, signal);
    try {
      return await buildDiscImage({ ...job, image: lease.image }, this.#o.dir, signal);
    } finally {
      lease.release();
    }
  }

  /** Before a build: room for it beside the builds in flight, else images not taken make way; else it fails. */
  async #checkSpace(need: number, self: Entry | null): Promise<void> {
    if (await this.#hasSpace(need, self)) return;
    const dropped = [...this.#entries.values()].filter((e) => !e.claimed && e !== self).map((e) => this.#discard(e));
    await Promise.all(dropped);
    if (await this.#hasSpace(need, self)) return;
    const fs = await statfs(this.#o.dir);
    throw new StagingFullError(this.#o.dir, fs.bavail * fs.bsize, need);
  }

  async #hasSpace(need: number, self: Entry | null = null): Promise<boolean> {
    const fs = await statfs(this.#o.dir).catch(() => null);
    if (fs === null) return true;
    const building = [...this.#entries.values()].filter((e) => e !== self && e.image === null).reduce((sum, e) => sum + e.estimate, 0);
    return fs.bavail * fs.bsize >= need + building;
  }

  /** Drop an entry: its build aborted, its file removed (settles once it is). */
  #discard(e: Entry): Promise<void> {
    if (this.#entries.get(e.key) === e) this.#entries.delete(e.key);
    e.abort.abort();
    return e.build.then((image) => rm(image.path, { force: true }), () => undefined);
  }
}

/** `runId/copy`: the slot an image belongs to. */
function slotKey(job: CopyJob): string {
  return `${job.runId}/${job.copy}`;
}

/** Master and row: an image built for another master or row is never handed out for this slot (the master by its bytes: the library file and its staged copy are one). */
function fingerprintOf(job: CopyJob): string {
  return createHash('sha256').update(JSON.stringify([job.image.sha256, job.merge])).digest('hex');
}

function estimateOf(job: CopyJob): number {
  const files = job.merge?.files.reduce((sum, f) => sum + Buffer.byteLength(f.text) + 4096, 0) ?? 0;
  return job.image.sizeBytes + files + 1024 * 1024;
}

/** A master the library keeps compressed: built ahead only by a staging with `masters` (it must be decompressed first). */
function isStored(job: CopyJob): boolean {
  return (job.image as { readonly stored?: unknown }).stored !== undefined;
}

/** Wait for `p`, or throw `CancelledError` once `signal` aborts (`p` goes on). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new CancelledError('cancelled while the disc\'s image was built'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError('cancelled while the disc\'s image was built'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function mib(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}
