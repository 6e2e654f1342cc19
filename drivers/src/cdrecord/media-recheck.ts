/**
 * Whether a real drive's remembered media answer still holds, without asking
 * the drive in full. An idle tower drive is looked at every second or so;
 * `-minfo` (a program start, bus scan, grab, a dozen SCSI commands) costs
 * each look about a second of CPU on a slow host, while the disc almost never
 * changes between two looks. So a disc answer is kept (see `MediaMemory`)
 * while Linux's count of the disk's media changes (`/sys/class/block/srN/
 * diskseq`, since 5.15) stays what it was before the answer was asked.
 *
 * The kernel counts a change when the device is opened: it asks the drive for
 * media events (GET EVENT STATUS NOTIFICATION) and tests it (TEST UNIT READY,
 * taking a UNIT ATTENTION such as 6/28/00 "medium may have changed" itself),
 * and a disc that came, went or was swapped moves the count, whoever opened
 * the device. So the recheck opens the device node itself, read-only and
 * non-blocking as `sg_turs` does (no disc needed, no tray pulled in), and
 * starts no program: on the rig's guest a program start alone costs about as
 * much CPU as `-minfo` (`sg_turs` 0.4-0.8 s, `-minfo` 1.1 s).
 *
 * Asked in full as before: an answer of no disc (an empty drive is waiting
 * for a disc, and an answer taken while one was loading must not stand), a
 * device that does not open, a kernel without the count, and every answer
 * older than the bound (`withinMs`), which also catches a disc swapped by a
 * changer that reports nothing (tgt's `online=0/1` posts no unit attention
 * and, with nobody opening the device in between, leaves no trace). Whatever
 * this drive object does to the disc forgets the answer at once. An unplugged
 * drive's node goes away and the open fails at once; a logical unit that left
 * the bus while the kernel keeps its node (the rig's deleted LUN) is found
 * gone only at the bound or the next burn, since the kernel still counts it
 * as holding a medium.
 */
import { constants } from 'node:fs';
import { open, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { MediaStatus } from '../drive-contract.js';
import type { MediaRecheck } from './media-memory.js';

/** How a real drive's media answers are rechecked (`CdrecordDriveOptions.mediaRecheck`). */
export interface MediaRecheckOptions {
  /** Up to how old (ms since the drive was asked in full) an answer may be kept by rechecks; default 60000, 0 never. */
  readonly withinMs?: number;
  /** Where sysfs lists block devices (tests); default `/sys/class/block`. */
  readonly sysClassBlock?: string;
}

/** The verdict on a remembered answer: keep it, or ask the drive in full (and why). */
export type RecheckVerdict = { readonly holds: true } | { readonly holds: false; readonly why: string };

/** What a recheck saw. */
export interface RecheckInput {
  /** The remembered answer. */
  readonly remembered: MediaStatus;
  /** Whether the device node opened (the kernel then looked for media changes). */
  readonly opened: boolean;
  /** The kernel's media change count before the remembered answer was asked; null when unknown. */
  readonly seqThen: string | null;
  /** The count after the open; null when unknown. */
  readonly seqNow: string | null;
}

/** Does the remembered answer still describe the disc? Pure. */
export function recheckVerdict(input: RecheckInput): RecheckVerdict {
  if (input.remembered.status === 'none') return { holds: false, why: 'no disc: an empty drive is asked in full' };
  if (!input.opened) return { holds: false, why: 'the device did not open' };
  if (input.seqThen === null || input.seqNow === null) return { holds: false, why: 'no media change count (diskseq)' };
  if (input.seqThen !== input.seqNow) return { holds: false, why: `the kernel counted a media change (diskseq ${input.seqThen} -> ${input.seqNow})` };
  return { holds: true };
}

/**
 * The kernel's media change count of a device node (`diskseq` of the block
 * device it resolves to), or null when there is none (not a block device of
 * this kernel, a kernel before 5.15, no sysfs).
 */
export async function readDiskSeq(device: string, sysClassBlock = '/sys/class/block'): Promise<string | null> {
  const node = await realpath(device).catch(() => null);
  if (node === null || !node.startsWith('/dev/')) return null;
  const text = await readFile(path.join(sysClassBlock, path.basename(node), 'diskseq'), 'utf8').catch(() => null);
  const seq = text?.trim() ?? '';
  return /^\d+$/.test(seq) ? seq : null;
}

/** Open and close a device node read-only without waiting for a disc (O_NONBLOCK); false when it does not open. */
export async function openAndClose(device: string): Promise<boolean> {
  try {
    const handle = await open(device, constants.O_RDONLY | constants.O_NONBLOCK);
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The recheck of a real drive at `device`. Its mark: the media change count
 * after an open, so a change nobody had opened the device since is counted
 * before the full query rather than by the query's own open (which would
 * make the next recheck ask in full again). The recheck: an open, the count
 * again, the verdict.
 */
export function deviceRecheck(device: string, options: MediaRecheckOptions = {}): MediaRecheck {
  return {
    mark: async () => {
      await openAndClose(device);
      return readDiskSeq(device, options.sysClassBlock);
    },
    holds: async (remembered, mark) => {
      if (remembered.status === 'none') return false;
      const opened = await openAndClose(device);
      const seqNow = await readDiskSeq(device, options.sysClassBlock);
      return recheckVerdict({ remembered, opened, seqThen: mark, seqNow }).holds;
    },
  };
}
