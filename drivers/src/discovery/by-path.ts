/**
 * Stable drive identities from udev's symlinks.
 *
 * udev names each drive by its position on the bus
 * (`/dev/disk/by-path/pci-0000:00:01.1-ata-2.0 -> ../../sr0`) and by its
 * serial (`/dev/disk/by-id/ata-QEMU_DVD-ROM_QM00003 -> ../../sr0`). The
 * by-path name survives reboots, re-enumeration and swapping a drive in the
 * same bay, which is what a tower's tray numbering needs; by-id follows the
 * drive instead. Either may be missing (no udev, as in a bare guest).
 */
import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

/** The udev links pointing at one device. */
export interface DeviceLinks {
  /** `/dev/disk/by-path/*` links, best first. */
  readonly byPath: readonly string[];
  /** `/dev/disk/by-id/*` links, best first. */
  readonly byId: readonly string[];
}

/** Links found under a dev root, keyed by the resolved target path. */
export type LinkIndex = ReadonlyMap<string, DeviceLinks>;

async function linksIn(dir: string): Promise<Array<{ link: string; target: string; real?: string }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: Array<{ link: string; target: string; real?: string }> = [];
  for (const name of names) {
    const link = path.join(dir, name);
    try {
      const target = path.resolve(dir, await readlink(link));
      let real: string | undefined;
      try {
        real = await realpath(link);
      } catch {
        // dangling link: keep the lexical target
      }
      out.push({ link, target, ...(real === undefined ? {} : { real }) });
    } catch {
      // not a symlink
    }
  }
  return out;
}

/**
 * by-path: longest name first (udev's `ID_PATH`, e.g. `…-ata-2.0`, before the
 * legacy `ID_PATH_ATA_COMPAT` alias `…-ata-2`), then by name.
 */
function byPathOrder(a: string, b: string): number {
  return b.length - a.length || a.localeCompare(b);
}

/** by-id: bus-and-serial names (`ata-…`, `scsi-…`, `usb-…`) before `wwn-…`, then by name. */
function byIdOrder(a: string, b: string): number {
  const wwn = (s: string): number => (path.basename(s).startsWith('wwn-') ? 1 : 0);
  return wwn(a) - wwn(b) || a.localeCompare(b);
}

/** Index every by-path and by-id link under `<devRoot>/disk`. Missing directories give an empty index. */
export async function indexDeviceLinks(devRoot = '/dev'): Promise<LinkIndex> {
  const index = new Map<string, { byPath: string[]; byId: string[] }>();
  const add = (key: string, kind: 'byPath' | 'byId', link: string): void => {
    const entry = index.get(key) ?? { byPath: [], byId: [] };
    if (!entry[kind].includes(link)) entry[kind].push(link);
    index.set(key, entry);
  };
  for (const [kind, sub] of [['byPath', 'by-path'], ['byId', 'by-id']] as const) {
    for (const { link, target, real } of await linksIn(path.join(devRoot, 'disk', sub))) {
      add(target, kind, link);
      if (real !== undefined && real !== target) add(real, kind, link);
    }
  }
  for (const entry of index.values()) {
    entry.byPath.sort(byPathOrder);
    entry.byId.sort(byIdOrder);
  }
  return index;
}

/** Links that resolve to `devicePath` (compared lexically and after resolving symlinks). */
export async function linksFor(index: LinkIndex, devicePath: string): Promise<DeviceLinks> {
  const keys = [path.resolve(devicePath)];
  try {
    keys.push(await realpath(devicePath));
  } catch {
    // device node absent: lexical match only
  }
  const byPath = new Set<string>();
  const byId = new Set<string>();
  for (const key of keys) {
    const entry = index.get(key);
    entry?.byPath.forEach((l) => byPath.add(l));
    entry?.byId.forEach((l) => byId.add(l));
  }
  return { byPath: [...byPath].sort(byPathOrder), byId: [...byId].sort(byIdOrder) };
}

/** The stable id of a device: its best by-path link, else its best by-id link, else the device path itself. */
export function stableIdOf(devicePath: string, links: DeviceLinks): string {
  return links.byPath[0] ?? links.byId[0] ?? devicePath;
}
