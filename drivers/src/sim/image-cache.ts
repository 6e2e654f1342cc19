/**
 * Image files held in memory for simulated drives reading discs back. A tower
 * of simulated drives reads the same image over and over (hundreds of drives
 * verifying copies of one image); reading it from the file system in fresh
 * chunks each time costs more CPU and memory than the rest of the simulation.
 *
 * Only files up to `maxFileBytes` are held, at most `maxTotalBytes` in all
 * (least recently used out first). A held file is checked against the file
 * system (device, inode, size, modification and change times) at each use,
 * so a changed file is read again: what a disc reads back is what the file
 * holds when its read starts, as when the drive opens the file itself.
 */
import { readFile, stat } from 'node:fs/promises';

/** Limits of an {@link ImageFileCache}. */
export interface ImageFileCacheOptions {
  /** Larger files are not held (the caller reads them itself). Default 64 MiB. */
  readonly maxFileBytes?: number;
  /** Bytes held in all. Default 256 MiB. */
  readonly maxTotalBytes?: number;
}

interface Held {
  readonly identity: string;
  readonly bytes: Promise<Buffer | null>;
  size: number;
}

/** Whole image files in memory, shared by every simulated drive of the process. */
export class ImageFileCache {
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  readonly #held = new Map<string, Held>();
  #total = 0;

  constructor(options: ImageFileCacheOptions = {}) {
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 256 * 1024 * 1024;
  }

  /** Bytes held now. */
  get totalBytes(): number {
    return this.#total;
  }

  /**
   * The file's bytes as they are now, or null when it is too large to hold or
   * cannot be read (the caller then reads the file itself and reports the
   * error). The buffer is shared: read it, never write to it.
   */
  async get(path: string): Promise<Buffer | null> {
    let identity: string;
    try {
      const s = await stat(path, { bigint: true });
      if (!s.isFile() || s.size > BigInt(this.maxFileBytes)) return null;
      identity = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch {
      return null;
    }
    let held = this.#held.get(path);
    if (held !== undefined && held.identity !== identity) {
      this.#drop(path, held);
      held = undefined;
    }
    if (held === undefined) {
      const entry: Held = { identity, size: 0, bytes: readFile(path).catch(() => null) };
      held = entry;
      this.#held.set(path, entry);
      void entry.bytes.then((b) => {
        if (this.#held.get(path) !== entry) return;
        if (b === null) {
          this.#drop(path, entry);
          return;
        }
        entry.size = b.length;
        this.#total += b.length;
        this.#evict(path);
      });
    } else {
      // Most recently used last.
      this.#held.delete(path);
      this.#held.set(path, held);
    }
    return held.bytes;
  }

  /** Forget every file. */
  clear(): void {
    this.#held.clear();
    this.#total = 0;
  }

  #drop(path: string, held: Held): void {
    if (this.#held.get(path) !== held) return;
    this.#held.delete(path);
    this.#total -= held.size;
  }

  #evict(keep: string): void {
    for (const [path, held] of this.#held) {
      if (this.#total <= this.maxTotalBytes) return;
      if (path !== keep) this.#drop(path, held);
    }
  }
}

/** The process-wide cache the simulated drives read through. */
export const simImageCache = new ImageFileCache();
