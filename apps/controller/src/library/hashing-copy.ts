/**
 * Copy a stream into a new file while hashing it (SHA-256) and counting bytes
 * against optional limits. The copy is sparse: a block of zeros is not
 * written (the file is extended over it), so a mostly empty image takes the
 * disk space of its data, not of its length. On any failure the partial file
 * is deleted.
 */
import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UploadTooLargeError } from './errors.js';

/** A byte budget shared by several copies (e.g. a CUE upload and its BIN). */
export interface ByteBudget {
  readonly limitBytes: number;
  usedBytes: number;
  /** A second limit with its own refusal (the largest image any disc holds): thrown once `usedBytes` passes `bytes`. */
  readonly cap?: { readonly bytes: number; readonly error: (usedBytes: number) => Error };
}

/** Options of `copyAndHash`. */
export interface CopyOptions {
  /** Abort with `UploadTooLargeError` once more than `budget.limitBytes` bytes went through all copies sharing it. */
  readonly budget?: ByteBudget;
  /** Further hashes fed the same bytes (e.g. the digest of all BINs of a CUE image). */
  readonly alsoHash?: readonly Hash[];
}

/** Result of a copy. */
export interface CopyResult {
  readonly bytes: number;
  readonly sha256: string;
}

/** Holes are made of whole blocks of this size (file offsets), the file system's usual block. */
const HOLE_BLOCK = 4096;
/** Zeros to compare with: a whole read chunk at once (the usual case in a hole), else a block at a time. */
const ZEROS = Buffer.alloc(256 * 1024);

/** Writes a file from its start, leaving zero blocks unwritten (holes). */
class SparseWriter {
  #pos = 0;
  constructor(private readonly handle: FileHandle) {}

  /** Append `chunk`: its runs of non-zero blocks are written, its zero blocks skipped. */
  async write(chunk: Buffer): Promise<void> {
    if (chunk.length <= ZEROS.length && chunk.equals(ZEROS.subarray(0, chunk.length))) {
      this.#pos += chunk.length;
      return;
    }
    let runStart = -1;
    let i = 0;
    while (i < chunk.length) {
      // Up to the next block boundary of the file.
      const end = Math.min(chunk.length, i + HOLE_BLOCK - ((this.#pos + i) % HOLE_BLOCK));
      const zero = chunk.subarray(i, end).equals(ZEROS.subarray(0, end - i));
      if (!zero && runStart < 0) runStart = i;
      if (zero && runStart >= 0) {
        await this.#writeAll(chunk, runStart, i);
        runStart = -1;
      }
      i = end;
    }
    if (runStart >= 0) await this.#writeAll(chunk, runStart, chunk.length);
    this.#pos += chunk.length;
  }

  /** Give the file its full length (a trailing hole is not written either). */
  async finish(): Promise<void> {
    await this.handle.truncate(this.#pos);
  }

  async #writeAll(chunk: Buffer, from: number, to: number): Promise<void> {
    let at = from;
    while (at < to) {
      const { bytesWritten } = await this.handle.write(chunk, at, to - at, this.#pos + at);
      if (bytesWritten <= 0) throw new Error('the file system accepted no bytes');
      at += bytesWritten;
    }
  }
}

/**
 * Write `source` to the new file `dest` (which must not exist), hashing as it
 * goes, sparsely (zero blocks become holes), then fsync it. On failure,
 * `source` is destroyed, `dest` removed and the error rethrown.
 */
export async function copyAndHash(source: Readable, dest: string, options: CopyOptions = {}): Promise<CopyResult> {
  const hash = createHash('sha256');
  const budget = options.budget;
  let bytes = 0;
  let handle: FileHandle | null = null;
  let opened = false;
  try {
    handle = await open(dest, 'wx');
    opened = true;
    const writer = new SparseWriter(handle);
    for await (const piece of source as AsyncIterable<Buffer | string>) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      if (budget) {
        budget.usedBytes += chunk.length;
        if (budget.usedBytes > budget.limitBytes) throw new UploadTooLargeError(budget.limitBytes);
        if (budget.cap !== undefined && budget.usedBytes > budget.cap.bytes) throw budget.cap.error(budget.usedBytes);
      }
      bytes += chunk.length;
      hash.update(chunk);
      for (const extra of options.alsoHash ?? []) extra.update(chunk);
      await writer.write(chunk);
    }
    await writer.finish();
    await handle.sync();
    const done = handle;
    handle = null;
    await done.close();
  } catch (err) {
    source.destroy();
    await handle?.close().catch(() => undefined);
    if (opened) await rm(dest, { force: true });
    throw err;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** SHA-256 of a file already on disk, fed to `alsoHash` too. */
export async function hashFile(file: string, alsoHash: readonly Hash[] = []): Promise<CopyResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  const handle = await open(file, 'r');
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      hash.update(chunk);
      for (const extra of alsoHash) extra.update(chunk);
    }
  } finally {
    await handle.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}
