/**
 * SCSI command failures as the burn tools print them: the command (opcode
 * and name) and the sense data (key, ASC, ASCQ) the drive answered with.
 *
 * Pure functions. Formats:
 * - libburn (cdrskin, xorriso), one line on stderr
 *   (`samples/tgt-cdrskin-burn-sao-refused.txt`):
 *   `cdrskin: FAILURE : SCSI error condition on command 53h RESERVE TRACK: [5 20 00] Illegal request. Invalid command operation code.`
 *   A failed WRITE names its block and count, with the CDB on the next line
 *   (`tgt-cdrskin-burn-backing-full.txt`):
 *   `cdrskin: FATAL : SCSI error on write(1024,16): [3 11 00] Medium error. Unrecovered read error.`
 *   then `cdrskin: FATAL : CDB= WRITE(10) : 2a 00 …`; the cache flush after it
 *   `Failed to synchronize drive cache. SCSI error : [2 3A 00] …`. Sense that
 *   libburn has no words for comes as `See MMC specs: Sense Key 5
 *   "Illegal request", ASC 25 ASCQ 00.` (`tgt-cdrskin-burn-lun-deleted.txt`).
 * - libscg (wodim, cdrecord), a block on stderr (optical tools reference §5.1):
 *   `CDB:  2A 00 …` then `Sense Key: 0x5 Illegal Request, Segment 0` and
 *   `Sense Code: 0x21 Qual 0x02 (invalid address for write) Fru 0x0`.
 */
import type { ScsiFailure } from '../errors.js';

/** MMC/SPC command names by operation code (those a burner sends). */
const COMMAND_NAMES: Readonly<Record<number, string>> = {
  0x00: 'TEST UNIT READY',
  0x03: 'REQUEST SENSE',
  0x04: 'FORMAT UNIT',
  0x12: 'INQUIRY',
  0x15: 'MODE SELECT(6)',
  0x1a: 'MODE SENSE(6)',
  0x1b: 'START STOP UNIT',
  0x1e: 'PREVENT ALLOW MEDIUM REMOVAL',
  0x23: 'READ FORMAT CAPACITIES',
  0x25: 'READ CAPACITY',
  0x28: 'READ(10)',
  0x2a: 'WRITE(10)',
  0x2b: 'SEEK',
  0x2e: 'WRITE AND VERIFY(10)',
  0x35: 'SYNCHRONIZE CACHE',
  0x43: 'READ TOC/PMA/ATIP',
  0x46: 'GET CONFIGURATION',
  0x4a: 'GET EVENT STATUS NOTIFICATION',
  0x51: 'READ DISC INFORMATION',
  0x52: 'READ TRACK INFORMATION',
  0x53: 'RESERVE TRACK',
  0x54: 'SEND OPC INFORMATION',
  0x55: 'MODE SELECT',
  0x58: 'REPAIR TRACK',
  0x5a: 'MODE SENSE',
  0x5b: 'CLOSE TRACK/SESSION',
  0x5c: 'READ BUFFER CAPACITY',
  0x5d: 'SEND CUE SHEET',
  0xa1: 'BLANK',
  0xa8: 'READ(12)',
  0xaa: 'WRITE(12)',
  0xac: 'GET PERFORMANCE',
  0xad: 'READ DISC STRUCTURE',
  0xb6: 'SET STREAMING',
  0xbb: 'SET CD SPEED',
  0xbe: 'READ CD',
};

/** Sense key names (SPC), sentence case. */
const SENSE_KEYS: Readonly<Record<number, string>> = {
  0x0: 'No sense',
  0x1: 'Recovered error',
  0x2: 'Not ready',
  0x3: 'Medium error',
  0x4: 'Hardware error',
  0x5: 'Illegal request',
  0x6: 'Unit attention',
  0x7: 'Data protect',
  0x8: 'Blank check',
  0x9: 'Vendor specific',
  0xa: 'Copy aborted',
  0xb: 'Aborted command',
  0xd: 'Volume overflow',
  0xe: 'Miscompare',
};

/** Sense key 5: the drive refused the command (it does not support it, or a field of it). */
export const SENSE_KEY_ILLEGAL_REQUEST = 0x5;

/**
 * Commands a burner sends to set up a write mode before any data goes to the
 * disc: RESERVE TRACK (SAO on DVD/BD), SEND CUE SHEET (SAO on CD) and MODE
 * SELECT of the write parameters page (write type SAO/TAO). When a drive
 * refuses one of these, the disc is untouched and another write mode may work.
 */
export const WRITE_SETUP_OPCODES: ReadonlySet<number> = new Set([0x53, 0x5d, 0x55, 0x15]);

/** Name of an MMC command, `OPCODE 0xNN` when unknown. */
export function scsiCommandName(opcode: number): string {
  return COMMAND_NAMES[opcode] ?? `OPCODE ${hex2(opcode)}h`;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** `5/20/00`: sense key / ASC / ASCQ in hex. */
export function formatSense(failure: Pick<ScsiFailure, 'senseKey' | 'asc' | 'ascq'>): string {
  return `${failure.senseKey.toString(16).toUpperCase()}/${hex2(failure.asc)}/${hex2(failure.ascq)}`;
}

/** `RESERVE TRACK (53h)`. */
export function formatCommand(failure: Pick<ScsiFailure, 'opcode' | 'command'>): string {
  return `${failure.command} (${hex2(failure.opcode)}h)`;
}

/**
 * libburn's "Illegal request. Invalid command operation code." as one
 * clause list: "Illegal request, invalid command operation code".
 */
function sentence(text: string): string {
  const parts = text
    .trim()
    .replace(/\.+$/, '')
    .split(/\.\s+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts
    .map((p, i) => (i > 0 && /^[A-Z][a-z]/.test(p) ? p[0]!.toLowerCase() + p.slice(1) : p))
    .join(', ');
}

/**
 * Additional sense codes libburn may leave unnamed ("See MMC specs"), by
 * ASC << 8 | ASCQ (SPC/MMC wording): the ones a failing write or a vanished
 * drive answers with.
 */
const ASC_TEXT: Readonly<Record<number, string>> = {
  0x0400: 'Logical unit not ready, cause not reportable',
  0x0c00: 'Write error',
  0x1100: 'Unrecovered read error',
  0x2000: 'Invalid command operation code',
  0x2100: 'Logical block address out of range',
  0x2400: 'Invalid field in CDB',
  0x2500: 'Logical unit not supported',
  0x2800: 'Not ready to ready change, medium may have changed',
  0x2900: 'Power on, reset, or bus device reset occurred',
  0x3005: 'Cannot write medium, incompatible format',
  0x3a00: 'Medium not present',
  0x3f0e: 'Reported LUNs data has changed',
};

/** The words SPC gives an additional sense code, when this module knows them. */
export function ascText(asc: number, ascq: number): string | undefined {
  return ASC_TEXT[(asc << 8) | ascq];
}

/** Sense as libburn prints it: `[5 20 00] Words.` or `See MMC specs: Sense Key 5 "Words", ASC 25 ASCQ 00.` */
const LIBBURN_SENSE = String.raw`(?:\[([0-9A-Fa-f]{1,2}) ([0-9A-Fa-f]{1,2}) ([0-9A-Fa-f]{1,2})\][ \t]*([^\r\n]*)|See MMC specs: Sense Key ([0-9A-Fa-f]{1,2}) "([^"\r\n]*)", ASC ([0-9A-Fa-f]{1,2}) ASCQ ([0-9A-Fa-f]{1,2}))`;
/**
 * The command, four ways: `on command 53h RESERVE TRACK`, `on write(1024,16)`,
 * a failed cache flush, or an error the drive reported after the command
 * had returned (`Asynchronous SCSI error on SYNCHRONIZE CACHE`, or
 * `… on waiting after START UNIT (+ LOAD)` while the disc was loading).
 */
const LIBBURN = new RegExp(
  String.raw`(?:SCSI error condition on command ([0-9A-Fa-f]{2})h ([^:\r\n]*?)|SCSI error on (write)\(\d+,\d+\)|(Failed to synchronize drive cache)\. SCSI error ?|Asynchronous SCSI error on (?:waiting after )?([A-Z][A-Z0-9 ()/+]*?))\s*:\s*` +
    LIBBURN_SENSE,
  'g',
);
/** libburn's CDB line after a failed command: `CDB= WRITE(10) : 2a 00 …` or `Attempted SCSI CDB:  35 02 …`. */
const LIBBURN_CDB = /^[^\r\n]*(?:CDB= ([^:\r\n]*?)\s*:|Attempted SCSI CDB:)\s*([0-9A-Fa-f]{2})\b/;

/** The operation code of a command name this module knows. */
function opcodeNamed(name: string): number | undefined {
  // libburn says START UNIT (+ LOAD) for START STOP UNIT with the load bit.
  if (/^(?:START|STOP) UNIT\b/.test(name)) return 0x1b;
  const found = Object.entries(COMMAND_NAMES).find(([, n]) => n === name);
  return found === undefined ? undefined : Number(found[0]);
}
const LIBSCG =
  /CDB:\s+([0-9A-Fa-f]{2})\b[^\r\n]*(?:\r?\n[^\r\n]*){0,5}?\r?\nSense Key:\s*0x([0-9A-Fa-f]+)\s*([^,\r\n]*)[^\r\n]*\r?\nSense Code:\s*0x([0-9A-Fa-f]+)\s+Qual\s+0x([0-9A-Fa-f]+)(?:\s+\(([^)\r\n]*)\))?/g;

/**
 * Every SCSI command failure in a tool's output, in the order printed.
 * Empty when the output has none.
 */
export function parseScsiFailures(text: string): ScsiFailure[] {
  const found: Array<ScsiFailure & { at: number }> = [];
  for (const m of text.matchAll(LIBBURN)) {
    let opcode = Number.parseInt(m[1] ?? '0', 16);
    let named = (m[2] ?? m[5] ?? '').trim();
    if (m[3] !== undefined || m[5] !== undefined) {
      // The CDB line that follows has the opcode (WRITE(10) is what libburn writes with).
      const cdb = LIBBURN_CDB.exec(text.slice(m.index + m[0].length).replace(/^\r?\n/, ''));
      const fallback = m[3] !== undefined ? 0x2a : (opcodeNamed(named) ?? 0);
      opcode = cdb ? Number.parseInt(cdb[2] ?? '0', 16) : fallback;
      if (m[3] !== undefined) named = (cdb?.[1] ?? '').trim();
    } else if (m[4] !== undefined) {
      opcode = 0x35;
    }
    const bracketed = m[6] !== undefined;
    const senseKey = Number.parseInt((bracketed ? m[6] : m[10]) ?? '0', 16);
    const asc = Number.parseInt((bracketed ? m[7] : m[12]) ?? '0', 16);
    const ascq = Number.parseInt((bracketed ? m[8] : m[13]) ?? '0', 16);
    const told = bracketed ? sentence(m[9] ?? '') : sentence([m[11] ?? '', ascText(asc, ascq) ?? ''].filter((t) => t !== '').join('. '));
    found.push({
      at: m.index,
      opcode,
      command: named === '' ? scsiCommandName(opcode) : named,
      senseKey,
      asc,
      ascq,
      description: told === '' ? (SENSE_KEYS[senseKey] ?? `sense key ${senseKey}`) : told,
    });
  }
  for (const m of text.matchAll(LIBSCG)) {
    const opcode = Number.parseInt(m[1] ?? '0', 16);
    const senseKey = Number.parseInt(m[2] ?? '0', 16);
    const keyName = SENSE_KEYS[senseKey] ?? (m[3] ?? '').trim();
    const ascText = (m[6] ?? '').trim();
    found.push({
      at: m.index,
      opcode,
      command: scsiCommandName(opcode),
      senseKey,
      asc: Number.parseInt(m[4] ?? '0', 16),
      ascq: Number.parseInt(m[5] ?? '0', 16),
      description: ascText === '' ? keyName : `${keyName}, ${ascText}`,
    });
  }
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...failure }) => failure);
}

/** `RESERVE TRACK (53h) refused: sense 5/20/00 Illegal request, invalid command operation code`. */
export function describeScsiFailure(failure: ScsiFailure): string {
  const verb = failure.senseKey === SENSE_KEY_ILLEGAL_REQUEST ? 'refused' : 'failed';
  return `${formatCommand(failure)} ${verb}: sense ${formatSense(failure)} ${failure.description}`;
}

/**
 * The sense data of a command sent with sg3-utils at `-vv` (`sg_turs -vv
 * /dev/sr3`, `samples/tgt-sg-turs-lun-deleted.txt`): the raw bytes after
 * ` Raw sense data (in hex)` (fixed or descriptor format), worded with the
 * tool's `Additional sense:` line. Null when the output has no sense data
 * (the command succeeded, or the tool failed before sending it).
 */
export function parseSgSense(text: string, opcode: number): ScsiFailure | null {
  const raw = /Raw sense data \(in hex\)[^\r\n]*((?:\r?\n[ \t]*(?:[0-9a-fA-F]{2}[ \t]+)*[0-9a-fA-F]{2}[ \t]*)+)/.exec(text);
  if (!raw) return null;
  const bytes = (raw[1] ?? '').trim().split(/\s+/).map((b) => Number.parseInt(b, 16));
  const format = (bytes[0] ?? 0) & 0x7f;
  let senseKey: number | undefined;
  let asc: number | undefined;
  let ascq: number | undefined;
  if (format === 0x70 || format === 0x71) [senseKey, asc, ascq] = [(bytes[2] ?? 0) & 0x0f, bytes[12], bytes[13]];
  else if (format === 0x72 || format === 0x73) [senseKey, asc, ascq] = [(bytes[1] ?? 0) & 0x0f, bytes[2], bytes[3]];
  if (senseKey === undefined || asc === undefined || ascq === undefined) return null;
  const additional = /Additional sense: ([^\r\n]+)/.exec(text)?.[1]?.trim() ?? ascText(asc, ascq);
  const key = SENSE_KEYS[senseKey] ?? `sense key ${senseKey}`;
  return {
    opcode,
    command: scsiCommandName(opcode),
    senseKey,
    asc,
    ascq,
    description: additional === undefined ? key : `${key}, ${additional.charAt(0).toLowerCase()}${additional.slice(1)}`,
  };
}
