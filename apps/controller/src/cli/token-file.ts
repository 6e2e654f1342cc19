/**
 * `--token-file <path>`: the API token read from the first line of a file,
 * so it never appears on a command line (where `ps` and `/proc/<pid>/cmdline`
 * show it to every user of the host). The file must be its owner's alone:
 * one that group or others may read is refused, as ssh refuses a readable key.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './cli-output.js';

/** The token on the first line of `file` (trimmed). Throws a one-line `UsageError` when it cannot be used. */
export function readTokenFile(file: string): string {
  let info;
  try {
    info = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the token file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (!info.isFile()) throw new UsageError(`the token file ${file} is not a file`);
  const mode = info.mode & 0o777;
  if ((mode & 0o044) !== 0) {
    throw new UsageError(`the token file ${file} is readable by ${(mode & 0o004) !== 0 ? 'others' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${file}`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the token file ${file}: ${code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  const token = (text.split(/\r?\n/)[0] ?? '').trim();
  if (token === '') throw new UsageError(`the token file ${file} is empty: put the API token on its first line`);
  return token;
}
