/**
 * Whether a real drive's remembered media answer still holds, without the
 * full `-minfo` query. An idle tower drive is looked at every second or so;
 * `-minfo` (bus scan, grab, disc structures: a dozen SCSI commands) costs
 * each look about as much CPU as a small burn, while the disc almost never
 * changes between two looks. So an answer is kept (see `MediaMemory`) as long
 * as two cheap signals agree it still describes the disc:
 *
 * - TEST UNIT READY (`sg_turs -vv /dev/srN`): GOOD for an answer with a disc,
 *   NOT READY / MEDIUM NOT PRESENT (2/3A/xx) for an answer without one.
 *   Anything else (a UNIT ATTENTION such as 6/28/00 "medium may have
 *   changed", becoming ready, the drive gone, no answer) asks the drive in
 *   full.
 * - Linux's media change count of the disk (`/sys/class/block/srN/diskseq`,
 *   since 5.15), read before the full query and again after the unit-ready
 *   check: opening /dev/srN makes the kernel ask the drive for media events
 *   and test it (taking any UNIT ATTENTION itself), and it counts every
 *   change it sees there, whoever opened the device. A count that moved means
 *   the disc changed since the answer, even when the unit is ready again.
 *
 * What neither can see, a disc swapped between two looks by a changer that
 * reports nothing (tgt's `online=0/1` posts no UNIT ATTENTION), is caught by
 * the answer's age bound (`CdrecordDriveOptions.mediaRecheckMs`); whatever
 * this drive object does to the disc forgets the answer at once.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { MediaStatus } from '../drive-contract.js';
import { CancelledError } from '../errors.js';
import { formatSense, parseSgSense } from '../parse/scsi-sense.js';
import type { ToolRun } from '../tool-process.js';
import type { ToolCommand } from './burn-args.js';
import type { MediaRecheck } from './media-memory.js';
import { findOnPath } from './tool-locator.js';
import { unitReadyCommand } from './unit-presence.js';

const TEST_UNIT_READY = 0x00;
const SENSE_KEY_NOT_READY = 0x2;
const SENSE_KEY_UNIT_ATTENTION = 0x6;
/** ASC 3Ah: MEDIUM NOT PRESENT (any ASCQ: tray closed, tray open, loadable). */
const ASC_MEDIUM_NOT_PRESENT = 0x3a;

/** What one TEST UNIT READY said, as far as a remembered media answer cares. */
export type UnitReadiness =
  | { readonly kind: 'ready' }
  | { readonly kind: 'no-medium' }
  | { readonly kind: 'attention'; readonly sense: string }
  | { readonly kind: 'other'; readonly why: string };

/** Classify an `sg_turs -vv` run (its raw sense data; exit status 0 is GOOD). */
export function unitReadiness(run: ToolRun): UnitReadiness {
  if (run.exitCode === 0) return { kind: 'ready' };
  const sense = parseSgSense(`${run.stdout}\n${run.stderr}`, TEST_UNIT_READY);
  if (sense === null) return { kind: 'other', why: `${run.program} exit ${run.exitCode ?? run.signal} without sense data` };
  if (sense.senseKey === SENSE_KEY_NOT_READY && sense.asc === ASC_MEDIUM_NOT_PRESENT) return { kind: 'no-medium' };
  if (sense.senseKey === SENSE_KEY_UNIT_ATTENTION) return { kind: 'attention', sense: `${formatSense(sense)} ${sense.description}` };
  return { kind: 'other', why: `sense ${formatSense(sense)} ${sense.description}` };
}

/** The verdict on a remembered answer: keep it, or ask the drive in full (and why). */
export type RecheckVerdict = { readonly holds: true } | { readonly holds: false; readonly why: string };

/** What a recheck saw. */
export interface RecheckInput {
  /** The remembered answer. */
  readonly remembered: MediaStatus;
  /** The unit-ready check's run; null when it could not run. */
  readonly unitReady: ToolRun | null;
  /** The kernel's media change count before the remembered answer was asked; null when unknown. */
  readonly seqThen: string | null;
  /** The count after the unit-ready check; null when unknown. */
  readonly seqNow: string | null;
}

/** Does the remembered answer still describe the disc? Pure. */
export function recheckVerdict(input: RecheckInput): RecheckVerdict {
  if (input.unitReady === null) return { holds: false, why: 'no TEST UNIT READY answer' };
  if (input.seqThen !== input.seqNow) return { holds: false, why: `the kernel counted a media change (diskseq ${input.seqThen ?? '?'} -> ${input.seqNow ?? '?'})` };
  const readiness = unitReadiness(input.unitReady);
  const hasDisc = input.remembered.status !== 'none';
  switch (readiness.kind) {
    case 'ready':
      return hasDisc ? { holds: true } : { holds: false, why: 'the unit is ready: a disc is in' };
    case 'no-medium':
      return hasDisc ? { holds: false, why: 'medium not present: the disc is out' } : { holds: true };
    case 'attention':
      return { holds: false, why: `unit attention ${readiness.sense}` };
    case 'other':
      return { holds: false, why: readiness.why };
  }
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

/** Whether sg_turs is on a PATH, looked up once per PATH. */
const unitReadyInstalled = new Map<string, Promise<boolean>>();

/**
 * The recheck of a real drive at `device`: its media change count as the
 * mark; TEST UNIT READY through `run` (when sg3-utils' `sg_turs` is on the
 * tools' PATH), then the count again, for the verdict. A cancel of the check
 * is the caller's; any other failure of it only means asking in full.
 */
export function unitReadyRecheck(device: string, env: NodeJS.ProcessEnv, run: (command: ToolCommand) => Promise<ToolRun>): MediaRecheck {
  return {
    mark: () => readDiskSeq(device),
    holds: async (remembered, mark) => {
      const key = env.PATH ?? '';
      let installed = unitReadyInstalled.get(key);
      if (installed === undefined) {
        installed = findOnPath('sg_turs', env).then((found) => found !== null);
        unitReadyInstalled.set(key, installed);
      }
      if (!(await installed)) return false;
      let unitReady: ToolRun | null = null;
      try {
        unitReady = await run(unitReadyCommand(device));
      } catch (err) {
        if (err instanceof CancelledError) throw err;
      }
      // After the check: its open of the device had the kernel look for media changes.
      const seqNow = await readDiskSeq(device);
      return recheckVerdict({ remembered, unitReady, seqThen: mark, seqNow }).holds;
    },
  };
}
