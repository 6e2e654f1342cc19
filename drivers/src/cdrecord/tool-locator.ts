/**
 * Find programs on PATH by looking at the PATH directories (no shell, no
 * `which`), and pick the cdrecord-family burner for real drives.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

/** The cdrecord-family programs this backend can drive, in order of preference. */
export type BurnerProgram = 'cdrskin' | 'wodim' | 'cdrecord';

/** Preference order when the caller does not choose: libburn's cdrskin first. */
export const BURNER_PREFERENCE: readonly BurnerProgram[] = ['cdrskin', 'wodim', 'cdrecord'];

/** Absolute path of `program` in the PATH of `env`, or null when it is not installed. */
export async function findOnPath(program: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const dirs = (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(path.delimiter);
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      const info = await stat(candidate);
      if (!info.isFile()) continue;
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The first installed burner in preference order; `cdrskin` when none is (running it then reports ToolMissingError). */
export async function pickBurner(env: NodeJS.ProcessEnv): Promise<BurnerProgram> {
  for (const program of BURNER_PREFERENCE) {
    if ((await findOnPath(program, env)) !== null) return program;
  }
  return 'cdrskin';
}
