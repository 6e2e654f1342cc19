/**
 * Finding a program on `PATH` (the environment is read here, in the config
 * module), so a missing tool is reported before anything is started.
 */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** Absolute path of `program` on `PATH`, or null. */
export async function findProgram(program: string, envPath: string | undefined = process.env.PATH): Promise<string | null> {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
