/**
 * Ask a real drive for its MMC profile list: `xorriso -outdev DEV
 * -list_profiles out`, else `cdrskin -v dev=DEV -atip` (which prints the
 * list with -v). Used by `CdrecordDrive.info()` and by discovery, so both
 * report what an MMC recorder really writes rather than the kernel's legacy
 * table.
 *
 * Both tools open the drive through libburn, which closes an open tray
 * (START STOP UNIT) as it grabs the drive, the same as the `-minfo` media
 * query does. A busy drive (another process burning) is not disturbed: the
 * tools cannot open it and the answer is null.
 */
import { CancelledError } from '../errors.js';
import { parseProfileListing } from '../parse/mmc-profiles.js';
import type { ProfileListing } from '../parse/mmc-profiles.js';
import { runTool } from '../tool-process.js';
import type { Spawner } from '../tool-process.js';
import type { ToolCommand } from './burn-args.js';

export interface ProfileQueryOptions {
  readonly spawner?: Spawner;
  /** Environment of the tools (PATH lookup too). */
  readonly env?: NodeJS.ProcessEnv;
  /** The caller's cancel: rejects with `CancelledError`. */
  readonly signal?: AbortSignal;
  /** Per tool. Default 30 s; a tool past it is skipped. */
  readonly timeoutMs?: number;
}

/** A profile listing and the program that gave it. */
export interface DriveProfiles {
  readonly program: 'xorriso' | 'cdrskin';
  readonly listing: ProfileListing;
}

/** The profile queries, in order of preference. */
export function profileQueryCommands(device: string): ToolCommand[] {
  return [
    { program: 'xorriso', args: ['-outdev', device, '-list_profiles', 'out'] },
    { program: 'cdrskin', args: ['-v', `dev=${device}`, '-atip'] },
  ];
}

/**
 * The drive's profile list from the first tool that prints one; null when
 * no tool is installed, none can open the drive, or none lists a profile.
 * Rejects only with `CancelledError` when `options.signal` aborts.
 */
export async function queryDriveProfiles(device: string, options: ProfileQueryOptions = {}): Promise<DriveProfiles | null> {
  for (const command of profileQueryCommands(device)) {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    let text: string;
    try {
      const run = await runTool({
        program: command.program,
        args: command.args,
        signal,
        killGraceMs: 2_000,
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.spawner === undefined ? {} : { spawner: options.spawner }),
      });
      text = `${run.stdout}\n${run.stderr}`;
    } catch (err) {
      // The caller's cancel is passed on; a missing tool, a timeout or a spawn failure tries the next tool.
      if (err instanceof CancelledError && options.signal?.aborted === true) throw err;
      continue;
    }
    const listing = parseProfileListing(text);
    if (listing.profiles.length > 0) return { program: command.program as DriveProfiles['program'], listing };
  }
  return null;
}
