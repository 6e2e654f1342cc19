/**
 * ISO 9660 analysis by structure: the volume descriptor set (primary,
 * Joliet supplementary, El Torito boot record), the UDF volume recognition
 * sequence, and Rock Ridge in the root directory's system use area. Reads
 * only a few sectors; never trusts a length or offset it has not checked.
 */
import type { FileHandle } from 'node:fs/promises';
import { IsoDescriptorError, IsoTruncatedError, UnrecognisedImageError } from './errors.js';

/** Bytes in an ISO 9660 logical sector. */
export const ISO_SECTOR = 2048;
/** First sector of the volume descriptor set. */
const FIRST_DESCRIPTOR = 16;
/** Descriptors scanned at most (ISO set + UDF recognition sequence). */
const MAX_DESCRIPTORS = 64;
const VRS_IDS = new Set(['BEA01', 'NSR02', 'NSR03', 'TEA01', 'BOOT2', 'CDW02']);

/** El Torito boot details from the boot record and the catalog's initial entry. */
export interface ElToritoInfo {
  /** Sector of the boot catalog. */
  readonly catalogSector: number;
  /** Platform of the validation entry: 0 x86, 1 PowerPC, 2 Mac, 0xEF EFI. */
  readonly platformId?: number;
  /** True when the initial entry is marked bootable (0x88). */
  readonly bootable?: boolean;
  /** Emulation of the initial entry: no-emulation, floppy-1.2, floppy-1.44, floppy-2.88, hard-disk. */
  readonly emulation?: string;
}

/** File systems and volume facts found in an ISO 9660 image. */
export interface IsoInfo {
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
  readonly udf: boolean;
  /** Highest UDF NSR descriptor found (NSR02 = UDF 1.x, NSR03 = UDF 2.x). */
  readonly udfRevision?: string;
  readonly elTorito?: ElToritoInfo;
}

async function readSector(handle: FileHandle, sector: number, fileBytes: number): Promise<Buffer | null> {
  const offset = sector * ISO_SECTOR;
  if (offset + ISO_SECTOR > fileBytes) return null;
  const buffer = Buffer.alloc(ISO_SECTOR);
  const { bytesRead } = await handle.read(buffer, 0, ISO_SECTOR, offset);
  return bytesRead === ISO_SECTOR ? buffer : null;
}

function text(buffer: Buffer, start: number, end: number): string {
  return buffer.toString('latin1', start, end).replace(/\0+$/, '').trim();
}

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

function checkPrimary(pvd: Buffer, fileBytes: number): { volumeSectors: number } {
  if (pvd[6] !== 1) throw new IsoDescriptorError(`primary volume descriptor has version ${pvd[6]}, expected 1`);
  const blockLe = pvd.readUInt16LE(128);
  const blockBe = pvd.readUInt16BE(130);
  if (blockLe !== ISO_SECTOR || blockBe !== ISO_SECTOR) {
    throw new IsoDescriptorError(`logical block size is ${blockLe}/${blockBe}, only 2048 is supported`);
  }
  const volumeSectors = pvd.readUInt32LE(80);
  if (volumeSectors === 0) throw new IsoDescriptorError('volume space size is 0');
  if (pvd.readUInt32BE(84) !== volumeSectors) {
    throw new IsoDescriptorError(`volume space size differs between byte orders (${volumeSectors} vs ${pvd.readUInt32BE(84)})`);
  }
  if (volumeSectors <= FIRST_DESCRIPTOR) throw new IsoDescriptorError(`volume space size ${volumeSectors} is too small`);
  const expected = volumeSectors * ISO_SECTOR;
  if (fileBytes < expected) throw new IsoTruncatedError(expected, fileBytes);
  return { volumeSectors };
}

/** Walk SUSP entries of a system use area looking for Rock Ridge markers. */
function systemUseHasRockRidge(area: Buffer): boolean {
  let pos = 0;
  let sawSp = false;
  while (pos + 4 <= area.length) {
    const sig = area.toString('latin1', pos, pos + 2);
    const len = area[pos + 2] ?? 0;
    if (len < 4 || pos + len > area.length) break;
    if (sig === 'SP' && len >= 7 && area[pos + 4] === 0xbe && area[pos + 5] === 0xef) sawSp = true;
    if (sig === 'RR' || sig === 'PX' || sig === 'NM' || sig === 'SL') return sawSp || sig === 'RR';
    if (sig === 'ER') {
      const idLen = area[pos + 4] ?? 0;
      const id = area.toString('latin1', pos + 8, Math.min(pos + 8 + idLen, pos + len));
      if (/RRIP|1282/.test(id)) return true;
    }
    if (sig === 'ST') break;
    pos += len;
  }
  return false;
}

/** Look at the root directory's "." record for SUSP/Rock Ridge entries. */
async function detectRockRidge(handle: FileHandle, pvd: Buffer, volumeSectors: number, fileBytes: number): Promise<boolean> {
  const rootExtent = pvd.readUInt32LE(156 + 2);
  if (rootExtent === 0 || rootExtent >= volumeSectors) return false;
  const sector = await readSector(handle, rootExtent, fileBytes);
  if (!sector) return false;
  const recordLength = sector[0] ?? 0;
  const nameLength = sector[32] ?? 0;
  if (recordLength < 34 || recordLength > sector.length) return false;
  let suStart = 33 + nameLength;
  if (nameLength % 2 === 0) suStart += 1;
  if (suStart >= recordLength) return false;
  return systemUseHasRockRidge(sector.subarray(suStart, recordLength));
}

const EMULATIONS = ['no-emulation', 'floppy-1.2', 'floppy-1.44', 'floppy-2.88', 'hard-disk'];

async function readElTorito(handle: FileHandle, record: Buffer, volumeSectors: number, fileBytes: number): Promise<ElToritoInfo> {
  const catalogSector = record.readUInt32LE(71);
  if (catalogSector === 0 || catalogSector >= volumeSectors) return { catalogSector };
  const catalog = await readSector(handle, catalogSector, fileBytes);
  if (!catalog || catalog[0] !== 0x01 || catalog[30] !== 0x55 || catalog[31] !== 0xaa) return { catalogSector };
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + catalog.readUInt16LE(i)) & 0xffff;
  if (sum !== 0) return { catalogSector };
  const media = (catalog[33] ?? 0) & 0x0f;
  return {
    catalogSector,
    platformId: catalog[1] ?? 0,
    bootable: catalog[32] === 0x88,
    emulation: EMULATIONS[media] ?? `unknown-${media}`,
  };
}

/**
 * Analyse an ISO 9660 image open in `handle` (`fileBytes` long). Throws
 * `IsoDescriptorError` for an insane primary volume descriptor,
 * `IsoTruncatedError` when the file is shorter than the volume, and
 * `UnrecognisedImageError` when there is no primary volume descriptor.
 */
export async function analyseIso(handle: FileHandle, fileBytes: number): Promise<IsoInfo> {
  let pvd: Buffer | null = null;
  let volumeSectors = 0;
  let joliet: { level: number; label: string } | null = null;
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
        volumeSectors = checkPrimary(sector, fileBytes).volumeSectors;
      } else if (type === 2 && sector[6] === 1) {
        const escapes = sector.toString('latin1', 88, 120);
        const level = escapes.startsWith('%/@') ? 1 : escapes.startsWith('%/C') ? 2 : escapes.startsWith('%/E') ? 3 : 0;
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
  if (!pvd) throw new UnrecognisedImageError('no ISO 9660 primary volume descriptor in the volume descriptor set');
  const volumeLabel = text(pvd, 40, 72);
  const rockRidge = await detectRockRidge(handle, pvd, volumeSectors, fileBytes);
  const elTorito = bootRecord ? await readElTorito(handle, bootRecord, volumeSectors, fileBytes) : undefined;
  return {
    volumeLabel,
    ...(joliet && joliet.label && joliet.label !== volumeLabel ? { jolietLabel: joliet.label } : {}),
    systemId: text(pvd, 8, 40),
    publisherId: text(pvd, 318, 446),
    applicationId: text(pvd, 574, 702),
    volumeSectors,
    joliet: joliet !== null,
    ...(joliet ? { jolietLevel: joliet.level } : {}),
    rockRidge,
    udf: udfRevision !== undefined,
    ...(udfRevision ? { udfRevision } : {}),
    ...(elTorito ? { elTorito } : {}),
  };
}
