/**
 * MMC profiles: what a drive can read and write according to its GET
 * CONFIGURATION profile list, as the libburn tools print it.
 *
 * Pure functions. Formats:
 * - `xorriso -outdev /dev/srN -list_profiles out` (stdout;
 *   `samples/tgt-xorriso-list-profiles.txt`):
 *   `Drive type   : vendor 'IET' product 'VIRTUAL-CDROM' revision '0001'`,
 *   `Profile      : 0x0010 (DVD-ROM)`, `Profile      : 0x001B (DVD+R) (current)`;
 *   its stderr says `Media current: DVD+R` and `Media status : is blank`.
 * - cdrskin `-v -atip` / `-v -minfo` and wodim `-v` (optical tools reference
 *   §5.1, §5.2): `Current: DVD+R` or `Current: 0x0009 (CD-R)`, then
 *   `Profile: 0x001B (DVD+R) (current)`.
 *
 * The profile list is the truth about an MMC recorder. The kernel's
 * `/proc/sys/dev/cdrom/info` comes from the legacy capabilities page, which an
 * MMC drive may leave empty (tgt's emulated DVD+R recorder: "Can write …: 0"
 * for everything), so it is only a fallback.
 */
import type { MediaType } from '../drive-contract.js';
import { MEDIA_TYPES } from '../drive-contract.js';

/** One entry of a drive's profile list. */
export interface MmcProfile {
  /** Profile number, e.g. `0x1B`. */
  readonly code: number;
  /** Name as the tool printed it, e.g. `DVD+R`. */
  readonly name: string;
  /** True for the profile of the loaded disc. */
  readonly current: boolean;
}

/** What a profile listing says. */
export interface ProfileListing {
  /** In the order listed. Empty when the output lists none. */
  readonly profiles: readonly MmcProfile[];
  /** From xorriso's `Drive type` line, when printed. */
  readonly vendor?: string;
  readonly model?: string;
  readonly firmware?: string;
}

const PROFILE_LINE = /^Profile\s*:\s*0x([0-9A-Fa-f]{1,4})\s+\(([^)]*)\)([ \t]*\(current\))?/gm;
const DRIVE_TYPE = /^Drive type\s*:\s*vendor '([^']*)' product '([^']*)' revision '([^']*)'/m;

/**
 * Parse a profile listing (xorriso `-list_profiles`, cdrskin/wodim `-v`
 * output). Never throws; an output without `Profile` lines gives none.
 */
export function parseProfileListing(text: string): ProfileListing {
  const profiles: MmcProfile[] = [];
  for (const m of text.matchAll(PROFILE_LINE)) {
    const code = Number.parseInt(m[1] ?? '0', 16);
    if (profiles.some((p) => p.code === code)) continue;
    profiles.push({ code, name: (m[2] ?? '').trim(), current: m[3] !== undefined });
  }
  const drive = DRIVE_TYPE.exec(text);
  return {
    profiles,
    ...(drive
      ? { vendor: (drive[1] ?? '').trim(), model: (drive[2] ?? '').trim(), firmware: (drive[3] ?? '').trim() }
      : {}),
  };
}

/**
 * Media types of MMC profile numbers (MMC-6 table 89). Blu-ray profiles do
 * not tell single from dual layer; a BD-R/BD-RE profile counts for both, as
 * every BD recorder writes dual-layer discs. DVD dual-layer types only come
 * from their own profiles. Profiles with no contract media type (DVD-RW DL,
 * DVD+RW DL, HD DVD, DDCD, magneto-optical…) map to nothing.
 */
const PROFILE_MEDIA: Readonly<Record<number, readonly MediaType[]>> = {
  0x08: ['CD-ROM'],
  0x09: ['CD-R'],
  0x0a: ['CD-RW'],
  0x10: ['DVD-ROM'],
  0x11: ['DVD-R'],
  0x12: ['DVD-RAM'],
  0x13: ['DVD-RW'],
  0x14: ['DVD-RW'],
  0x15: ['DVD-R DL'],
  0x16: ['DVD-R DL'],
  0x1a: ['DVD+RW'],
  0x1b: ['DVD+R'],
  0x2b: ['DVD+R DL'],
  0x40: ['BD-ROM'],
  0x41: ['BD-R', 'BD-R DL'],
  0x42: ['BD-R', 'BD-R DL'],
  0x43: ['BD-RE', 'BD-RE DL'],
};

/** Media a profile stands for (empty for profiles without a contract type). */
export function mediaTypesOfProfile(code: number): readonly MediaType[] {
  return PROFILE_MEDIA[code] ?? [];
}

const READ_ONLY: ReadonlySet<MediaType> = new Set(['CD-ROM', 'DVD-ROM', 'BD-ROM']);
/** Media on which MMC defines a test (dummy) write: CD-R/RW and DVD-R/RW (not DVD+R/+RW, not BD). */
const TEST_WRITE_MEDIA: ReadonlySet<MediaType> = new Set(['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD-R DL']);

function ordered(types: Iterable<MediaType>): MediaType[] {
  const set = new Set(types);
  return MEDIA_TYPES.filter((t) => set.has(t));
}

/** Reads, writes and test-write support from a profile list. */
export interface ProfileCapabilities {
  readonly reads: readonly MediaType[];
  readonly writes: readonly MediaType[];
  /** True when the drive writes media on which a test write is defined. */
  readonly canTestWrite: boolean;
}

/**
 * What a drive reads and writes by its profiles: it writes every recordable
 * profile it lists (a drive whose list has DVD+R writes DVD+R) and reads every
 * profile it lists; a drive that lists any CD profile reads CD-ROM, any DVD
 * profile DVD-ROM, any BD profile BD-ROM. In the contract's `MEDIA_TYPES` order.
 */
export function capabilitiesFromProfiles(profiles: readonly MmcProfile[]): ProfileCapabilities {
  const listed = profiles.flatMap((p) => [...mediaTypesOfProfile(p.code)]);
  const writes = ordered(listed.filter((t) => !READ_ONLY.has(t)));
  const reads = new Set<MediaType>(listed);
  if (listed.some((t) => t.startsWith('CD-'))) reads.add('CD-ROM');
  if (listed.some((t) => t.startsWith('DVD'))) reads.add('DVD-ROM');
  if (listed.some((t) => t.startsWith('BD-'))) reads.add('BD-ROM');
  return {
    reads: ordered(reads),
    writes,
    canTestWrite: writes.some((t) => TEST_WRITE_MEDIA.has(t)),
  };
}

/** The profile of the loaded disc, if the listing marks one. */
export function currentProfile(listing: ProfileListing): MmcProfile | undefined {
  return listing.profiles.find((p) => p.current);
}
