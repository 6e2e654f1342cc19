/**
 * Optical drives as sysfs describes them: every `/sys/block/srN` (the `sr`
 * driver binds SCSI/ATAPI CD/DVD/BD drives only), with the INQUIRY strings of
 * its SCSI device and its SCSI generic (`sg`) companion.
 *
 * Layout (observed in a QEMU guest, Linux 6.1):
 * ```
 * /sys/block/sr0 -> ../devices/pci0000:00/0000:00:01.1/ata2/host1/target1:0:0/1:0:0:0/block/sr0
 * /sys/block/sr0/device -> ../../../1:0:0:0          (basename = H:C:T:L)
 * /sys/block/sr0/device/{vendor,model,rev}           ("QEMU    ", "QEMU DVD-ROM    ", "2.5+")
 * /sys/block/sr0/device/scsi_generic/sg0/            (directory named after the sg device)
 * /sys/block/sr0/device/generic -> scsi_generic/sg0  (same, as a link)
 * /sys/block/sr0/uevent                              (DEVNAME=sr0)
 * ```
 */
import { readFile, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { cleanField } from '../parse/device-listings.js';

/** One `sr` drive found in sysfs. */
export interface SysfsDrive {
  /** Kernel name, `srN`. */
  readonly name: string;
  /** Device node name relative to /dev (`DEVNAME` of the uevent file, else the kernel name). */
  readonly devName: string;
  /** Name of the SCSI generic device (`sgN`), when bound. */
  readonly generic?: string;
  /** SCSI address `host:channel:target:lun`, when the `device` link shows it. */
  readonly hctl?: string;
  /** INQUIRY vendor, model and revision, trimmed (empty when unreadable). */
  readonly vendor: string;
  readonly model: string;
  readonly firmware: string;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    // latin1: INQUIRY strings are bytes, not necessarily UTF-8.
    return await readFile(file, 'latin1');
  } catch {
    return undefined;
  }
}

async function readField(file: string): Promise<string> {
  return cleanField((await readText(file)) ?? '');
}

async function genericName(deviceDir: string): Promise<string | undefined> {
  try {
    const entries = (await readdir(path.join(deviceDir, 'scsi_generic'))).filter((e) => /^sg\d+$/.test(e));
    entries.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (entries[0] !== undefined) return entries[0];
  } catch {
    // no scsi_generic directory: sg module not loaded, or an old kernel
  }
  try {
    const target = path.basename(await readlink(path.join(deviceDir, 'generic')));
    if (/^sg\d+$/.test(target)) return target;
  } catch {
    // no generic link either
  }
  return undefined;
}

async function hctlOf(deviceDir: string): Promise<string | undefined> {
  for (const resolve of [
    async () => path.basename(await readlink(deviceDir)),
    async () => path.basename(await realpath(deviceDir)),
  ]) {
    try {
      const name = await resolve();
      if (/^\d+:\d+:\d+:\d+$/.test(name)) return name;
    } catch {
      // not a link / gone
    }
  }
  return undefined;
}

async function devNameOf(blockDir: string, fallback: string): Promise<string> {
  const uevent = await readText(path.join(blockDir, 'uevent'));
  const m = uevent === undefined ? null : /^DEVNAME=(.+)$/m.exec(uevent);
  const name = m?.[1]?.trim();
  return name === undefined || name === '' ? fallback : name;
}

/** Read one drive's sysfs entries (`blockDir` = `/sys/block/srN`). */
export async function readSysfsDrive(blockDir: string): Promise<SysfsDrive> {
  const name = path.basename(blockDir);
  const deviceDir = path.join(blockDir, 'device');
  const [devName, generic, hctl, vendor, model, firmware] = await Promise.all([
    devNameOf(blockDir, name),
    genericName(deviceDir),
    hctlOf(deviceDir),
    readField(path.join(deviceDir, 'vendor')),
    readField(path.join(deviceDir, 'model')),
    readField(path.join(deviceDir, 'rev')),
  ]);
  return {
    name,
    devName,
    ...(generic === undefined ? {} : { generic }),
    ...(hctl === undefined ? {} : { hctl }),
    vendor,
    model,
    firmware,
  };
}

/**
 * Every `srN` under `<sysRoot>/block` (falls back to `<sysRoot>/class/block`),
 * in natural name order. An absent or unreadable sysfs gives `[]`.
 */
export async function readSysfsDrives(sysRoot = '/sys'): Promise<SysfsDrive[]> {
  for (const dir of [path.join(sysRoot, 'block'), path.join(sysRoot, 'class', 'block')]) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /^sr\d+$/.test(n));
    } catch {
      continue;
    }
    if (names.length === 0) continue;
    names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return Promise.all(names.map((n) => readSysfsDrive(path.join(dir, n))));
  }
  return [];
}
