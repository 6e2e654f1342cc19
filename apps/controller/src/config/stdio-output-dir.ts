/**
 * The check of a `stdio:` pseudo drive's output folder (`agent.drives[].outputDir`):
 * each burned disc is moved there by a hard link and an unlink, so the folder
 * must exist, be writable and be on the drive file's filesystem; and the
 * drive file, if it exists, must be a regular file (a block device's disc
 * cannot be moved).
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.js';

/** `dir` (absolute) checked as the output folder of the drive file `target`; throws `ConfigError` on `field` with one line. */
export function checkedOutputDir(dir: string, target: string, field: string): string {
  const folder = statOrNull(dir);
  if (folder === null || !folder.isDirectory()) throw new ConfigError(field, `${dir} is not an existing folder: create it first`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(field, `${dir} is not writable by this process`);
  }
  const file = statOrNull(target);
  if (file !== null && !file.isFile()) throw new ConfigError(field, `${target} is not a regular file: only a file drive's discs can be kept`);
  const home = statOrNull(path.dirname(target));
  if (home === null) throw new ConfigError(field, `the drive file's folder ${path.dirname(target)} does not exist`);
  if (home.dev !== folder.dev) {
    throw new ConfigError(field, `${dir} is on another filesystem than the drive file ${target}: discs are moved by rename, use a folder on the same filesystem`);
  }
  return dir;
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
