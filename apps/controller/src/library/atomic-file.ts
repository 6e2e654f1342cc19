/**
 * Write a file whole or not at all: a temporary file in the same folder,
 * fsynced, renamed over the target, then the folder fsynced.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Name prefix of every temporary file and folder the library makes; `rebuild()` ignores them. */
export const TEMP_PREFIX = '.tmp-';

/** A fresh temporary name in `dir`. */
export function tempPath(dir: string, suffix = ''): string {
  return path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}${suffix}`);
}

/** fsync a folder so renames in it survive a crash (best effort). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic.
  }
}

/** Replace `file` with `content` atomically. */
export async function writeFileAtomic(file: string, content: string | Buffer): Promise<void> {
  const dir = path.dirname(file);
  const temp = tempPath(dir, '.json');
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}
