/**
 * The host side of mastering: free-space checks, temp files beside the
 * target, file-system errors as typed errors, and the final move into place.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, rename, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, DriveError } from '../errors.js';
import { InsufficientSpaceError, MasterOutputError } from './master-errors.js';

/** Bytes available to unprivileged writers in the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize;
  } catch (err) {
    throw outputFailure(err, `cannot check free space in ${dir}`);
  }
}

/**
 * Throw `InsufficientSpaceError` unless `dir` has `neededBytes` plus
 * `reserveBytes` free.
 */
export async function assertFreeSpace(dir: string, neededBytes: number, reserveBytes: number, device?: string): Promise<void> {
  const available = await freeBytes(dir);
  const needed = neededBytes + reserveBytes;
  if (available < needed) {
    throw new InsufficientSpaceError(
      `not enough space in ${dir} for the image: ${needed} bytes needed` +
        `${reserveBytes > 0 ? ` (${neededBytes} + ${reserveBytes} reserve)` : ''}, ${available} free`,
      needed,
      available,
      device === undefined ? {} : { device },
    );
  }
}

/** A fresh, unused name in `dir` for a temp file of `finalName` (hidden, `.part`). */
export function tempNameFor(dir: string, finalName: string): string {
  return path.join(dir, `.${path.basename(finalName)}.${randomBytes(6).toString('hex')}.part`);
}

/** A file-system error as a typed error: space errors are `InsufficientSpaceError`, the rest `MasterOutputError`. */
export function outputFailure(err: unknown, what: string, device?: string): DriveError {
  if (err instanceof DriveError) return err;
  const e = err as NodeJS.ErrnoException;
  const opts = { cause: err, ...(device === undefined ? {} : { device }) };
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'EFBIG') {
    return new InsufficientSpaceError(`${what}: ${e.code === 'EFBIG' ? 'file too large for the file system' : 'the disk is full'} (${e.code})`, undefined, undefined, opts);
  }
  return new MasterOutputError(`${what}: ${e.message}`, opts);
}

/** Remove a file or directory if it exists; never throws. */
export async function removeQuietly(target: string): Promise<void> {
  await rm(target, { force: true, recursive: true }).catch(() => undefined);
}

/**
 * Move `from` to `to`, replacing `to` atomically. Across file systems (a
 * `tempDir` on another volume) the file is copied beside `to` first, so the
 * final step is still an atomic rename.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw outputFailure(err, `cannot move the image to ${to}`);
  }
  const beside = tempNameFor(path.dirname(to), to);
  try {
    await copyFile(from, beside);
    await rename(beside, to);
  } catch (err) {
    await removeQuietly(beside);
    throw outputFailure(err, `cannot move the image to ${to}`);
  }
  await removeQuietly(from);
}

/** Throw `CancelledError` when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string, device?: string): void {
  if (signal?.aborted) throw new CancelledError(`${what} cancelled`, device === undefined ? {} : { device });
}
