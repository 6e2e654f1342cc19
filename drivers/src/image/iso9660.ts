/**
 * ISO 9660 by structure: the volume descriptor set from sector 16 (primary,
 * Joliet supplementary, El Torito boot record, terminator) and the UDF volume
 * recognition sequence after it; Rock Ridge, El Torito's catalog and UDF's
 * anchor are read in iso-extensions.ts. Reads only a few sectors; never
 * trusts a length or offset it has not checked.
 */
import type { FileHandle } from 'node:fs/promises';
import { imageProblem, ImageReadError } from './image-read-error.js';
import type { ElToritoInfo } from './iso-extensions.js';
import { detectRockRidge, readElTorito, readUdfAnchor } from './iso-extensions.js';
import { FIRST_DESCRIPTOR, ISO_SECTOR, readSector } from './iso-sectors.js';
import type { UdfVolumeInfo } from './udf-volume.js';
import { analyseUdf } from './udf-volume.js';

export { ISO_SECTOR } from './iso-sectors.js';

/** Descriptors scanned at most (ISO set + UDF recognition sequence). */
const MAX_DESCRIPTORS = 64;
const VRS_IDS = new Set(['BEA01', 'NSR02', 'NSR03', 'TEA01', 'BOOT2', 'CDW02']);

/**
 * File systems and volume facts found in a data image of 2048-byte sectors:
 * ISO 9660 (with Joliet, Rock Ridge, El Torito, a UDF bridge), or pure UDF
 * (`iso9660: false`, its label and size from the UDF volume).
 */
export interface IsoInfo {
  /** False for a pure UDF image (no ISO 9660 volume descriptor set). */
  readonly iso9660: boolean;
  /** Volume identifier of the primary volume descriptor (trimmed). */
  readonly volumeLabel: string;
  /** Joliet volume identifier, when it differs from the primary one. */
  readonly jolietLabel?: string;
  readonly systemId: string;
  readonly publisherId: string;
  readonly applicationId: string;
  /** Volume space size in 2048-byte sectors (a hybrid image may be longer). */
  readonly volumeSectors: number;
  readonly joliet: boolean;
  /** Joliet level 1-3 from the escape sequence. */
  readonly jolietLevel?: number;
  readonly rockRidge: boolean;
  /** True when the recognition sequence has an NSR descriptor and sector 256 a UDF anchor. */
  readonly udf: boolean;
  /** Highest UDF NSR descriptor found (NSR02 = UDF 1.x, NSR03 = UDF 2.x). */
  readonly udfRevision?: string;
  /** The UDF volume's own descriptors (pure UDF; a bridge image's when they are sound). */
  readonly udfVolume?: UdfVolumeInfo;
  readonly elTorito?: ElToritoInfo;
}

function text(buffer: Buffer, start: number, end: number): string {
  return buffer.toString('latin1', start, end).replace(/\0+$/, '').trim();
}

/** A Joliet identifier: UCS-2, big-endian. */
function ucs2(buffer: Buffer, start: number, end: number): string {
  const bytes = Buffer.from(buffer.subarray(start, end - ((end - start) % 2)));
  bytes.swap16();
  return bytes.toString('utf16le').replace(/\0+$/, '').trim();
}

/** True when the 2048-byte sector at 16 of `head` carries an ISO 9660 descriptor. */
export function hasIsoSignature(head: Buffer): boolean {
  const at = FIRST_DESCRIPTOR * ISO_SECTOR;
  return head.length >= at + 6 && head.toString('latin1', at + 1, at + 6) === 'CD001';
}

/** True when sector 16 holds a UDF recognition descriptor (UDF without an ISO 9660 bridge). */
export function hasUdfOnlySignature(head: Buffer): boolean {
  const at = FIRST_DESCRIPTOR * ISO_SECTOR;
  return head.length >= at + 6 && VRS_IDS.has(head.toString('latin1', at + 1, at + 6));
}

/** Check a primary volume descriptor and the file against it; its volume space size in sectors. */
function checkPrimary(pvd: Buffer, fileBytes: number): number {
  if (pvd[6] !== 1) throw imageProblem('iso-descriptor', `primary volume descriptor has version ${pvd[6]}, expected 1`);
  const blockLe = pvd.readUInt16LE(128);
  const blockBe = pvd.readUInt16BE(130);
  if (blockLe !== ISO_SECTOR || blockBe !== ISO_SECTOR) {
    throw imageProblem('iso-descriptor', `logical block size is ${blockLe}/${blockBe}, only 2048 is supported`);
  }
  const volumeSectors = pvd.readUInt32LE(80);
  if (volumeSectors === 0) throw imageProblem('iso-descriptor', 'volume space size is 0');
  if (pvd.readUInt32BE(84) !== volumeSectors) {
    throw imageProblem('iso-descriptor', `volume space size differs between byte orders (${volumeSectors} vs ${pvd.readUInt32BE(84)})`);
  }
  if (volumeSectors <= FIRST_DESCRIPTOR) throw imageProblem('iso-descriptor', `volume space size ${volumeSectors} is too small`);
  const expectedBytes = volumeSectors * ISO_SECTOR;
  if (fileBytes < expectedBytes) throw new ImageReadError({ kind: 'iso-truncated', expectedBytes, actualBytes: fileBytes });
  return volumeSectors;
}

/** Joliet level from a supplementary descriptor's escape sequences (UCS-2 level 1-3), 0 for none. */
function jolietLevel(svd: Buffer): number {
  const escapes = svd.toString('latin1', 88, 120);
  return escapes.startsWith('%/@') ? 1 : escapes.startsWith('%/C') ? 2 : escapes.startsWith('%/E') ? 3 : 0;
}

interface DescriptorSet {
  readonly pvd: Buffer;
  readonly volumeSectors: number;
  readonly joliet: { readonly level: number; readonly label: string } | null;
  readonly bootRecord: Buffer | null;
  readonly udfRevision: string | undefined;
}

/** Walk the descriptors from sector 16: the ISO 9660 set up to its terminator, then the UDF recognition sequence. */
async function readDescriptorSet(handle: FileHandle, fileBytes: number): Promise<DescriptorSet> {
  let pvd: Buffer | null = null;
  let volumeSectors = 0;
  let joliet: DescriptorSet['joliet'] = null;
  let bootRecord: Buffer | null = null;
  let udfRevision: string | undefined;
  let sawBea = false;
  let sawTerminator = false;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const sector = await readSector(handle, FIRST_DESCRIPTOR + i, fileBytes);
    if (!sector) break;
    const id = sector.toString('latin1', 1, 6);
    if (id === 'CD001' && !sawTerminator) {
      const type = sector[0];
      if (type === 1 && !pvd) {
        pvd = sector;
        volumeSectors = checkPrimary(sector, fileBytes);
      } else if (type === 2 && sector[6] === 1) {
        const level = jolietLevel(sector);
        if (level > 0 && !joliet) joliet = { level, label: ucs2(sector, 40, 72) };
      } else if (type === 0 && sector.toString('latin1', 7, 39).replace(/\0+$/, '') === 'EL TORITO SPECIFICATION') {
        bootRecord = sector;
      } else if (type === 255) {
        sawTerminator = true;
      }
      continue;
    }
    if (VRS_IDS.has(id)) {
      if (id === 'BEA01') sawBea = true;
      if ((id === 'NSR02' || id === 'NSR03') && sawBea) udfRevision = id;
      if (id === 'TEA01') break;
      continue;
    }
    break;
  }
  if (!pvd) throw imageProblem('unrecognised', 'no ISO 9660 primary volume descriptor in the volume descriptor set');
  return { pvd, volumeSectors, joliet, bootRecord, udfRevision };
}

/**
 * Analyse an ISO 9660 image open in `handle` (`fileBytes` long). Throws
 * `ImageReadError`: `iso-descriptor` for an insane primary volume descriptor,
 * `iso-truncated` when the file is shorter than the volume, `unrecognised`
 * when there is no primary volume descriptor.
 */
export async function analyseIso(handle: FileHandle, fileBytes: number): Promise<IsoInfo> {
  const { pvd, volumeSectors, joliet, bootRecord, udfRevision } = await readDescriptorSet(handle, fileBytes);
  const volumeLabel = text(pvd, 40, 72);
  const rockRidge = await detectRockRidge(handle, pvd, volumeSectors, fileBytes);
  const elTorito = bootRecord ? await readElTorito(handle, bootRecord, volumeSectors, fileBytes) : undefined;
  const udf = udfRevision !== undefined && (await readUdfAnchor(handle, fileBytes));
  const udfVolume = udf ? await analyseUdf(handle, fileBytes).catch((err: unknown) => {
    if (err instanceof ImageReadError) return undefined;
    throw err;
  }) : undefined;
  return {
    iso9660: true,
    volumeLabel,
    ...(joliet && joliet.label && joliet.label !== volumeLabel ? { jolietLabel: joliet.label } : {}),
    systemId: text(pvd, 8, 40),
    publisherId: text(pvd, 318, 446),
    applicationId: text(pvd, 574, 702),
    volumeSectors,
    joliet: joliet !== null,
    ...(joliet ? { jolietLevel: joliet.level } : {}),
    rockRidge,
    udf,
    ...(udf ? { udfRevision } : {}),
    ...(udfVolume ? { udfVolume } : {}),
    ...(elTorito ? { elTorito } : {}),
  };
}

/**
 * Analyse a pure UDF image (no ISO 9660 descriptors) open in `handle`, in
 * the shape of an ISO image's facts: label and size from the UDF volume.
 * Throws `ImageReadError` (`udf-descriptor`, `image-truncated`).
 */
export async function analyseUdfOnly(handle: FileHandle, fileBytes: number): Promise<IsoInfo> {
  const udf = await analyseUdf(handle, fileBytes);
  return {
    iso9660: false,
    volumeLabel: udf.label || udf.volumeId,
    systemId: '',
    publisherId: '',
    applicationId: '',
    volumeSectors: udf.volumeSectors,
    joliet: false,
    rockRidge: false,
    udf: true,
    udfRevision: udf.nsr,
    udfVolume: udf,
  };
}

/**
 * The volume space size in bytes a primary volume descriptor at sector 16 of
 * `head` declares (a disc read back, the head of a file), or null when there
 * is none.
 */
export function declaredIsoBytes(head: Buffer): number | null {
  const at = FIRST_DESCRIPTOR * ISO_SECTOR;
  if (head.length < at + ISO_SECTOR || head[at] !== 1 || head.toString('latin1', at + 1, at + 6) !== 'CD001') return null;
  return head.readUInt32LE(at + 80) * ISO_SECTOR;
}
