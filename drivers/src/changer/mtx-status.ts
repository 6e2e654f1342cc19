/**
 * Parser of `mtx -f /dev/sgN status`: a SCSI media changer's inventory, as
 * mtx 1.3 prints it (captures: drivers/test/fixtures/samples/tgt-mtx-*.txt):
 *
 * ```
 *   Storage Changer /dev/sg1:1 Drives, 10 Slots ( 2 Import/Export )
 * Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag = BLANK_001
 *       Storage Element 1:Empty:VolumeTag=
 *       Storage Element 2:Full :VolumeTag=BLANK_002
 *       Storage Element 9 IMPORT/EXPORT:Empty:VolumeTag=
 * ```
 *
 * Drives are data transfer elements, numbered from 0; slots are numbered
 * from 1 in mtx's order (storage elements, then import/export "mail" slots),
 * the numbers `mtx load`, `unload` and `transfer` take. Volume tags (barcodes)
 * are optional (`nobarcode`, changers without a reader) and trimmed; an
 * all-blank tag is none. The slot a drive's disc came from is reported as
 * the changer says it and is not to be trusted (tgt forgets it).
 *
 * Anything else on a line of its own is refused: the parser never guesses
 * at an inventory it cannot read (`ChangerError`, kind `unreadable`).
 */
import { ChangerError } from './changer-error.js';

/** One drive (data transfer element). */
export interface MtxDrive {
  /** mtx's drive number (0-based). */
  readonly element: number;
  readonly full: boolean;
  /** The slot its disc came from, as the changer reports it (null: unknown or empty). */
  readonly sourceSlot: number | null;
  /** The disc's volume tag (barcode), when the changer reports one. */
  readonly volumeTag: string | null;
}

/** One slot (storage or import/export element). */
export interface MtxSlot {
  /** mtx's slot number (1-based: storage first, then import/export). */
  readonly slot: number;
  readonly full: boolean;
  /** An import/export ("mail") slot a person reaches from outside. */
  readonly importExport: boolean;
  readonly volumeTag: string | null;
}

/** A changer's inventory. */
export interface MtxStatus {
  /** The device as mtx names it in its header. */
  readonly device: string;
  readonly drives: readonly MtxDrive[];
  /** Every slot, in mtx's order (slot 1 first). */
  readonly slots: readonly MtxSlot[];
}

const HEADER = /^\s*Storage Changer (.+):(\d+) Drives, (\d+) Slots \( (\d+) Import\/Export \)\s*$/;
const DRIVE = /^Data Transfer Element (\d+):(Empty|Full)(?: \((?:Storage Element (\d+)|Unknown Storage Element) Loaded\))?(.*)$/;
const SLOT = /^\s+Storage Element (\d+)( IMPORT\/EXPORT)?:(Empty|Full ?)(.*)$/;
/** `:VolumeTag = X` (drives) or `:VolumeTag=X` (slots), then optionally `:AlternateVolumeTag…`. */
const TAGS = /^(?::VolumeTag ?= ?(.*?))?(?::AlternateVolumeTag ?= ?.*)?\s*$/;

function tagOf(rest: string, line: string): string | null {
  const m = TAGS.exec(rest);
  if (m === null) throw unreadable(`a line of mtx status this parser does not know: ${JSON.stringify(line)}`);
  const tag = (m[1] ?? '').trim();
  return tag === '' ? null : tag;
}

function unreadable(message: string): ChangerError {
  return new ChangerError('unreadable', message);
}

/** Parse `mtx status` output. Throws `ChangerError` (`unreadable`) for output it cannot read. */
export function parseMtxStatus(text: string): MtxStatus {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = HEADER.exec(lines[0] ?? '');
  if (header === null) throw unreadable(`mtx status printed no "Storage Changer" header: ${JSON.stringify((lines[0] ?? '').slice(0, 200))}`);
  const device = header[1] ?? '';
  const driveCount = Number(header[2]);
  const slotCount = Number(header[3]);
  const mailCount = Number(header[4]);
  const drives: MtxDrive[] = [];
  const slots: MtxSlot[] = [];
  for (const line of lines.slice(1)) {
    const d = DRIVE.exec(line);
    if (d !== null) {
      const full = d[2] === 'Full';
      drives.push({
        element: Number(d[1]),
        full,
        sourceSlot: full && d[3] !== undefined ? Number(d[3]) : null,
        volumeTag: full ? tagOf(d[4] ?? '', line) : null,
      });
      continue;
    }
    const s = SLOT.exec(line);
    if (s !== null) {
      slots.push({ slot: Number(s[1]), full: (s[3] ?? '').startsWith('Full'), importExport: s[2] !== undefined, volumeTag: tagOf(s[4] ?? '', line) });
      continue;
    }
    throw unreadable(`a line of mtx status this parser does not know: ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (drives.length !== driveCount || drives.some((x, i) => x.element !== i)) {
    throw unreadable(`mtx status announced ${driveCount} drive(s) and listed ${drives.map((x) => x.element).join(', ') || 'none'}`);
  }
  if (slots.length !== slotCount || slots.some((x, i) => x.slot !== i + 1)) {
    throw unreadable(`mtx status announced ${slotCount} slot(s) and listed ${slots.length}`);
  }
  if (slots.filter((x) => x.importExport).length !== mailCount) {
    throw unreadable(`mtx status announced ${mailCount} import/export slot(s) and marked ${slots.filter((x) => x.importExport).length}`);
  }
  return { device, drives, slots };
}
