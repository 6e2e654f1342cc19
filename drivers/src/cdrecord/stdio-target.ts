/**
 * The "disc" of a `stdio:` pseudo drive: a regular file or a block device
 * (loop device, nbd...). libburn treats it as overwritable media like DVD+RW:
 * a burn is allowed whether or not it already holds data.
 */
import { open, readFile, realpath, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { DriveFeatures, DriveKind, MediaStatus } from '../drive-contract.js';
import { DriveGoneError, InvalidDeviceError } from '../errors.js';
import { SECTOR_BYTES } from '../media.js';

/**
 * The CUE track modes cdrskin burns to a `stdio:` pseudo drive (its cue
 * support is AUDIO and MODE1/2048, and audio needs CD media): what such a
 * drive declares in `DriveFeatures.cueTrackModes`.
 */
export const STDIO_CUE_TRACK_MODES: readonly string[] = ['MODE1/2048'];

/**
 * What a cdrecord-family drive declares: no auto-loader; a real drive watches for discs coming in
 * (kernel-media-watch.ts), a `stdio:` target reports no media events and burns only
 * {@link STDIO_CUE_TRACK_MODES}; a real drive burns a TOC's CD-TEXT when configured to (`writesCdText`), else refuses it.
 */
export function cdrecordFeatures(kind: DriveKind, writesCdText = false): DriveFeatures {
  return {
    autoLoader: false, watchesMedia: kind === 'optical',
    ...(kind === 'stdio' ? { cueTrackModes: STDIO_CUE_TRACK_MODES } : {}),
    ...(kind === 'optical' ? { writesCdText } : {}),
  };
}

const STDIO_PREFIX = 'stdio:';

/** True for a `stdio:` address. */
export function isStdioAddress(address: string): boolean {
  return address.startsWith(STDIO_PREFIX);
}

/** The absolute target path of a `stdio:` address. */
export function stdioTargetPath(address: string): string {
  const target = address.slice(STDIO_PREFIX.length);
  if (target === '') throw new InvalidDeviceError(`${address}: stdio: needs a file path`, { device: address });
  return path.resolve(target);
}

/** Size in bytes of a block device from sysfs (`/sys/class/block/<name>/size` × 512), or null. */
async function blockDeviceBytes(device: string): Promise<number | null> {
  const name = path.basename(await realpath(device));
  const text = await readFile(`/sys/class/block/${name}/size`, 'utf8').catch(() => null);
  if (text !== null && /^\d+\s*$/.test(text)) return Number(text.trim()) * 512;
  return probeEnd(device);
}

/** Find the end of a block device by reading single bytes (no sysfs): exponential then binary search. */
async function probeEnd(device: string): Promise<number | null> {
  const handle = await open(device, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const byte = Buffer.alloc(1);
    const readable = async (pos: number): Promise<boolean> =>
      (await handle.read(byte, 0, 1, pos).catch(() => ({ bytesRead: 0 }))).bytesRead === 1;
    if (!(await readable(0))) return 0;
    let low = 0;
    let high = SECTOR_BYTES;
    while (await readable(high)) {
      low = high;
      high *= 2;
    }
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await readable(mid)) low = mid;
      else high = mid;
    }
    return low + 1;
  } finally {
    await handle.close();
  }
}

/** True when the first 64 KiB of the target hold anything but zeros. */
async function hasData(target: string): Promise<boolean> {
  const handle = await open(target, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).some((b) => b !== 0);
  } finally {
    await handle.close();
  }
}

function fileMedia(capacityBytes: number, usedBytes: number, written: boolean): MediaStatus {
  const capacitySectors = Math.floor(capacityBytes / SECTOR_BYTES);
  const usedSectors = written ? Math.min(Math.ceil(usedBytes / SECTOR_BYTES), capacitySectors) : 0;
  // The "track" of a written pseudo disc is the whole file (or device), whole sectors only. A reused
  // target file longer than the last image burnt to it (cdrskin does not truncate) keeps its old tail,
  // so reading its track reads that tail too.
  const trackSectors = Math.floor(usedBytes / SECTOR_BYTES);
  return {
    status: written ? 'complete' : 'blank',
    type: 'file',
    rewritable: true,
    capacitySectors,
    usedSectors,
    freeSectors: written ? 0 : capacitySectors,
    ...(written && trackSectors > 0
      ? { tracks: [{ number: 1, session: 1, kind: 'data' as const, startSector: 0, sectors: trackSectors }] }
      : {}),
  };
}

/**
 * Media status of a stdio target. Regular file: capacity is the free space of
 * its filesystem plus its current size; `blank` when missing or empty,
 * `complete` when it has data. Block device: its size; `blank` when its start
 * is all zeros. A missing directory is `DriveGoneError`.
 */
export async function stdioMediaStatus(target: string, device: string): Promise<MediaStatus> {
  const info = await stat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw new DriveGoneError(`${device}: the target's directory does not exist`, { device, cause: err });
    throw err;
  });
  if (info === null) {
    const dir = path.dirname(target);
    const fs = await statfs(dir).catch((err: NodeJS.ErrnoException) => {
      throw new DriveGoneError(`${device}: the target's directory ${dir} does not exist`, { device, cause: err });
    });
    return fileMedia(fs.bavail * fs.bsize, 0, false);
  }
  if (info.isBlockDevice()) {
    const bytes = (await blockDeviceBytes(target)) ?? 0;
    const written = bytes > 0 && (await hasData(target));
    return fileMedia(bytes, bytes, written);
  }
  if (info.isFile()) {
    const fs = await statfs(path.dirname(target));
    return fileMedia(fs.bavail * fs.bsize + info.size, info.size, info.size > 0);
  }
  throw new InvalidDeviceError(`${device}: the target is neither a regular file nor a block device`, { device });
}
