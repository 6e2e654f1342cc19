/**
 * Classify a failed cdrskin / wodim / cdrecord / cdrdao run into the typed
 * drive errors. Pure: works on the captured output of a `ToolRun`.
 *
 * Texts and exit codes: optical tools reference §2.10, §2.11, §3, §4.4, §4.6,
 * §5.1, §5.9.
 */
import {
  ScsiCommandError,
  ToolKilledError,
  UnitAttentionError,
  WriteModeRefusedError,
  BufferUnderrunError,
  DriveBusyError,
  DriveGoneError,
  ImageError,
  MediaTooSmallError,
  NoMediaError,
  ToolError,
  WriteError,
  WriteProtectedError,
  WrongMediaError,
} from '../errors.js';
import type { DriveError, DriveErrorOptions, ScsiFailure } from '../errors.js';
import { toolFailure } from '../tool-process.js';
import type { ToolRun } from '../tool-process.js';
import { splitToolLines, summarizeBurnOutput } from './burn-progress.js';
import { SENSE_KEY_ILLEGAL_REQUEST, WRITE_SETUP_OPCODES, describeScsiFailure, parseScsiFailures } from './scsi-sense.js';

/** WRITE(10), WRITE(12), WRITE AND VERIFY(10). */
const WRITE_OPCODES: ReadonlySet<number> = new Set([0x2a, 0xaa, 0x2e]);
const SENSE_KEY_NOT_READY = 0x2;
const SENSE_KEY_MEDIUM_ERROR = 0x3;
const SENSE_KEY_HARDWARE_ERROR = 0x4;
const SENSE_KEY_UNIT_ATTENTION = 0x6;
/** ASC 25h: LOGICAL UNIT NOT SUPPORTED, what a target answers for a LUN it no longer has. */
const ASC_LUN_NOT_SUPPORTED = 0x25;
/** ASC 3Ah: MEDIUM NOT PRESENT. */
const ASC_MEDIUM_NOT_PRESENT = 0x3a;

/**
 * The SCSI failure that ended a burn: the first failed WRITE, else the first
 * failure with a sense key worse than RECOVERED ERROR (what follows it, a
 * failed cache flush, is its consequence). Null when the output has none.
 */
export function burnFailureCause(text: string): ScsiFailure | null {
  const failures = parseScsiFailures(text).filter((f) => f.senseKey > 1);
  return failures.find((f) => WRITE_OPCODES.has(f.opcode)) ?? failures[0] ?? null;
}

/** What the classifier knows besides the output. */
export interface BurnFailureContext {
  /** Device address for the error (`/dev/sr0`, `stdio:/path`). */
  readonly device: string;
  /** Sectors of the image being burned, when known (used when the tool does not print sizes). */
  readonly imageSectors?: number;
  /** The write mode the burn ran in; default: what the output says (`… in real SAO mode …`), else SAO. */
  readonly writeMode?: 'sao' | 'tao';
}

/**
 * True when a burn's output shows that no byte reached the disc: no progress
 * line with more than 0 MiB written, every `Total bytes read/written` says 0
 * written, and no `error after N bytes` with N > 0. Judged from the output
 * alone, so it errs towards "written" when the output says anything else.
 */
export function noByteWritten(text: string): boolean {
  const summary = summarizeBurnOutput(text);
  if (summary.lastWrittenMiB !== null && summary.lastWrittenMiB > 0) return false;
  if (summary.bytesWritten !== null && summary.bytesWritten > 0) return false;
  const after = /error after (\d+) bytes/.exec(text);
  if (after && Number(after[1]) > 0) return false;
  // growisofs progress ("  1234/5678 ( 0.0%) @0x ...") with bytes done.
  if (/^\s*[1-9]\d*\/\d+ \(\s*[\d.]+%\) @/m.test(text)) return false;
  return true;
}

/**
 * The write set-up command a drive refused before writing, when that is how
 * the burn failed: ILLEGAL REQUEST on RESERVE TRACK, SEND CUE SHEET or MODE
 * SELECT, and no byte written. Null otherwise.
 */
export function writeModeRefusal(text: string): ScsiFailure | null {
  if (!noByteWritten(text)) return null;
  const refused = parseScsiFailures(text).filter((f) => f.senseKey === SENSE_KEY_ILLEGAL_REQUEST && WRITE_SETUP_OPCODES.has(f.opcode));
  return refused[refused.length - 1] ?? null;
}

/** The mode a burn ran in, from cdrecord's `Starting to write CD/DVD at speed … in real SAO mode`. */
function modeOf(text: string): 'sao' | 'tao' | null {
  const m = /in (?:real|dummy) (SAO|TAO|DAO|RAW)\b/i.exec(text);
  if (!m) return null;
  return m[1]?.toUpperCase() === 'TAO' ? 'tao' : 'sao';
}

const ROOT_PERMISSION_FILE = '/root/cdrskin_permissions/allow_emulated_drives';

function first(text: string, pattern: RegExp): RegExpExecArray | null {
  return pattern.exec(text);
}

/** A closing summary that names no cause ("burning failed", "Job could not be performed properly"). */
const GENERIC_FAILURE = /burning failed|blanking failed|Job could not be performed|aborting : -abort_on|^\S+ : NOTE : Gave up/i;

/**
 * The line that best says why the tool failed, for the generic case: the
 * first FATAL/FAILURE/SORRY line that names a cause, else the last line that
 * looks like an error, else the last line. cdrskin ends stdout with
 * `cdrskin: burning failed` while the cause is on stderr.
 */
function lastMessage(run: ToolRun): string {
  const lines = [...splitToolLines(run.stderr), ...splitToolLines(run.stdout)].map((l) => l.trim());
  const causes = lines.filter((l) => /FATAL|SORRY|FAILURE/.test(l) && !GENERIC_FAILURE.test(l));
  if (causes[0] !== undefined) return causes[0];
  const telling = lines.filter((l) => /FATAL|SORRY|FAILURE|ERROR|error|Cannot|cannot|failed/.test(l));
  return telling[telling.length - 1] ?? lines[lines.length - 1] ?? 'no output';
}

/** The tool's last line of output (stdout, else stderr), for a tool that could say no more. */
function lastWords(run: ToolRun): string | null {
  for (const stream of [run.stdout, run.stderr]) {
    const lines = splitToolLines(stream).map((l) => l.trim()).filter((l) => l !== '');
    const last = lines[lines.length - 1];
    if (last !== undefined) return last.length > 200 ? `${last.slice(0, 200)}…` : last;
  }
  return null;
}

function exitText(run: ToolRun): string {
  if (run.signal) return `killed by ${run.signal}`;
  return `exit ${run.exitCode ?? '?'}`;
}

function bytesWrittenOf(text: string): number | undefined {
  const summary = summarizeBurnOutput(text);
  if (summary.bytesWritten !== null) return summary.bytesWritten;
  // wodim/cdrecord: "write track data: error after 1460592 bytes"
  const after = /write track data: error after (\d+) bytes/.exec(text);
  if (after) return Number(after[1]);
  if (summary.lastWrittenMiB !== null) return summary.lastWrittenMiB * 1024 * 1024;
  return undefined;
}

function mib(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes < 1048576 ? ` after ${Math.round(bytes / 1024)} KiB` : ` after ${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * Map the output and exit status of a failed burn-family run to a typed
 * error. Every error carries `device` and `tool: toolFailure(run)`; anything
 * unrecognised becomes a `ToolError` naming the tool's last message.
 */
export function classifyBurnFailure(run: ToolRun, context: BurnFailureContext): DriveError {
  const text = `${run.stdout}\n${run.stderr}`;
  const dev = context.device;
  const tool = run.program;
  const opts: DriveErrorOptions = { device: dev, tool: toolFailure(run) };

  // --- killed by a signal: not ours (a cancel of ours is a CancelledError and never gets here) ---
  if (run.signal !== null) {
    const words = lastWords(run);
    return new ToolKilledError(
      `${dev}: ${tool} was killed by ${run.signal}${mib(bytesWrittenOf(text))}, ` +
        `${words === null ? 'before it printed anything' : `after it printed "${words}"`}; a disc it was writing is unusable`,
      opts,
    );
  }

  // --- setup: permission, busy, gone ---------------------------------------
  if (/allow_emulated_drives/.test(text) && /rejected despite --allow_emulated_drives|No (?:file|directory) \S*cdrskin_permissions/.test(text)) {
    const named = /No file (\S+allow_emulated_drives) exists/.exec(text)?.[1];
    const file = named ?? ROOT_PERMISSION_FILE;
    return new ToolError(
      `${dev}: cdrskin refuses stdio: targets when run as root; create ${file} ` +
        `($HOME/cdrskin_permissions/allow_emulated_drives of root, directory owned by root and not group/other-writable) or run as a normal user`,
      opts,
    );
  }
  if (/works only with option --allow_emulated_drives/.test(text)) {
    return new ToolError(`${dev}: cdrskin was run without --allow_emulated_drives for a stdio: target`, opts);
  }
  if (/Cannot open busy device|Device or resource busy|\(Device or resource busy\)/.test(text)) {
    return new DriveBusyError(`${dev} is busy: another process holds the drive (${tool}, ${exitText(run)})`, opts);
  }
  if (/Neither stdio-path nor its directory exist|Failed to grab emulated stdio-drive/.test(text)) {
    return new DriveGoneError(`${dev}: the target file's directory does not exist`, opts);
  }
  const notFound = first(text, /cannot find '([^']+)' among accessible drive devices/);
  if (notFound) {
    return new DriveGoneError(`${dev}: ${tool} cannot find the drive ${notFound[1] ?? ''} (unplugged, powered off or no permission)`, opts);
  }
  if (/Cannot open SCSI driver/.test(text) && /No such file or directory/.test(text)) {
    return new DriveGoneError(`${dev}: ${tool} cannot open the drive: no such device`, opts);
  }
  if (/Unable to open SCSI device .*No such file or directory|^eject: unable to find or open device/m.test(text) || /^eject: cannot open .*No such file or directory/m.test(text)) {
    return new DriveGoneError(`${dev}: ${tool} cannot open the drive: no such device`, opts);
  }

  // --- image problems (nothing written) -------------------------------------
  const source = first(text, /failed to open source address '([^']*)'/);
  if (source) {
    const reason = /errno=\d+ , "([^"]+)"/.exec(text)?.[1];
    return new ImageError(`${dev}: cannot open image ${source[1] ?? ''}${reason ? `: ${reason}` : ''}`, opts);
  }
  const unusable = first(text, /Unusable FILE '([^']*)'/);
  if (unusable) {
    return new ImageError(`${dev}: the CUE sheet names a file cdrskin cannot open: ${unusable[1] ?? ''}`, opts);
  }

  // --- capacity --------------------------------------------------------------
  const predicted = first(text, /predicted session size (\d+)s does not fit on media \((\d+)s\)/);
  if (predicted) {
    const needed = Number(predicted[1]);
    const available = Number(predicted[2]);
    return new MediaTooSmallError(`${dev}: image needs ${needed} sectors but the media holds only ${available}`, needed, available, opts);
  }
  if (/Data may not fit|exceeds capacity of CD-R/.test(text)) {
    const needed = Number(/Total size:.*=\s*(\d+) sectors/.exec(text)?.[1] ?? context.imageSectors ?? 0);
    const available = Number(/Blocks current:\s*(\d+)/.exec(text)?.[1] ?? 0);
    return new MediaTooSmallError(
      `${dev}: image needs ${needed} sectors but the disc holds ${available > 0 ? `only ${available}` : 'less'}`,
      needed,
      available,
      opts,
    );
  }

  // --- write protection ------------------------------------------------------
  if (/system error: 30\b|Read-only file system|[Ww]rite protected/.test(text)) {
    return new WriteProtectedError(`${dev}: the target is write-protected (read-only file system or medium)`, opts);
  }

  // --- no disc ---------------------------------------------------------------
  if (
    /Media : no media|BURN_DISC_EMPTY|Unit not ready, giving up|medium not present|No medium found/.test(text) ||
    (/No disk \/ Wrong disk!/.test(text) && /Sense Code: 0x3A/i.test(text))
  ) {
    return new NoMediaError(`${dev}: no disc in the drive`, opts);
  }

  // --- disc cannot take the job ------------------------------------------------
  const closed = first(text, /Media : \*\* closed \*\* (.+)/);
  if (closed) return new WrongMediaError(`${dev}: the disc is closed (${(closed[1] ?? '').trim()}); insert a blank disc`, opts);
  if (/media is not erasable/.test(text)) return new WrongMediaError(`${dev}: the disc is not erasable (write-once or ROM media)`, opts);
  if (/audio track prohibited by non-CD/.test(text)) {
    return new WrongMediaError(`${dev}: audio tracks can only be written to CD media`, opts);
  }
  const datatype = first(text, /Unsupported cue sheet file track datatype '([^']*)'/);
  if (datatype) {
    return new WrongMediaError(`${dev}: cdrskin cannot write CUE track type ${datatype[1] ?? ''} (only AUDIO and MODE1/2048)`, opts);
  }
  if (/not empty and not appendable/.test(text)) {
    return new WrongMediaError(`${dev}: the disc is not empty and not appendable; insert a blank disc`, opts);
  }
  if (/No disk \/ Wrong disk!/.test(text)) return new WrongMediaError(`${dev}: wrong or unusable disc in the drive`, opts);
  if (/does not support the 'BLANK media' command|Cannot blank disk/.test(text)) {
    return new WrongMediaError(`${dev}: this disc cannot be blanked`, opts);
  }
  if (/No suitable media detected/.test(text)) {
    const media = /Media : (.+)/.exec(text)?.[1]?.trim();
    return new WrongMediaError(`${dev}: no suitable media for writing${media ? ` (${media})` : ''}`, opts);
  }
  if (/no CD\/DVD-Recorder or unsupported CD\/DVD-Recorder|Illegal write mode for this drive/.test(text)) {
    return new ToolError(`${dev}: the drive cannot write in this mode or is not a recorder (${tool})`, opts);
  }

  // --- a write mode refused before writing (the disc is untouched) ---------------
  const refusal = writeModeRefusal(text);
  if (refusal) {
    const mode = context.writeMode ?? modeOf(text) ?? 'sao';
    return new WriteModeRefusedError(
      `${dev}: ${tool}: ${describeScsiFailure(refusal)} (${mode.toUpperCase()} write mode; nothing was written)`,
      refusal,
      mode,
      opts,
    );
  }

  // --- the drive's own answer to the command that ended the burn ---------------------
  const written = bytesWrittenOf(text);
  const cause = burnFailureCause(text);
  const said = cause === null ? '' : `: ${tool}: ${describeScsiFailure(cause)}`;
  if (cause !== null && cause.senseKey === SENSE_KEY_ILLEGAL_REQUEST && cause.asc === ASC_LUN_NOT_SUPPORTED) {
    return new DriveGoneError(`${dev}: the drive is gone from the bus${mib(written)}${said}`, opts);
  }
  if (cause !== null && cause.senseKey === SENSE_KEY_NOT_READY && cause.asc === ASC_MEDIUM_NOT_PRESENT) {
    const when = noByteWritten(text) ? 'no disc in the drive' : `the disc left the drive during the burn${mib(written)}`;
    return new NoMediaError(`${dev}: ${when}${said}`, opts);
  }
  if (cause !== null && cause.senseKey === SENSE_KEY_UNIT_ATTENTION) {
    const what = noByteWritten(text) ? 'nothing was written' : 'the disc is unusable';
    return new UnitAttentionError(`${dev}: the drive interrupted the burn with UNIT ATTENTION${mib(written)}${said}; ${what}`, cause, opts);
  }

  // --- failures while writing ---------------------------------------------------
  if (/buffer underrun|buffer under run/i.test(text)) {
    return new BufferUnderrunError(`${dev}: buffer underrun${mib(written)}; the disc is unusable`, written, opts);
  }
  if (/Cannot write desired amount/.test(text) && /system error: 28\b|No space left on device/.test(text)) {
    return new WriteError(`${dev}: no space left on the target${mib(written)}`, written, opts);
  }
  if (
    /system error: 5\b|A write error occur+ed|write track data: error|Cannot fixate disk|Write data failed|Writing failed|Cannot write desired amount|Medium Error|Cannot close track/.test(
      text,
    )
  ) {
    const what = /Cannot fixate disk|Cannot close track/.test(text) ? 'closing the disc failed' : 'write error';
    return new WriteError(`${dev}: ${what}${mib(written)}${said}; the disc is unusable`, written, opts);
  }
  if (cause !== null && (WRITE_OPCODES.has(cause.opcode) || cause.senseKey === SENSE_KEY_MEDIUM_ERROR || cause.senseKey === SENSE_KEY_HARDWARE_ERROR)) {
    return new WriteError(`${dev}: write error${mib(written)}${said}; the disc is unusable`, written, opts);
  }

  // --- any other command the drive refused or failed, with its sense data ---------
  const scsi = parseScsiFailures(text);
  const failed = scsi.filter((f) => f.senseKey !== 0 && f.senseKey !== 1).pop();
  if (failed) return new ScsiCommandError(`${dev}: ${tool}: ${describeScsiFailure(failed)}`, failed, opts);

  return new ToolError(`${dev}: ${tool} failed (${exitText(run)}): ${lastMessage(run)}`, opts);
}
