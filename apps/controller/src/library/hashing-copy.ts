/**
 * Copy a stream into a new file while hashing it (SHA-256) and counting bytes
 * against an optional limit. On any failure the partial file is deleted.
 */
import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UploadTooLargeError } from './errors.js';

/** A byte budget shared by several copies (e.g. a CUE upload and its BIN). */
export interface ByteBudget {
  readonly limitBytes: number;
  usedBytes: number;
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

/**
 * Write `source` to the new file `dest` (which must not exist), hashing as it
 * goes, then fsync it. On failure, `source` is destroyed, `dest` removed and
 * the error rethrown.
 */
export async function copyAndHash(source: Readable, dest: string, options: CopyOptions = {}): Promise<CopyResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const budget = options.budget;
      if (budget) {
        budget.usedBytes += chunk.length;
        if (budget.usedBytes > budget.limitBytes) {
          callback(new UploadTooLargeError(budget.limitBytes));
          return;
        }
      }
      bytes += chunk.length;
      hash.update(chunk);
      for (const extra of options.alsoHash ?? []) extra.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(dest, { flags: 'wx' }));
    const handle = await open(dest, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    source.destroy();
    await rm(dest, { force: true });
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
