/**
 * Drive listings from the tools themselves (`cdrskin --devices`, then
 * `wodim --devices`), for when sysfs shows nothing. A missing tool, a tool
 * that cannot scan, or one that hangs past the timeout is skipped: discovery
 * never fails for lack of drives.
 *
 * Note that both tools open every drive to list it (and skip drives busy
 * elsewhere), so this is slower and more intrusive than reading sysfs.
 */
import { CancelledError } from '../errors.js';
import type { DeviceListing, ListedDevice } from '../parse/device-listings.js';
import { parseCdrskinDevices, parseWodimDevices } from '../parse/device-listings.js';
import type { Spawner } from '../tool-process.js';
import { runTool } from '../tool-process.js';

/** A drive a tool listed, and which tool. */
export interface ToolListedDrive extends ListedDevice {
  readonly source: 'cdrskin' | 'wodim';
}

export interface ToolListingOptions {
  readonly spawner?: Spawner;
  readonly signal?: AbortSignal;
  /** Per tool. Default 30 s. */
  readonly timeoutMs?: number;
}

const LISTERS: ReadonlyArray<{
  readonly source: ToolListedDrive['source'];
  readonly args: readonly string[];
  readonly parse: (text: string, exitCode: number | null) => DeviceListing;
}> = [
  { source: 'cdrskin', args: ['--devices'], parse: (text) => parseCdrskinDevices(text) },
  { source: 'wodim', args: ['--devices'], parse: (text, code) => parseWodimDevices(text, code) },
];

async function runLister(
  program: ToolListedDrive['source'],
  args: readonly string[],
  options: ToolListingOptions,
): Promise<{ text: string; exitCode: number | null } | null> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  try {
    const run = await runTool({
      program,
      args,
      signal,
      killGraceMs: 2_000,
      ...(options.spawner === undefined ? {} : { spawner: options.spawner }),
    });
    return { text: `${run.stdout}\n${run.stderr}`, exitCode: run.exitCode };
  } catch (err) {
    // The caller's own cancel is the one failure passed on; a missing tool
    // (ToolMissingError), a timeout or a spawn failure just skips this tool.
    if (err instanceof CancelledError && options.signal?.aborted === true) throw err;
    return null;
  }
}

/**
 * Ask `cdrskin --devices`; when it is missing or lists nothing, ask
 * `wodim --devices`. Returns the first non-empty listing's drives (cdrskin
 * names `/dev/srN`, wodim `/dev/sgN`), or `[]`. Rejects only with
 * `CancelledError` when `options.signal` aborts.
 */
export async function listDrivesWithTools(options: ToolListingOptions = {}): Promise<ToolListedDrive[]> {
  for (const lister of LISTERS) {
    const result = await runLister(lister.source, lister.args, options);
    if (result === null) continue;
    const listing = lister.parse(result.text, result.exitCode);
    if (listing.devices.length > 0) {
      return listing.devices.map((d) => ({ ...d, source: lister.source }));
    }
  }
  return [];
}
