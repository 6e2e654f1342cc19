/**
 * Drive and media facts from cdrskin / cdrecord / wodim inspection output:
 * `-checkdrive`, `-atip`, `-minfo` (cdrskin, cdrecord) and wodim `-prcap`.
 *
 * Pure functions. Vendor strings are treated as bytes: drives pad them with
 * spaces and cdrdao/wodim have printed uninitialised garbage, so anything that
 * is not printable ASCII is dropped (optical tools reference §3.2, §4.3, §5.1, §5.2).
 */
import type { DiscStatus, MediaStatus, MediaType } from '../drive-contract.js';
import { isRewritable } from '../media.js';

/** Identity block printed by `-checkdrive`, `-atip`, `-minfo`, `-prcap`. */
export interface DriveInquiry {
  readonly vendor: string;
  readonly model: string;
  readonly firmware: string;
  /** `Device type` line, e.g. `Removable CD-ROM` or `Emulated (stdio-drive, 2k random read-write)`. */
  readonly deviceType: string;
  /** True for libburn's stdio pseudo drive. */
  readonly emulated: boolean;
  /** Write modes from `Supported modes:` (empty for a ROM drive). */
  readonly writeModes: readonly string[];
}

/** Printable ASCII only, trimmed (drops NULs, high bytes, control characters). */
export function cleanToolText(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '').trim();
}

function field(text: string, names: readonly string[]): string | null {
  for (const name of names) {
    const m = new RegExp(`^${name}\\s*:\\s*'([^']*)'`, 'm').exec(text);
    if (m) return cleanToolText(m[1] ?? '');
  }
  for (const name of names) {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text);
    if (m) return cleanToolText(m[1] ?? '');
  }
  return null;
}

/** Parse the inquiry block; null when the output has none (drive not reached). */
export function parseDriveInquiry(text: string): DriveInquiry | null {
  const vendor = field(text, ['Vendor_info']);
  const model = field(text, ['Identifikation', 'Identification']);
  if (vendor === null && model === null) return null;
  const deviceType = field(text, ['Device type']) ?? '';
  const modes = /^Supported modes:[ \t]*(.*)$/m.exec(text)?.[1] ?? '';
  return {
    vendor: vendor ?? '',
    model: model ?? '',
    firmware: field(text, ['Revision']) ?? '',
    deviceType,
    emulated: /^Emulated/.test(deviceType),
    writeModes: cleanToolText(modes).split(/\s+/).filter((m) => m !== ''),
  };
}

/** Capabilities from wodim/cdrecord `-prcap` (`Does write CD-R media` lines). */
export interface DriveCapabilities {
  readonly reads: readonly MediaType[];
  readonly writes: readonly MediaType[];
  readonly canTestWrite: boolean;
  /** From `Maximum write speed: ... (CD  62x, DVD  8x)`: the CD figure, when printed. */
  readonly maxWriteSpeedCdX?: number;
  readonly maxWriteSpeedDvdX?: number;
}

const PRCAP_MEDIA: Readonly<Record<string, readonly MediaType[]>> = {
  'CD-R': ['CD-R'],
  'CD-RW': ['CD-RW'],
  'DVD-ROM': ['DVD-ROM'],
  'DVD-R': ['DVD-R', 'DVD-R DL'],
  'DVD-RW': ['DVD-RW'],
  'DVD-RAM': ['DVD-RAM'],
  'DVD+R': ['DVD+R', 'DVD+R DL'],
  'DVD+RW': ['DVD+RW'],
  'BD-ROM': ['BD-ROM'],
  'BD-R': ['BD-R', 'BD-R DL'],
  'BD-RE': ['BD-RE', 'BD-RE DL'],
};

/** Parse `-prcap`'s `Does [not] read|write X media` lines. A drive that reads CD-R also reads CD-ROM. */
export function parsePrcap(text: string): DriveCapabilities {
  const reads = new Set<MediaType>();
  const writes = new Set<MediaType>();
  for (const m of text.matchAll(/^\s*Does (read|write) (\S+) media/gm)) {
    const types = PRCAP_MEDIA[m[2] ?? ''] ?? [];
    const target = m[1] === 'read' ? reads : writes;
    for (const t of types) target.add(t);
  }
  if (reads.size > 0 || /Does read CD-ROM|Does read CD-R media/.test(text)) reads.add('CD-ROM');
  for (const t of writes) reads.add(t);
  const speed = /Maximum write speed:.*\(CD\s+(\d+)x,\s*DVD\s+(\d+)x\)/.exec(text);
  return {
    reads: [...reads],
    writes: [...writes],
    canTestWrite: /^\s*Does support test writing/m.test(text),
    ...(speed ? { maxWriteSpeedCdX: Number(speed[1]), maxWriteSpeedDvdX: Number(speed[2]) } : {}),
  };
}

/**
 * Map a libburn / cdrecord media or profile name to a contract media type.
 * Null for unknown names and for "no media".
 */
export function mediaTypeFromName(name: string): MediaType | null {
  const n = cleanToolText(name).toUpperCase();
  if (n === '' || /^NONE|NO MEDIA|UNKNOWN/.test(n)) return null;
  if (n.startsWith('STDIO')) return 'file';
  const dl = /\/DL|\bDL\b|DUAL/.test(n);
  if (n.startsWith('CD-ROM')) return 'CD-ROM';
  if (n.startsWith('CD-RW')) return 'CD-RW';
  if (n.startsWith('CD-R')) return 'CD-R';
  if (n.startsWith('DVD-ROM')) return 'DVD-ROM';
  if (n.startsWith('DVD-RAM')) return 'DVD-RAM';
  if (n.startsWith('DVD+RW')) return 'DVD+RW';
  if (n.startsWith('DVD+R')) return dl ? 'DVD+R DL' : 'DVD+R';
  if (n.startsWith('DVD-RW')) return 'DVD-RW';
  if (n.startsWith('DVD-R')) return dl ? 'DVD-R DL' : 'DVD-R';
  if (n.startsWith('BD-ROM')) return 'BD-ROM';
  if (n.startsWith('BD-RE')) return dl ? 'BD-RE DL' : 'BD-RE';
  if (n.startsWith('BD-R')) return dl ? 'BD-R DL' : 'BD-R';
  return null;
}

/** One row of the `-minfo` track table. */
export interface MinfoTrack {
  readonly track: number;
  readonly session: number;
  /** `Data`, `Audio`, `Blank`... */
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

/** What `-minfo` / `-atip` say about the disc. */
export interface MinfoReport {
  readonly discStatus: DiscStatus;
  readonly mediaType: MediaType | null;
  /** The media name as printed (`stdio file`, `DVD+R`, `CD-ROM`...). */
  readonly mediaName: string | null;
  /** `Disk Is erasable` / `Disk Is not erasable`, when printed. */
  readonly erasable: boolean | null;
  /** Profiles the drive lists (`Profile: 0x001B (DVD+R)`), current one included. */
  readonly profiles: readonly MediaType[];
  readonly tracks: readonly MinfoTrack[];
  readonly readCapacity: number | null;
  readonly remainingWritable: number | null;
  readonly nextWritableAddress: number | null;
  readonly leadoutStart: number | null;
}

function numberAfter(text: string, label: string): number | null {
  const m = new RegExp(`^${label}:?\\s+(-?\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

function statusFromWords(word: string): DiscStatus | null {
  // cdrecord/cdrskin print "empty", "incomplete/appendable", "complete".
  const w = word.toLowerCase();
  if (/appendable|incomplete/.test(w)) return 'appendable';
  if (/^(empty|blank)/.test(w)) return 'blank';
  if (/^(complete|full|closed)/.test(w)) return 'complete';
  return null;
}

/** Disc status from libburn's `status N burn_disc_...` line (1 blank, 2 empty, 3 appendable, 4 full). */
function statusFromBurnDisc(text: string): DiscStatus | null {
  const m = /status \d+ (burn_disc_\w+)/i.exec(text);
  if (!m) return null;
  switch ((m[1] ?? '').toLowerCase()) {
    case 'burn_disc_blank': return 'blank';
    case 'burn_disc_empty': return 'none';
    case 'burn_disc_appendable': return 'appendable';
    case 'burn_disc_full': return 'complete';
    default: return null;
  }
}

/** Parse cdrskin/cdrecord `-minfo` (also accepts `-atip` output, which has fewer facts). */
export function parseMinfo(text: string): MinfoReport {
  const diskStatusWord = /^disk status:\s+(\S+)/m.exec(text)?.[1];
  const fromBurnDisc = statusFromBurnDisc(text);
  // `disk status:` is the MMC answer; prefer it, but libburn's status line is the only one without a disc.
  let discStatus: DiscStatus = (diskStatusWord ? statusFromWords(diskStatusWord) : null) ?? fromBurnDisc ?? 'none';
  if (fromBurnDisc === 'none') discStatus = 'none';
  const mediaName = /^Mounted media type:\s+(.+)$/m.exec(text)?.[1] ?? /^Current:\s+(.+)$/m.exec(text)?.[1] ?? null;
  const profiles: MediaType[] = [];
  let current: MediaType | null = null;
  for (const m of text.matchAll(/^Profile:\s+0x[0-9A-Fa-f]+\s+\(([^)]*)\)(\s*\(current\))?/gm)) {
    const t = mediaTypeFromName(m[1] ?? '');
    if (t && !profiles.includes(t)) profiles.push(t);
    if (t && m[2]) current = t;
  }
  const tracks: MinfoTrack[] = [];
  // tgt reports a burned track as `1 1 Data 0 -1 0` (READ TRACK INFORMATION without an end): keep the row, sizes as printed.
  for (const m of text.matchAll(/^\s*(\d+)\s+(\d+)\s+([A-Za-z]+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s*$/gm)) {
    tracks.push({
      track: Number(m[1]),
      session: Number(m[2]),
      type: m[3] ?? '',
      start: Number(m[4]),
      end: Number(m[5]),
      size: Number(m[6]),
    });
  }
  const erasable = /^Disk Is erasable/m.test(text) ? true : /^Disk Is not erasable/m.test(text) ? false : null;
  const cleanName = mediaName === null ? null : cleanToolText(mediaName);
  return {
    discStatus,
    mediaType: discStatus === 'none' ? null : (cleanName ? mediaTypeFromName(cleanName) : null) ?? current,
    mediaName: cleanName,
    erasable,
    profiles,
    tracks,
    readCapacity: numberAfter(text, 'Read capacity'),
    remainingWritable: numberAfter(text, 'Remaining writable size'),
    nextWritableAddress: numberAfter(text, 'Next writable address'),
    leadoutStart: numberAfter(text, 'Last session leadout start address'),
  };
}

/**
 * Turn a `-minfo` report into the contract's `MediaStatus`. Capacity is the
 * recordable size for blank/appendable discs and the recorded size for closed
 * ones (contract: "for closed discs, the recorded size").
 */
export function mediaStatusFromMinfo(report: MinfoReport): MediaStatus {
  if (report.discStatus === 'none') {
    return { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };
  }
  const type = report.mediaType;
  const rewritable = type !== null ? isRewritable(type) : report.erasable === true;
  // A row without a size (tgt: End Addr -1, Size 0) tells nothing about where the data ends.
  const recorded = report.tracks.filter((t) => t.type.toLowerCase() !== 'blank' && t.size > 0 && t.end >= t.start);
  const recordedEnd = recorded.reduce((max, t) => Math.max(max, t.end + 1), 0);
  const blankSize = report.tracks.filter((t) => t.type.toLowerCase() === 'blank').reduce((s, t) => s + t.size, 0);
  if (report.discStatus === 'complete') {
    const used = report.readCapacity ?? report.leadoutStart ?? recordedEnd;
    return { status: 'complete', type, rewritable, capacitySectors: used, usedSectors: used, freeSectors: 0 };
  }
  const used = report.discStatus === 'blank' ? 0 : (report.nextWritableAddress ?? recordedEnd);
  const free = report.remainingWritable ?? blankSize;
  return { status: report.discStatus, type, rewritable, capacitySectors: used + free, usedSectors: used, freeSectors: free };
}
