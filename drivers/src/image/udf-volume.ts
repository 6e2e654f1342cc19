/**
 * UDF (ECMA-167 / OSTA UDF 1.02 to 2.60) by structure, for images with no
 * ISO 9660 file system (a Blu-ray data image, `mkudffs` on a file): the
 * volume recognition sequence from sector 16 (BEA01, NSR02 or NSR03,
 * TEA01), the anchor volume descriptor pointer at sector 256 (or, as UDF
 * allows, at the last sector or 256 before it), and the main volume
 * descriptor sequence it points at (the reserve one when the main one is
 * unusable): primary volume descriptor, partition descriptor, logical volume
 * descriptor (its logical block size and the UDF revision of its domain
 * identifier). Every descriptor's tag is checked (identifier, checksum, CRC,
 * own location); every extent is checked against the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { imageProblem, ImageReadError } from './image-read-error.js';
import { FIRST_DESCRIPTOR, ISO_SECTOR, readSector } from './iso-sectors.js';

/** Lowest and highest UDF revision accepted (BCD as the domain identifier writes it). */
export const UDF_MIN_REVISION = 0x0102;
export const UDF_MAX_REVISION = 0x0260;
const ANCHOR_SECTOR = 256;
/** Descriptors read at most in one volume descriptor sequence. */
const MAX_VDS_SECTORS = 64;
const MAX_VRS_DESCRIPTORS = 32;
const OSTA_DOMAIN = '*OSTA UDF Compliant';

/** Tag identifiers (ECMA-167 3/7.2.1). */
const TAG = { primary: 1, anchor: 2, pointer: 3, implementationUse: 4, partition: 5, logicalVolume: 6, unallocated: 7, terminator: 8 } as const;

/** What a pure UDF volume says about itself. */
export interface UdfVolumeInfo {
  /** Logical volume identifier (what `udfinfo` calls label/lvid). */
  readonly label: string;
  /** Volume identifier of the primary volume descriptor (`vid`). */
  readonly volumeId: string;
  /** UDF revision of the logical volume's domain identifier, e.g. `2.01`. */
  readonly revision: string;
  /** NSR02 (UDF 1.x) or NSR03 (UDF 2.x), from the recognition sequence. */
  readonly nsr: 'NSR02' | 'NSR03';
  readonly blockSize: number;
  readonly partitionStart: number;
  readonly partitionSectors: number;
  /** Sectors the volume's structures reach (partition, descriptor sequences, anchors). */
  readonly volumeSectors: number;
  /** Sector the anchor used was found at. */
  readonly anchorSector: number;
}

const bad = (detail: string): ImageReadError => imageProblem('udf-descriptor', detail);

/** CRC-ITU-T (polynomial 0x1021, initial 0), as ECMA-167 7.2.6 computes a descriptor CRC. */
export function udfCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The tag identifier of `sector` when its tag is sound and records `location`, else null. */
export function checkedTag(sector: Buffer, location: number): number | null {
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum = (sum + (sector[i] ?? 0)) & 0xff;
  if (sector[4] !== sum) return null;
  const version = sector.readUInt16LE(2);
  if (version !== 2 && version !== 3) return null;
  if (sector.readUInt32LE(12) !== location) return null;
  const crcLength = sector.readUInt16LE(10);
  if (16 + crcLength > sector.length) return null;
  if (crcLength > 0 && udfCrc(sector.subarray(16, 16 + crcLength)) !== sector.readUInt16LE(8)) return null;
  return sector.readUInt16LE(0);
}

/** A dstring (ECMA-167 1/7.2.12): compression id 8 (Latin-1) or 16 (UTF-16BE), length in the last byte. */
export function dstring(field: Buffer): string {
  const used = Math.min(field[field.length - 1] ?? 0, field.length - 1);
  if (used < 2) return '';
  const body = field.subarray(1, used);
  if (field[0] === 16) {
    const even = Buffer.from(body.subarray(0, body.length - (body.length % 2)));
    return even.swap16().toString('utf16le').replace(/\0+$/, '').trim();
  }
  return body.toString('latin1').replace(/\0+$/, '').trim();
}

/** The NSR descriptor of a sound recognition sequence from sector 16 (BEA01, NSR0x, TEA01). */
async function readRecognitionSequence(handle: FileHandle, fileBytes: number): Promise<'NSR02' | 'NSR03'> {
  let sawBea = false;
  let nsr: 'NSR02' | 'NSR03' | undefined;
  for (let i = 0; i < MAX_VRS_DESCRIPTORS; i++) {
    const sector = await readSector(handle, FIRST_DESCRIPTOR + i, fileBytes);
    if (!sector) break;
    const id = sector.toString('latin1', 1, 6);
    if (id === 'BEA01') sawBea = true;
    else if ((id === 'NSR02' || id === 'NSR03') && sawBea) nsr = id;
    else if (id === 'TEA01') {
      if (!sawBea) break;
      if (!nsr) throw bad('the UDF volume recognition sequence has no NSR02 or NSR03 descriptor between BEA01 and TEA01');
      return nsr;
    } else if (!sawBea && !['BOOT2', 'CDW02', 'CD001'].includes(id)) break;
    else if (sawBea && sector.subarray(0, 7).every((byte) => byte === 0)) break;
  }
  throw bad(sawBea ? 'the UDF volume recognition sequence has no TEA01 descriptor' : 'no UDF volume recognition sequence (BEA01) at sector 16');
}

/** An anchor volume descriptor pointer at 256, the last sector or 256 before it: its sector and main/reserve sequence extents. */
async function findAnchor(handle: FileHandle, fileBytes: number): Promise<{ at: number; extents: [number, number][] }> {
  const last = Math.floor(fileBytes / ISO_SECTOR) - 1;
  const candidates = [ANCHOR_SECTOR, last, last - 256].filter((at, i, all) => at >= ANCHOR_SECTOR && all.indexOf(at) === i);
  for (const at of candidates) {
    const sector = await readSector(handle, at, fileBytes);
    if (!sector || checkedTag(sector, at) !== TAG.anchor) continue;
    const extents: [number, number][] = [
      [sector.readUInt32LE(20), sector.readUInt32LE(16)],
      [sector.readUInt32LE(28), sector.readUInt32LE(24)],
    ];
    return { at, extents };
  }
  throw bad(`no UDF anchor volume descriptor pointer at sector ${ANCHOR_SECTOR} (nor at the end of the image)`);
}

interface Sequence {
  primary?: Buffer;
  partition?: Buffer;
  logical?: Buffer;
  end: number;
}

/** The descriptors of one volume descriptor sequence (`location`, `bytes` long), up to its terminator. */
async function readSequence(handle: FileHandle, fileBytes: number, location: number, bytes: number): Promise<Sequence | string> {
  if (bytes < 16 * ISO_SECTOR) return `its volume descriptor sequence at sector ${location} is ${bytes} bytes, less than the 16 sectors UDF requires`;
  const sectors = Math.floor(bytes / ISO_SECTOR);
  const end = location + sectors;
  if (end * ISO_SECTOR > fileBytes) return `its volume descriptor sequence (sectors ${location} to ${end - 1}) runs past the end of the file`;
  const found: Sequence = { end };
  const newer = (old: Buffer | undefined, next: Buffer): boolean => !old || next.readUInt32LE(16) >= old.readUInt32LE(16);
  for (let i = 0; i < Math.min(sectors, MAX_VDS_SECTORS); i++) {
    const sector = await readSector(handle, location + i, fileBytes);
    const tag = sector ? checkedTag(sector, location + i) : null;
    if (!sector || tag === null) return `descriptor at sector ${location + i} has a bad tag (checksum, CRC or location)`;
    if (tag === TAG.terminator) return found;
    if (tag === TAG.primary && newer(found.primary, sector)) found.primary = sector;
    else if (tag === TAG.partition && newer(found.partition, sector)) found.partition = sector;
    else if (tag === TAG.logicalVolume && newer(found.logical, sector)) found.logical = sector;
    else if (![TAG.primary, TAG.partition, TAG.logicalVolume, TAG.pointer, TAG.implementationUse, TAG.unallocated].includes(tag as 1)) {
      return `descriptor at sector ${location + i} has tag identifier ${tag}, not a volume descriptor`;
    }
  }
  return found;
}

function revisionText(bcd: number): string {
  return `${(bcd >> 8).toString(16)}.${(bcd & 0xff).toString(16).padStart(2, '0')}`;
}

/** Check the logical volume descriptor's block size and domain; the revision it declares. */
function checkLogicalVolume(lvd: Buffer): number {
  const blockSize = lvd.readUInt32LE(212);
  if (blockSize !== ISO_SECTOR) throw bad(`UDF logical block size is ${blockSize}; a disc image needs ${ISO_SECTOR}`);
  const domain = lvd.toString('latin1', 217, 240).replace(/\0+$/, '');
  if (domain !== OSTA_DOMAIN) throw bad(`logical volume domain is '${domain.replace(/[^\x20-\x7e]/g, '?')}', not '${OSTA_DOMAIN}'`);
  const revision = lvd.readUInt16LE(240);
  if (revision < UDF_MIN_REVISION || revision > UDF_MAX_REVISION) {
    throw bad(`UDF revision ${revisionText(revision)} is not supported (${revisionText(UDF_MIN_REVISION)} to ${revisionText(UDF_MAX_REVISION)})`);
  }
  return revision;
}

/**
 * Read a pure UDF volume open in `handle` (`fileBytes` long). Throws
 * `ImageReadError`: `udf-descriptor` for a missing or insane recognition
 * sequence, anchor or descriptor, an unsupported revision or block size;
 * `image-truncated` when a partition or descriptor sequence lies past the
 * end of the file.
 */
export async function analyseUdf(handle: FileHandle, fileBytes: number): Promise<UdfVolumeInfo> {
  const nsr = await readRecognitionSequence(handle, fileBytes);
  const anchor = await findAnchor(handle, fileBytes);
  let sequence: Sequence | undefined;
  const problems: string[] = [];
  for (const [location, bytes] of anchor.extents) {
    const read = await readSequence(handle, fileBytes, location, bytes);
    if (typeof read === 'string') problems.push(read);
    else if (!read.logical || !read.partition) problems.push(`its volume descriptor sequence at sector ${location} has no ${read.logical ? 'partition' : 'logical volume'} descriptor`);
    else {
      sequence = read;
      break;
    }
  }
  if (!sequence?.logical || !sequence.partition) throw bad(`UDF volume is unusable: ${problems.join('; ')}`);
  const revision = checkLogicalVolume(sequence.logical);
  const partitionStart = sequence.partition.readUInt32LE(188);
  const partitionSectors = sequence.partition.readUInt32LE(192);
  if (partitionSectors === 0) throw bad('the UDF partition is empty (length 0)');
  const volumeSectors = Math.max(partitionStart + partitionSectors, sequence.end, anchor.at + 1);
  if (volumeSectors * ISO_SECTOR > fileBytes) {
    throw new ImageReadError({ kind: 'image-truncated', what: 'UDF volume', expectedBytes: volumeSectors * ISO_SECTOR, actualBytes: fileBytes });
  }
  return {
    label: dstring(sequence.logical.subarray(84, 212)),
    volumeId: sequence.primary ? dstring(sequence.primary.subarray(24, 56)) : '',
    revision: revisionText(revision),
    nsr,
    blockSize: ISO_SECTOR,
    partitionStart,
    partitionSectors,
    volumeSectors,
    anchorSector: anchor.at,
  };
}
