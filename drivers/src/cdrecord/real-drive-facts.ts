/**
 * What Linux says about a real drive without running a tool: sysfs identity
 * (`/sys/block/srN/device/vendor|model|rev`), its sg node, and the
 * `/dev/disk/by-path` link that names its position on the bus.
 */
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { MediaType } from '../drive-contract.js';
import { mediaTypesFromCapabilities, parseProcCdromInfo } from '../parse/proc-cdrom-info.js';
import { cleanToolText } from '../parse/cdrskin-drive-info.js';

export interface SysfsDriveFacts {
  /** Kernel block name (`sr0`), when the node resolves to one. */
  readonly name: string | null;
  readonly block: string;
  readonly vendor?: string;
  readonly model?: string;
  readonly firmware?: string;
  /** `/dev/sgN`, when sysfs links one. */
  readonly generic?: string;
  /** `/dev/disk/by-path/...` link resolving to this device, when udev made one. */
  readonly byPath?: string;
}

async function readTrimmed(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'latin1').catch(() => undefined);
  if (text === undefined) return undefined;
  const clean = cleanToolText(text);
  return clean === '' ? undefined : clean;
}

/** The `/dev/disk/by-path` link whose target is `device`, or undefined. */
export async function findByPathLink(device: string, byPathDir = '/dev/disk/by-path'): Promise<string | undefined> {
  const resolved = await realpath(device).catch(() => device);
  const entries = await readdir(byPathDir).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    const link = path.join(byPathDir, entry);
    if ((await realpath(link).catch(() => null)) === resolved) return link;
  }
  return undefined;
}

/** Sysfs and udev facts of a drive's device node; fields are missing where Linux has none. */
export async function sysfsDriveFacts(device: string): Promise<SysfsDriveFacts> {
  const block = await realpath(device).catch(() => device);
  const name = /^\/dev\/(sr\d+|scd\d+|sg\d+)$/.exec(block)?.[1] ?? null;
  if (name === null) return { name, block };
  const base = `/sys/block/${name}/device`;
  const [vendor, model, firmware, byPath] = await Promise.all([
    readTrimmed(`${base}/vendor`),
    readTrimmed(`${base}/model`),
    readTrimmed(`${base}/rev`),
    findByPathLink(block),
  ]);
  const genericLink = await readlink(`${base}/generic`).catch(() => undefined);
  return {
    name,
    block,
    ...(vendor === undefined ? {} : { vendor }),
    ...(model === undefined ? {} : { model }),
    ...(firmware === undefined ? {} : { firmware }),
    ...(genericLink === undefined ? {} : { generic: `/dev/${path.basename(genericLink)}` }),
    ...(byPath === undefined ? {} : { byPath }),
  };
}

/** Reads/writes of a drive from `/proc/sys/dev/cdrom/info`, or null when the kernel table lacks it. */
export async function procCapabilities(name: string): Promise<{ reads: MediaType[]; writes: MediaType[] } | null> {
  const text = await readFile('/proc/sys/dev/cdrom/info', 'utf8').catch(() => null);
  if (text === null) return null;
  const caps = parseProcCdromInfo(text).find((c) => c.name === name);
  return caps ? mediaTypesFromCapabilities(caps) : null;
}
