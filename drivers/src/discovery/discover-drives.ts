/**
 * Drive discovery: which optical drives this machine has, with a stable
 * identity for each tray.
 *
 * Sources, in order:
 * 1. sysfs (`/sys/block/srN`): device, sg device, INQUIRY vendor/model/rev;
 * 2. `/proc/sys/dev/cdrom/info`: capabilities (what the drive reads/writes);
 * 3. udev links (`/dev/disk/by-path`, then `/dev/disk/by-id`): the stable id;
 * 4. only when sysfs lists nothing and `useTools` is set: `cdrskin --devices`,
 *    then `wodim --devices`.
 *
 * Every root is injectable so tests can build a fake tree. Discovery never
 * throws for "no drives" (or for an unreadable tree): it returns `[]`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DriveInfo, MediaType } from '../drive-contract.js';
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
  /** Media the drive reads / writes per its capabilities (empty when they are unknown). */
  readonly reads: readonly MediaType[];
  readonly writes: readonly MediaType[];
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
  /** Per-tool timeout of the fallback. Default 30 s. */
  readonly toolTimeoutMs?: number;
}

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
  };
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
 * `CancelledError` when `options.signal` aborts the tool fallback.
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

  const drives = await Promise.all(candidates.map((c) => complete(c, capabilities, links)));
  return drives.sort((a, b) => compareStableIds(a.stableId, b.stableId));
}

/**
 * The contract's `DriveInfo` for a discovered drive: kind `optical`,
 * reads/writes from its capabilities, `canTestWrite` when it writes anything.
 * `address` defaults to the device path.
 */
export function discoveredDriveInfo(drive: DiscoveredDrive, address: string = drive.device): DriveInfo {
  return {
    address,
    stableId: drive.stableId,
    kind: 'optical',
    vendor: drive.vendor,
    model: drive.model,
    firmware: drive.firmware,
    reads: [...drive.reads],
    writes: [...drive.writes],
    canTestWrite: drive.writes.length > 0,
    devices: {
      block: drive.device,
      ...(drive.generic === undefined ? {} : { generic: drive.generic }),
      ...(drive.byPath === undefined ? {} : { byPath: drive.byPath }),
    },
  };
}
