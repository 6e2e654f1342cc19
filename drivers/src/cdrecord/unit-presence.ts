/**
 * Is a real drive still on its bus? Asked only when a drive's answer made no
 * sense to the burner (a media query that failed without saying why): a
 * TEST UNIT READY through sg3-utils' `sg_turs`, whose sense data a vanished
 * logical unit answers with ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED
 * (5/25/00). The kernel keeps `/dev/srN` when a target drops a LUN, and
 * libburn then reports only "Media is not suitable" (the LUN's INQUIRY says
 * "not accessible", `samples/tgt-cdrskin-minfo-lun-deleted.txt`).
 */
import { DriveGoneError } from '../errors.js';
import { describeScsiFailure, parseSgSense } from '../parse/scsi-sense.js';
import { toolFailure } from '../tool-process.js';
import type { ToolRun } from '../tool-process.js';
import type { ToolCommand } from './burn-args.js';

/** ASC 25h: LOGICAL UNIT NOT SUPPORTED. */
const ASC_LUN_NOT_SUPPORTED = 0x25;
const SENSE_KEY_ILLEGAL_REQUEST = 0x5;
const TEST_UNIT_READY = 0x00;

/** `sg_turs -vv DEV`: one TEST UNIT READY, its sense data printed raw. */
export function unitReadyCommand(device: string): ToolCommand {
  return { program: 'sg_turs', args: ['-vv', device] };
}

/** The drive gone from the bus, when the TEST UNIT READY's answer says so; null otherwise. */
export function goneFromUnitReady(run: ToolRun, address: string): DriveGoneError | null {
  if (run.exitCode === 0) return null;
  const sense = parseSgSense(`${run.stdout}\n${run.stderr}`, TEST_UNIT_READY);
  if (sense === null || sense.senseKey !== SENSE_KEY_ILLEGAL_REQUEST || sense.asc !== ASC_LUN_NOT_SUPPORTED) return null;
  return new DriveGoneError(`${address}: the drive is gone from the bus: ${run.program}: ${describeScsiFailure(sense)}`, {
    device: address,
    tool: toolFailure(run),
  });
}

/**
 * Ask the drive whether it is still there; the `DriveGoneError` when it is
 * not, null when it is or when nothing could tell (sg_turs missing or
 * failing to start).
 */
export async function probeDriveGone(device: string, address: string, run: (command: ToolCommand) => Promise<ToolRun>): Promise<DriveGoneError | null> {
  let answer: ToolRun;
  try {
    answer = await run(unitReadyCommand(device));
  } catch {
    return null;
  }
  return goneFromUnitReady(answer, address);
}
