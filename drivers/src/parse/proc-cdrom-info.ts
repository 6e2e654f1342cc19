/**
 * Parser for `/proc/sys/dev/cdrom/info`: the kernel's table of CD-ROM drive
 * capabilities (drivers/cdrom/cdrom.c, `cdrom_sysctl_info`).
 *
 * Format: a header line, a blank line, then one `Label:<TABs>v1<TAB>v2…` line
 * per capability, with **one tab-separated column per drive, newest drive
 * first** (`drive name: sr2 sr1 sr0`). It lists drives bound to the `sr`
 * driver and their abilities only; it says nothing about the disc in them.
 */
import type { MediaType } from '../drive-contract.js';
import { MEDIA_TYPES } from '../drive-contract.js';

/** Capabilities of one drive, one column of the table. */
export interface CdromCapabilities {
  /** Kernel name of the drive, e.g. `sr0`. */
  readonly name: string;
  /** `drive speed`: the drive's maximum (read) speed in CD x, 0 when unknown. */
  readonly speed: number;
  /** `drive # of slots`: 1 except for changers. */
  readonly slots: number;
  readonly canCloseTray: boolean;
  readonly canOpenTray: boolean;
  readonly canLockTray: boolean;
  readonly canChangeSpeed: boolean;
  readonly canSelectDisk: boolean;
  readonly canReadMultisession: boolean;
  readonly canReadMcn: boolean;
  readonly reportsMediaChanged: boolean;
  readonly canPlayAudio: boolean;
  readonly canWriteCdR: boolean;
  readonly canWriteCdRw: boolean;
  readonly canReadDvd: boolean;
  readonly canWriteDvdR: boolean;
  readonly canWriteDvdRam: boolean;
  readonly canReadMrw: boolean;
  readonly canWriteMrw: boolean;
  readonly canWriteRam: boolean;
  /** Every row of this drive's column by its label (as printed, without the colon), for rows this parser does not know. */
  readonly raw: Readonly<Record<string, string>>;
}

type FlagKey = Exclude<keyof CdromCapabilities, 'name' | 'speed' | 'slots' | 'raw'>;

/** Row labels of the kernel table and the field each one fills. */
const FLAG_ROWS: Readonly<Record<string, FlagKey>> = {
  'Can close tray': 'canCloseTray',
  'Can open tray': 'canOpenTray',
  'Can lock tray': 'canLockTray',
  'Can change speed': 'canChangeSpeed',
  'Can select disk': 'canSelectDisk',
  'Can read multisession': 'canReadMultisession',
  'Can read MCN': 'canReadMcn',
  'Reports media changed': 'reportsMediaChanged',
  'Can play audio': 'canPlayAudio',
  'Can write CD-R': 'canWriteCdR',
  'Can write CD-RW': 'canWriteCdRw',
  'Can read DVD': 'canReadDvd',
  'Can write DVD-R': 'canWriteDvdR',
  'Can write DVD-RAM': 'canWriteDvdRam',
  'Can read MRW': 'canReadMrw',
  'Can write MRW': 'canWriteMrw',
  'Can write RAM': 'canWriteRam',
};

function toInt(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Parse the whole file. Returns one record per drive in the file's order
 * (newest drive first); an empty array when the table lists no drive or the
 * text is not the table at all. Never throws.
 */
export function parseProcCdromInfo(text: string): CdromCapabilities[] {
  const rows = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const label = line.slice(0, colon).trim();
    const values = line
      .slice(colon + 1)
      .split('\t')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (!rows.has(label)) rows.set(label, values);
  }
  const names = rows.get('drive name') ?? [];
  return names.map((name, column) => {
    const raw: Record<string, string> = {};
    for (const [label, values] of rows) {
      const value = values[column];
      if (value !== undefined && label !== 'drive name') raw[label] = value;
    }
    const flags = {} as Record<FlagKey, boolean>;
    for (const [label, key] of Object.entries(FLAG_ROWS)) flags[key] = raw[label] === '1';
    return {
      name,
      speed: toInt(raw['drive speed']),
      slots: toInt(raw['drive # of slots']),
      ...flags,
      raw,
    };
  });
}

/** Options of {@link mediaTypesFromCapabilities}. */
export interface CapabilityMappingOptions {
  /**
   * The kernel table has a `Can write DVD-R` row but none for DVD+R/±RW (MMC
   * mode page 2Ah has no bit for them). By default a DVD-R writer is taken to
   * be a DVD±RW multi-format writer, as every such drive sold for two decades
   * is. `strict: true` reports only what the table literally says.
   */
  readonly strict?: boolean;
}

function ordered(types: Iterable<MediaType>): MediaType[] {
  const set = new Set(types);
  return MEDIA_TYPES.filter((t) => set.has(t));
}

/**
 * Media types a drive can read and write, as far as the kernel table tells.
 *
 * Reads: every `sr` drive reads CD-ROM and CD-R; CD-RW when it writes CD-RW or
 * reads DVD (MultiRead); the DVD family (single and dual layer) when it reads
 * DVD; DVD-RAM only when it writes DVD-RAM. Writes: CD-R, CD-RW, DVD-R (plus
 * DVD-RW/DVD+R/DVD+RW unless `strict`), DVD-RAM. Dual-layer writing and
 * anything Blu-ray cannot be told from this table and are never claimed; the
 * burn backend's own drive query is the authority for those.
 * Results are in the contract's `MEDIA_TYPES` order.
 */
export function mediaTypesFromCapabilities(
  caps: CdromCapabilities,
  options: CapabilityMappingOptions = {},
): { reads: MediaType[]; writes: MediaType[] } {
  const reads: MediaType[] = ['CD-ROM', 'CD-R'];
  const writes: MediaType[] = [];
  if (caps.canWriteCdRw || caps.canReadDvd) reads.push('CD-RW');
  if (caps.canReadDvd) reads.push('DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL');
  if (caps.canWriteDvdRam) reads.push('DVD-RAM');
  if (caps.canWriteCdR) writes.push('CD-R');
  if (caps.canWriteCdRw) writes.push('CD-RW');
  if (caps.canWriteDvdR) {
    writes.push('DVD-R');
    if (options.strict !== true) writes.push('DVD-RW', 'DVD+R', 'DVD+RW');
  }
  if (caps.canWriteDvdRam) writes.push('DVD-RAM');
  // Anything a drive writes it also reads.
  return { reads: ordered([...reads, ...writes]), writes: ordered(writes) };
}
