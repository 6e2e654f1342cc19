/**
 * Image files already proven to match their stored SHA-256, keyed by path and
 * the file's identity (device, inode, size, change and modification times in
 * nanoseconds). Verification uses it to skip hashing every read-back: once a
 * disc read back byte-equal to the image has also hashed to the stored digest,
 * the file is known to hold those bytes for as long as its identity is the
 * same, so later discs that compare byte-equal carry that digest too.
 *
 * Any write to the file changes its ctime (which no user call can set back),
 * so an edited, replaced or truncated image is hashed again on its next use.
 */
import type { BigIntStats } from 'node:fs';

/** What identifies one version of a file's contents. */
export interface ImageFileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** The identity of a file from a `stat(path, { bigint: true })` result. */
export function imageFileIdentity(stats: BigIntStats): ImageFileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs };
}

/** The identity as one string (`dev:ino:size:mtimeNs:ctimeNs`), for records and job data. */
export function identityText(identity: ImageFileIdentity): string {
  return [identity.dev, identity.ino, identity.size, identity.mtimeNs, identity.ctimeNs].join(':');
}

/** Same file, same contents as far as the file system can tell. */
export function sameIdentity(a: ImageFileIdentity, b: ImageFileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

interface Entry {
  readonly identity: ImageFileIdentity;
  readonly sha256: string;
}

/** A bounded set of (path, identity, digest) proven by a hash. */
export class VerifiedImages {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;

  /** @param max how many images to remember; the least recently used is forgotten first. */
  constructor(max = 64) {
    this.#max = Math.max(1, max);
  }

  /** How many images are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** True when `path` was proven to hash to `sha256` and still has the identity it had then. */
  has(path: string, identity: ImageFileIdentity, sha256: string): boolean {
    const e = this.#entries.get(path);
    if (e === undefined) return false;
    if (e.sha256 !== sha256.toLowerCase() || !sameIdentity(e.identity, identity)) {
      this.#entries.delete(path);
      return false;
    }
    this.#entries.delete(path);
    this.#entries.set(path, e);
    return true;
  }

  /** Record that `path`, with this identity, hashes to `sha256`. */
  remember(path: string, identity: ImageFileIdentity, sha256: string): void {
    this.#entries.delete(path);
    this.#entries.set(path, { identity, sha256: sha256.toLowerCase() });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Forget one image (or all). */
  forget(path?: string): void {
    if (path === undefined) this.#entries.clear();
    else this.#entries.delete(path);
  }
}

/** The process-wide set `verifyDisc` uses unless told otherwise. */
export const verifiedImages = new VerifiedImages();
