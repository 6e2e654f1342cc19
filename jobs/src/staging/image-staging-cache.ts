/**
 * The agent's staging cache: images the library stores compressed, each
 * decompressed once into a local folder (a local SSD, or RAM when the folder
 * is a tmpdfs), keyed by the image's SHA-256, and burned and verified by every
 * drive of the agent from there: an ISO stored as zstd frames, or a CUE image
 * stored as a CHD (extracted by chdman into a folder of its BINs and sheet),
 * and, when the agent is told so, a plain image copied from a slow library.
 *
 * The first copy that needs an image stages it; copies that need it
 * meanwhile wait for that one staging (never a second decompression). An
 * image decompressed from zstd frames is handed over as soon as zstd is done
 * and its SHA-256 is proven beside the first burns (the lease's `proven`);
 * one whose proof fails is removed, and every lease of it learns so. The
 * folder holds at most `maxBytes`: room for a new image is made by removing
 * the least recently used images no copy holds; while the images held leave
 * no room, the staging waits for a copy to let one go. An image larger than
 * the cap is refused (`ImageError`). Plain images are handed back as they
 * are, unless `plainImages` is `stage` (a library on a slow volume): then a
 * plain image is copied once into the cache the same way (stage-plain-image.ts),
 * under the same cap, eviction and waiting, and the drives read the copy.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, ImageError } from 'node-cdrecord-wrapper';
import type { RunImage } from '../run-image.js';
import type { StoredImage } from '../run-image.js';
import { stageChdImage } from './stage-chd-image.js';
import { stagePlainCue, stagePlainIso } from './stage-plain-image.js';
import { stageStoredImage } from './stage-stored-image.js';

/** Where the cache lives and how much it may hold. */
export interface ImageStagingOptions {
  /** The staging folder (created when missing). Files it finds there from an earlier start are removed. */
  readonly dir: string;
  /** Bytes of staged images it holds at most. */
  readonly maxBytes: number;
  /** Clock in ms, for the least-recently-used order; default `Date.now`. */
  readonly now?: () => number;
  /** A chdman run that prints nothing this long is taken for hung on a corrupt CHD (chd-extract.ts); default 60 s. */
  readonly chdmanStallMs?: number;
  /** Plain (uncompressed) images: `direct` (default), read by the drives from the library; `stage`, copied once into the cache. */
  readonly plainImages?: 'direct' | 'stage';
}

/** A staged image: the file to burn (the ISO, or the CUE sheet in the image's folder) and what goes with it. */
interface Staged {
  readonly path: string;
  readonly identity?: string;
  readonly tocPath?: string;
  /** The SHA-256 proof still under way when the file was handed over: resolves with its identity. */
  readonly proof?: Promise<string>;
}

/** A run image ready to burn from a local file, held until `release` is called (once). */
export interface StagedLease {
  /** The run image to burn and verify: the staged file's, or the plain image as it was. */
  readonly image: RunImage;
  /** True when this call staged the image (false: it was staged already, another copy staged it, or it is used in place). */
  readonly staged: boolean;
  /**
   * Resolves once the staged bytes are proven against the image's SHA-256,
   * with the staged file's identity (undefined: nothing was staged); rejects
   * with `ImageError` when they are not. No disc burned from the lease may
   * count before it resolves.
   */
  readonly proven: Promise<string | undefined>;
  release(): void;
}

interface Entry {
  readonly sha256: string;
  readonly path: string;
  readonly bytes: number;
  users: number;
  lastUsed: number;
  /** Counted against the cap: its room was made. */
  reserved: boolean;
  file: Promise<Staged>;
  done: boolean;
  /** Resolves once the staged bytes are proven, with the file's identity (undefined: none was taken); rejects when they are not. */
  proof: Promise<string | undefined>;
  /** The proof held: the file may be evicted, and new leases carry its identity. */
  proven: boolean;
  identity: string | undefined;
}

/** An ISO decompressed from zstd frames is a file, a CUE image extracted from a CHD a folder (stage-chd-image.ts). */
const STAGED_NAME = /^[0-9a-f]{64}\.staged\.(iso|cd)(\.part)?$/;

/** The cache. One per agent, shared by all its drive workers. */
export class ImageStagingCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #now: () => number;
  readonly #stallMs: number | undefined;
  readonly #stagePlain: boolean;
  readonly #entries = new Map<string, Entry>();
  readonly #stop = new AbortController();
  #ready: Promise<void> | null = null;
  #released: (() => void)[] = [];
  #stagings = 0;

  constructor(options: ImageStagingOptions) {
    this.dir = path.resolve(options.dir);
    this.maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
    this.#stallMs = options.chdmanStallMs;
    this.#stagePlain = options.plainImages === 'stage';
  }

  /** True when plain images are copied into the cache too (`plainImages: 'stage'`). */
  get stagesPlainImages(): boolean {
    return this.#stagePlain;
  }

  /** How many images this cache has staged (decompressed, or copied) since it was made. */
  get stagings(): number {
    return this.#stagings;
  }

  /** Bytes of the images staged or being staged. */
  get usedBytes(): number {
    let used = 0;
    for (const e of this.#entries.values()) if (e.reserved) used += e.bytes;
    return used;
  }

  /** SHA-256s of the images in the cache (staged or being staged), least recently used first. */
  held(): string[] {
    return [...this.#entries.values()].sort((a, b) => a.lastUsed - b.lastUsed).map((e) => e.sha256);
  }

  /**
   * The local run image of `image`: a stored one (and a plain one when
   * `plainImages` is `stage`) staged, by this call or by the copy that staged
   * it first; otherwise the plain image as it is. Rejects with
   * `ImageError` when it cannot be staged, `CancelledError` when `signal`
   * aborts the wait.
   */
  async acquire(image: RunImage, signal?: AbortSignal): Promise<StagedLease> {
    const stored = image.stored;
    if (stored === undefined && !this.#stagePlain) return { image, staged: false, proven: Promise.resolve(undefined), release: () => undefined };
    this.#ready ??= this.#clearLeftovers().catch((err: unknown) => {
      this.#ready = null;
      throw new ImageError(`the staging folder ${this.dir} cannot be used: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    await this.#ready;
    let entry = this.#entries.get(image.sha256);
    let staged = false;
    if (entry === undefined) {
      const fresh: Entry = {
        sha256: image.sha256, path: path.join(this.dir, `${image.sha256}.staged.${image.format === 'cue' ? 'cd' : 'iso'}`), bytes: image.sizeBytes,
        // `file` is set right below, once the entry exists for `#makeRoom` to reserve.
        users: 0, lastUsed: this.#now(), reserved: false, file: new Promise<Staged>(() => undefined), done: false,
        proof: Promise.resolve(undefined), proven: false, identity: undefined,
      };
      fresh.file = this.#makeRoom(fresh).then(() => {
        this.#stagings++;
        return this.#stage(image, stored, fresh.path);
      });
      fresh.proof = fresh.file.then((f) => f.proof ?? f.identity);
      fresh.file.then(() => { fresh.done = true; }, () => this.#drop(fresh));
      fresh.proof.then((identity) => this.#proven(fresh, identity), () => { if (fresh.done) this.#refuse(fresh); });
      this.#entries.set(image.sha256, fresh);
      entry = fresh;
      staged = true;
    }
    entry.users++;
    const held = entry;
    let file: Staged;
    try {
      file = await untilAborted(held.file, signal);
    } catch (err) {
      this.#let(held);
      throw err;
    }
    held.lastUsed = this.#now();
    const { stored: _stored, identity: _identity, tocPath: _toc, ...plain } = image;
    const identity = file.identity ?? held.identity;
    let released = false;
    return {
      image: { ...plain, path: file.path, ...(identity === undefined ? {} : { identity }), ...(file.tocPath === undefined ? {} : { tocPath: file.tocPath }) },
      staged,
      proven: held.proof,
      release: () => {
        if (released) return;
        released = true;
        this.#let(held);
      },
    };
  }

  /** Stop every staging under way (the agent stops). Staged files stay until the next start clears them. */
  close(): void {
    this.#stop.abort();
    this.#wake();
  }

  async #stage(image: RunImage, stored: StoredImage | undefined, dest: string): Promise<Staged> {
    const signal = this.#stop.signal;
    if (stored === undefined && image.format === 'cue') {
      const cd = await stagePlainCue(image, dest, { signal });
      return { path: cd.cuePath, ...(cd.tocPath === undefined ? {} : { tocPath: cd.tocPath }) };
    }
    if (stored === undefined) return stagePlainIso(image, dest, { signal });
    if (stored.compression !== 'chd') {
      const file = await stageStoredImage(image, stored, dest, { signal });
      return { path: file.path, proof: file.proof };
    }
    const cd = await stageChdImage(image, stored, dest, { signal: this.#stop.signal, ...(this.#stallMs === undefined ? {} : { stallMs: this.#stallMs }) });
    return { path: cd.cuePath, ...(cd.tocPath === undefined ? {} : { tocPath: cd.tocPath }) };
  }

  #let(entry: Entry): void {
    entry.users--;
    entry.lastUsed = this.#now();
    this.#wake();
  }

  #proven(entry: Entry, identity: string | undefined): void {
    entry.identity = identity;
    entry.proven = true;
    this.#wake();
  }

  /** A staged file whose proof failed: removed (before the entry goes, so no new staging of the image can be writing there). */
  #refuse(entry: Entry): void {
    void rm(entry.path, { recursive: true, force: true }).catch(() => undefined).finally(() => this.#drop(entry));
  }

  #drop(entry: Entry): void {
    if (this.#entries.get(entry.sha256) === entry) this.#entries.delete(entry.sha256);
    entry.reserved = false;
    this.#wake();
  }

  /** Wake the stagings waiting for room. */
  #wake(): void {
    const waiting = this.#released;
    this.#released = [];
    for (const wake of waiting) wake();
  }

  /** Reserve `entry`'s bytes: evict the least recently used images no copy holds, or wait for a copy to let one go. */
  async #makeRoom(entry: Entry): Promise<void> {
    if (entry.bytes > this.maxBytes) {
      throw new ImageError(`the image (${entry.bytes} bytes) is larger than the staging cache (${this.maxBytes} bytes, agent.staging.maxBytes)`);
    }
    for (;;) {
      if (this.#stop.signal.aborted) throw new CancelledError('the agent is stopping');
      const evictable = [...this.#entries.values()].filter((e) => e !== entry && e.reserved && e.done && e.proven && e.users === 0).sort((a, b) => a.lastUsed - b.lastUsed);
      while (this.usedBytes + entry.bytes > this.maxBytes && evictable.length > 0) {
        const victim = evictable.shift()!;
        // Taken again by a copy while an earlier file was removed: not evicted.
        if (victim.users > 0 || this.#entries.get(victim.sha256) !== victim) continue;
        this.#entries.delete(victim.sha256);
        victim.reserved = false;
        await rm(victim.path, { recursive: true, force: true });
      }
      if (this.usedBytes + entry.bytes <= this.maxBytes) {
        entry.reserved = true;
        return;
      }
      await new Promise<void>((resolve) => this.#released.push(resolve));
    }
  }

  async #clearLeftovers(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) if (STAGED_NAME.test(name)) await rm(path.join(this.dir, name), { recursive: true, force: true });
  }
}

/** `promise`, or a `CancelledError` as soon as `signal` aborts (the promise goes on for whoever else waits on it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new CancelledError('cancelled while the image was staged'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError('cancelled while the image was staged'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
