/**
 * The disc of a simulated drive: its type, capacity, status and what is
 * recorded on it. Recorded content is a reference to the image file and a
 * length, never the bytes, so a tower of simulated drives burning 25 GB
 * images keeps a flat memory footprint.
 */
import type { DiscStatus, MediaStatus, MediaType } from '../drive-contract.js';
import { InvalidDeviceError } from '../errors.js';
import { isRewritable, MEDIA_SIZES, mediaClassOf, SECTOR_BYTES } from '../media.js';
import type { MediaClass, MediaSize } from '../media.js';

/** What is recorded on a disc. */
export interface DiscContent {
  readonly format: 'iso' | 'cue';
  /**
   * File whose bytes are the recorded data: the ISO image, or the CUE sheet
   * whose tracks read back as a CD's (sim/cue-disc-reader.ts). Null: nothing
   * to read (a CUE burn that failed reads back as zeros).
   */
  readonly path: string | null;
  /** Disc sector where the recorded image starts (a later session); default 0. Earlier sessions read as zeros. */
  readonly startSector?: number;
  /** Bytes of the file that were recorded, from its start. */
  readonly recordedBytes: number;
  /** From this byte to the end of the used area, the disc holds garbage (a failed or cancelled burn). */
  readonly damagedFromByte?: number;
  /** A sector recorded wrong (the verify-mismatch fault): its bytes read back flipped. */
  readonly flippedSector?: number;
}

/** A disc as an operator or test inserts it. */
export interface DiscSpec {
  readonly type: MediaType;
  /** Default: the nominal capacity of the type's class (CD 80 min, DVD 4.7 GB, DVD DL, BD 25 GB, BD DL 50 GB). */
  readonly capacitySectors?: number;
  /** Default `blank`, or `complete` for ROM media. */
  readonly status?: Exclude<DiscStatus, 'none'>;
  /** Sectors recorded; default 0 for a blank, the content's sectors otherwise. */
  readonly usedSectors?: number;
  readonly content?: DiscContent | null;
}

/** A disc in (or out of) a simulated drive. Mutable: the drive updates it as it writes. */
export interface SimDisc {
  readonly type: MediaType;
  readonly capacitySectors: number;
  status: Exclude<DiscStatus, 'none'>;
  usedSectors: number;
  content: DiscContent | null;
}

const DEFAULT_SIZE: Readonly<Record<MediaClass, MediaSize>> = {
  cd: 'cd-700', dvd: 'dvd', 'dvd-dl': 'dvd-dl', bd: 'bd', 'bd-dl': 'bd-dl',
};

/** Nominal capacity in sectors of a media type's class. */
export function defaultCapacitySectors(type: MediaType): number {
  const cls = mediaClassOf(type);
  if (cls === null) throw new InvalidDeviceError(`a simulated drive takes optical media, not '${type}'`);
  const size = MEDIA_SIZES.find((m) => m.size === DEFAULT_SIZE[cls]);
  return size?.sectors ?? 0;
}

/** True for pressed (read-only) media. */
export function isRomType(type: MediaType): boolean {
  return type === 'CD-ROM' || type === 'DVD-ROM' || type === 'BD-ROM';
}

const PRESSED: Readonly<Record<MediaClass, MediaType>> = {
  cd: 'CD-ROM', dvd: 'DVD-ROM', 'dvd-dl': 'DVD-ROM', bd: 'BD-ROM', 'bd-dl': 'BD-ROM',
};

/**
 * A pressed (ROM) disc of an ISO image, as an operator puts a master into a
 * simulated drive: it references the file and its size (nothing is copied)
 * and reads back as the image's bytes, zero-padded to whole sectors. The
 * class (`cd`... `bd-dl`) picks CD-ROM, DVD-ROM or BD-ROM; the disc is as
 * big as the image.
 */
export function pressedDisc(imagePath: string, sizeBytes: number, mediaClass: MediaClass): DiscSpec {
  if (!(Number.isSafeInteger(sizeBytes) && sizeBytes > 0)) throw new RangeError(`sizeBytes must be a positive integer, got ${sizeBytes}`);
  const sectors = Math.ceil(sizeBytes / SECTOR_BYTES);
  return {
    type: PRESSED[mediaClass], status: 'complete', capacitySectors: sectors,
    content: { format: 'iso', path: imagePath, recordedBytes: sizeBytes },
  };
}

/** Make a disc from a type or a spec. */
export function createDisc(spec: MediaType | DiscSpec): SimDisc {
  const s: DiscSpec = typeof spec === 'string' ? { type: spec } : spec;
  const capacitySectors = s.capacitySectors ?? defaultCapacitySectors(s.type);
  if (!Number.isSafeInteger(capacitySectors) || capacitySectors <= 0) {
    throw new RangeError(`capacitySectors must be a positive integer, got ${capacitySectors}`);
  }
  const content = s.content ?? null;
  const status = s.status ?? (isRomType(s.type) ? 'complete' : 'blank');
  const contentSectors = content === null ? 0 : (content.startSector ?? 0) + Math.ceil(content.recordedBytes / SECTOR_BYTES);
  const usedSectors = status === 'blank' ? 0 : Math.min(capacitySectors, s.usedSectors ?? contentSectors);
  return { type: s.type, capacitySectors, status, usedSectors, content };
}

/** The contract's view of a disc (or of an empty drive). */
export function mediaStatusOf(disc: SimDisc | null, trayOpen: boolean): MediaStatus {
  if (disc === null) {
    return { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0, trayOpen };
  }
  const closed = disc.status === 'complete';
  // A written disc holds one data track of the recorded length (the simulation keeps no real TOC).
  const tracks = disc.status !== 'blank' && disc.usedSectors > 0
    ? { tracks: [{ number: 1, session: 1, kind: 'data' as const, startSector: 0, sectors: disc.usedSectors }] }
    : {};
  return {
    status: disc.status,
    type: disc.type,
    rewritable: isRewritable(disc.type),
    capacitySectors: closed ? disc.usedSectors : disc.capacitySectors,
    usedSectors: disc.usedSectors,
    freeSectors: closed ? 0 : disc.capacitySectors - disc.usedSectors,
    trayOpen,
    ...tracks,
  };
}

/** Rewritable media that can be overwritten in place without blanking first. */
export function isOverwritable(type: MediaType): boolean {
  return type === 'DVD+RW' || type === 'DVD-RW' || type === 'DVD-RAM' || type === 'BD-RE' || type === 'BD-RE DL';
}

/**
 * Fill `buf` (disc bytes from `discOffset`) with what the disc holds there
 * beyond the image bytes: zeros, garbage of a damaged area, and the flipped
 * sector. `imageBytes` is how much of `buf`, from its start, the caller
 * already filled from the image file.
 */
export function overlayDiscBytes(disc: SimDisc, buf: Buffer, discOffset: number, imageBytes: number): void {
  buf.fill(0, imageBytes);
  const content = disc.content;
  if (content === null) return;
  const end = discOffset + buf.length;
  const usedEnd = disc.usedSectors * SECTOR_BYTES;
  const damaged = content.damagedFromByte;
  if (damaged !== undefined && damaged < usedEnd && damaged < end) {
    for (let b = Math.max(damaged, discOffset); b < Math.min(usedEnd, end); b++) buf[b - discOffset] = garbageByte(b);
  }
  const flipped = content.flippedSector;
  if (flipped !== undefined) {
    const from = Math.max(flipped * SECTOR_BYTES, discOffset);
    const to = Math.min((flipped + 1) * SECTOR_BYTES, end);
    for (let b = from; b < to; b++) buf[b - discOffset] = (buf[b - discOffset] ?? 0) ^ 0xff;
  }
}

/** Deterministic noise of a damaged area. */
function garbageByte(discByte: number): number {
  const x = Math.imul(discByte ^ 0x5bd1e995, 0x27d4eb2d);
  return ((x >>> 15) ^ x ^ 0xa5) & 0xff;
}
