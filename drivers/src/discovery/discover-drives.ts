/**
 * Drive discovery: which optical drives this machine has, with a stable
 * identity for each tray.
 *
 * Sources, in order:
 * 1. sysfs (`/sys/block/srN`): device, sg device, INQUIRY vendor/model/rev;
 * 2. the drive's MMC profile list (`xorriso -outdev DEV -list_profiles out`,
 *    else `cdrskin -v -atip`): what it reads and writes;
 * 3. `/proc/sys/dev/cdrom/info`: the kernel's capability table, only where
 *    the profiles could not be had (an MMC recorder may leave the legacy
 *    page it comes from empty: tgt's DVD+R recorder shows "Can write …: 0");
 * 4. udev links (`/dev/disk/by-path`, then `/dev/disk/by-id`): the stable id;
 * 5. only when sysfs lists nothing and `useTools` is set: `cdrskin --devices`,
 *    then `wodim --devices`.
 *
 * Every root is injectable so tests can build a fake tree. Discovery never
 * throws for "no drives" (or for an unreadable tree): it returns `[]`.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { queryDriveProfiles } from '../cdrecord/drive-profiles.js';
import type { CapabilitySource, DriveInfo, MediaType } from '../drive-contract.js';
import { capabilitiesFromProfiles } from '../parse/mmc-profiles.js';
import type { MmcProfile } from '../parse/mmc-profiles.js';
import type { CdromCapabilities } from '../parse/proc-cdrom-info.js';
import { mediaTypesFromCapabilities, parseProcCdromInfo } from '../parse/proc-cdrom-info.js';
import type { Spawner } from '../tool-process.js';
import type { LinkIndex } from './by-path.js';
import { indexDeviceLinks, linksFor, stableIdOf } from './by-path.js';
import { readSysfsDrives } from './sysfs-drives.js';
import { listDrivesWithTools } from './tool-drives.js';

/** One optical drive found on this machine. */
export interface DiscoveredDrive {
  /** Block device, `/dev/srN` (`/dev/sgN` when only wodim listed it). Under `devRoot` when one was given. */
  readonly device: string;
  /** Kernel name (`sr0`), or the device's basename for tool-listed drives. */
  readonly name: string;
  /** SCSI generic device `/dev/sgN`, when known. */
  readonly generic?: string;
  /** SCSI address `host:channel:target:lun`, when sysfs shows it. */
  readonly hctl?: string;
  readonly vendor: string;
  readonly model: string;
  /** Firmware revision (INQUIRY `rev`); empty when unknown. */
  readonly firmware: string;
  /** Identity that survives reboots: the by-path link, else the by-id link, else the device path. */
  readonly stableId: string;
  /** Best `/dev/disk/by-path` link to the device, when udev made one. */
  readonly byPath?: string;
  /** Best `/dev/disk/by-id` link to the device, when udev made one. */
  readonly byId?: string;
  /** The drive's column of /proc/sys/dev/cdrom/info, when listed there. */
  readonly capabilities?: CdromCapabilities;
  /** The drive's MMC profile list, when it could be asked. */
  readonly profiles?: readonly MmcProfile[];
  /** Media the drive reads / writes: from its profiles, else the kernel table (empty when both are unknown). */
  readonly reads: readonly MediaType[];
  readonly writes: readonly MediaType[];
  /** Where `reads`/`writes` came from: `mmc-profiles`, `kernel-table` or `none`. */
  readonly capabilitiesFrom: CapabilitySource;
  /** Where the drive was found. */
  readonly source: 'sysfs' | 'cdrskin' | 'wodim';
}

export interface DiscoverDrivesOptions {
  /** Default `/sys`. */
  readonly sysRoot?: string;
  /** Default `/dev`. Device paths and links are reported under it. */
  readonly devRoot?: string;
  /** Default `/proc`. */
  readonly procRoot?: string;
  /** Spawner for the tool fallback (tests inject recorded output). */
  readonly spawner?: Spawner;
  /**
   * Ask `cdrskin --devices` / `wodim --devices` when sysfs lists no drive.
   * Default false: the tools open (and may close the trays of) every drive.
   */
  readonly useTools?: boolean;
  /** Cancels the tool fallback (rejects with `CancelledError`). */
  readonly signal?: AbortSignal;
  /** Per-tool timeout of the fallback and of the profile queries. Default 30 s. */
  readonly toolTimeoutMs?: number;
  /**
   * Ask each drive for its MMC profile list and take what it reads and
   * writes from there (the kernel table stays the fallback). Default: every
   * drive whose device node is a block device (a fake tree in a test is not
   * asked); `true`: every drive found, whatever its node; `false`: never
   * (kernel table only, no tool runs). The tools open the drive as the media
   * query does (libburn closes an open tray); a busy drive is left alone.
   */
  readonly profiles?: boolean;
  /** Environment for the profile queries (PATH lookup too). Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Profile queries at once: each is a tool run that opens one drive. */
const PROFILE_QUERIES_AT_ONCE = 4;

async function readCapabilities(procRoot: string): Promise<CdromCapabilities[]> {
  try {
    return parseProcCdromInfo(await readFile(path.join(procRoot, 'sys', 'dev', 'cdrom', 'info'), 'latin1'));
  } catch {
    return [];
  }
}

interface Candidate {
  readonly device: string;
  readonly name: string;
  readonly generic?: string;
  readonly hctl?: string;
  readonly vendor: string;
  readonly model: string;
  readonly firmware: string;
  readonly source: DiscoveredDrive['source'];
}

async function complete(
  candidate: Candidate,
  capabilities: readonly CdromCapabilities[],
  links: LinkIndex,
): Promise<DiscoveredDrive> {
  const found = await linksFor(links, candidate.device);
  const caps = capabilities.find((c) => c.name === candidate.name);
  const media = caps === undefined ? { reads: [], writes: [] } : mediaTypesFromCapabilities(caps);
  const byPath = found.byPath[0];
  const byId = found.byId[0];
  return {
    ...candidate,
    stableId: stableIdOf(candidate.device, found),
    ...(byPath === undefined ? {} : { byPath }),
    ...(byId === undefined ? {} : { byId }),
    ...(caps === undefined ? {} : { capabilities: caps }),
    reads: media.reads,
    writes: media.writes,
    capabilitiesFrom: caps === undefined ? 'none' : 'kernel-table',
  };
}

async function isBlockDevice(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isBlockDevice() === true;
}

/** The drive with reads/writes from its MMC profiles, when it lists any; else as it was. */
async function withProfiles(drive: DiscoveredDrive, options: DiscoverDrivesOptions): Promise<DiscoveredDrive> {
  if (options.profiles !== true && !(await isBlockDevice(drive.device))) return drive;
  const found = await queryDriveProfiles(drive.device, {
    ...(options.spawner === undefined ? {} : { spawner: options.spawner }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.toolTimeoutMs === undefined ? {} : { timeoutMs: options.toolTimeoutMs }),
  });
  if (found === null) return drive;
  const caps = capabilitiesFromProfiles(found.listing.profiles);
  if (caps.reads.length === 0) return drive;
  return { ...drive, profiles: found.listing.profiles, reads: caps.reads, writes: caps.writes, capabilitiesFrom: 'mmc-profiles' };
}

/** `work` over `items`, at most `limit` at once, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A tool's `/dev/...` path, moved under `devRoot` (identity for the default root). */
function underDevRoot(devRoot: string, device: string): string {
  if (!device.startsWith('/dev/')) return device;
  return path.join(devRoot, path.relative('/dev', device));
}

async function candidatesFromTools(options: DiscoverDrivesOptions, devRoot: string): Promise<Candidate[]> {
  const listed = await listDrivesWithTools({
    ...(options.spawner === undefined ? {} : { spawner: options.spawner }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.toolTimeoutMs === undefined ? {} : { timeoutMs: options.toolTimeoutMs }),
  });
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const d of listed) {
    const device = underDevRoot(devRoot, d.device);
    if (seen.has(device)) continue;
    seen.add(device);
    const name = path.basename(device);
    out.push({
      device,
      name,
      ...(/^sg\d+$/.test(name) ? { generic: device } : {}),
      vendor: d.vendor,
      model: d.model,
      firmware: d.revision ?? '',
      source: d.source,
    });
  }
  return out;
}

/** Order of discovery results: by stable id, numbers compared as numbers. */
export function compareStableIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Find this machine's optical drives. Sorted by stable id; `[]` when there
 * are none (or sysfs/proc/dev cannot be read). Rejects only with
 * `CancelledError` when `options.signal` aborts the tool fallback or the
 * profile queries.
 */
export async function discoverDrives(options: DiscoverDrivesOptions = {}): Promise<DiscoveredDrive[]> {
  const sysRoot = options.sysRoot ?? '/sys';
  const devRoot = options.devRoot ?? '/dev';
  const procRoot = options.procRoot ?? '/proc';

  const [sysfs, capabilities, links] = await Promise.all([
    readSysfsDrives(sysRoot),
    readCapabilities(procRoot),
    indexDeviceLinks(devRoot),
  ]);

  let candidates: Candidate[] = sysfs.map((d) => ({
    device: path.join(devRoot, d.devName),
    name: d.name,
    ...(d.generic === undefined ? {} : { generic: path.join(devRoot, d.generic) }),
    ...(d.hctl === undefined ? {} : { hctl: d.hctl }),
    vendor: d.vendor,
    model: d.model,
    firmware: d.firmware,
    source: 'sysfs' as const,
  }));
  if (candidates.length === 0 && options.useTools === true) {
    candidates = await candidatesFromTools(options, devRoot);
  }

  const found = await Promise.all(candidates.map((c) => complete(c, capabilities, links)));
  const drives = options.profiles === false ? found : await mapLimited(found, PROFILE_QUERIES_AT_ONCE, (d) => withProfiles(d, options));
  return drives.sort((a, b) => compareStableIds(a.stableId, b.stableId));
}

/**
 * The contract's `DriveInfo` for a discovered drive: kind `optical`,
 * reads/writes from its profiles or capabilities; `canTestWrite` from its
 * profiles (media with a test write defined), else when it writes anything.
 * `address` defaults to the device path.
 */
export function discoveredDriveInfo(drive: DiscoveredDrive, address: string = drive.device): DriveInfo {
  const canTestWrite = drive.profiles !== undefined && drive.capabilitiesFrom === 'mmc-profiles'
    ? capabilitiesFromProfiles(drive.profiles).canTestWrite
    : drive.writes.length > 0;
  return {
    address,
    stableId: drive.stableId,
    kind: 'optical',
    vendor: drive.vendor,
    model: drive.model,
    firmware: drive.firmware,
    reads: [...drive.reads],
    writes: [...drive.writes],
    canTestWrite,
    devices: {
      block: drive.device,
      ...(drive.generic === undefined ? {} : { generic: drive.generic }),
      ...(drive.byPath === undefined ? {} : { byPath: drive.byPath }),
    },
    capabilitiesFrom: drive.capabilitiesFrom,
  };
}
