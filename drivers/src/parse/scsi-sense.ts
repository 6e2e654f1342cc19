/**
 * SCSI command failures as the burn tools print them: the command (opcode
 * and name) and the sense data (key, ASC, ASCQ) the drive answered with.
 *
 * Pure functions. Formats:
 * - libburn (cdrskin, xorriso), one line on stderr
 *   (`samples/tgt-cdrskin-burn-sao-refused.txt`):
 *   `cdrskin: FAILURE : SCSI error condition on command 53h RESERVE TRACK: [5 20 00] Illegal request. Invalid command operation code.`
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

const LIBBURN = /SCSI error condition on command ([0-9A-Fa-f]{2})h ([^:\r\n]*?)\s*:\s*\[([0-9A-Fa-f]{1,2}) ([0-9A-Fa-f]{1,2}) ([0-9A-Fa-f]{1,2})\][ \t]*([^\r\n]*)/g;
const LIBSCG =
  /CDB:\s+([0-9A-Fa-f]{2})\b[^\r\n]*(?:\r?\n[^\r\n]*){0,5}?\r?\nSense Key:\s*0x([0-9A-Fa-f]+)\s*([^,\r\n]*)[^\r\n]*\r?\nSense Code:\s*0x([0-9A-Fa-f]+)\s+Qual\s+0x([0-9A-Fa-f]+)(?:\s+\(([^)\r\n]*)\))?/g;

/**
 * Every SCSI command failure in a tool's output, in the order printed.
 * Empty when the output has none.
 */
export function parseScsiFailures(text: string): ScsiFailure[] {
  const found: Array<ScsiFailure & { at: number }> = [];
  for (const m of text.matchAll(LIBBURN)) {
    const opcode = Number.parseInt(m[1] ?? '0', 16);
    const senseKey = Number.parseInt(m[3] ?? '0', 16);
    const named = (m[2] ?? '').trim();
    const told = sentence(m[6] ?? '');
    found.push({
      at: m.index,
      opcode,
      command: named === '' ? scsiCommandName(opcode) : named,
      senseKey,
      asc: Number.parseInt(m[4] ?? '0', 16),
      ascq: Number.parseInt(m[5] ?? '0', 16),
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
