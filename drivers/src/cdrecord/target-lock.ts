/**
 * Exclusive lock for `stdio:` targets. libburn does not lock pseudo drives
 * (two cdrskin runs on one file both "succeed" and leave garbage, optical
 * tools reference §2.10), so each burn holds `<target>.tower-lock`, created
 * with O_EXCL and holding the owner's pid. A lock left by a dead process is
 * taken over. Where no file can be created beside the target (read-only
 * file system, FUSE mounts without create), the lock lives in
 * `$TMPDIR/tower-locks/` under a hash of the target path instead.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DriveBusyError, DriveGoneError } from '../errors.js';

/** Path of the lock file for a target file. */
export function lockPathFor(target: string): string {
  return `${target}.tower-lock`;
}

/** Lock path used when the target's directory cannot hold the lock file. */
export function fallbackLockPathFor(target: string): string {
  const digest = createHash('sha256').update(path.resolve(target)).digest('hex').slice(0, 32);
  return path.join(tmpdir(), 'tower-locks', `${digest}.lock`);
}

const CANNOT_CREATE_BESIDE = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOSYS', 'EOPNOTSUPP', 'EINVAL']);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held lock; `release` removes the file (idempotent). */
export interface TargetLock {
  readonly path: string;
  release(): Promise<void>;
}

async function createExclusive(lockPath: string): Promise<boolean> {
  try {
    await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Take the lock for `target`. Throws `DriveBusyError` when a live process
 * (this one included) holds it, `DriveGoneError` when the target's directory
 * does not exist.
 */
export async function acquireTargetLock(target: string, device: string): Promise<TargetLock> {
  try {
    return await acquireLockFile(lockPathFor(target), device);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !CANNOT_CREATE_BESIDE.has(code)) throw err;
  }
  const fallback = fallbackLockPathFor(target);
  await mkdir(path.dirname(fallback), { recursive: true, mode: 0o1777 });
  return acquireLockFile(fallback, device);
}

async function acquireLockFile(lockPath: string, device: string): Promise<TargetLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    let created: boolean;
    try {
      created = await createExclusive(lockPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new DriveGoneError(`${device}: the target's directory does not exist`, { device, cause: err });
      }
      throw err;
    }
    if (created) {
      let released = false;
      return {
        path: lockPath,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(lockPath).catch(() => undefined);
        },
      };
    }
    const owner = Number.parseInt((await readFile(lockPath, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`;
      throw new DriveBusyError(`${device} is busy: ${who} is using it (lock ${lockPath})`, { device });
    }
    if (!Number.isInteger(owner) || owner <= 0) {
      // Another process may have created the file and not yet written its pid.
      const info = await stat(lockPath).catch(() => null);
      if (info && Date.now() - info.mtimeMs < 5_000) {
        throw new DriveBusyError(`${device} is busy: another process is taking it (lock ${lockPath})`, { device });
      }
    }
    // Stale lock (dead owner, or empty for a while): remove it and try again.
    await unlink(lockPath).catch(() => undefined);
  }
  throw new DriveBusyError(`${device} is busy: could not take the lock ${lockPath}`, { device });
}
