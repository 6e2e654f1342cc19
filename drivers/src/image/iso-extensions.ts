/**
 * What an ISO 9660 volume may carry beside its own directory tree: Rock
 * Ridge (SUSP/RRIP entries in the system use area of the root directory's
 * "." record), El Torito (the boot record's catalog and its initial entry)
 * and UDF (the anchor volume descriptor pointer at sector 256).
 */
import type { FileHandle } from 'node:fs/promises';
import { ISO_SECTOR, readSector } from './iso-sectors.js';

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

/** Look at the root directory's "." record (from the primary descriptor `pvd`) for SUSP/Rock Ridge entries. */
export async function detectRockRidge(handle: FileHandle, pvd: Buffer, volumeSectors: number, fileBytes: number): Promise<boolean> {
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

/** The boot catalog a boot record points at: its validation entry (checksummed) and initial entry. */
export async function readElTorito(handle: FileHandle, record: Buffer, volumeSectors: number, fileBytes: number): Promise<ElToritoInfo> {
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

/** Sector of UDF's first anchor volume descriptor pointer (ECMA-167 3/8.4.2.1). */
export const UDF_ANCHOR_SECTOR = 256;
/** Tag identifier of an anchor volume descriptor pointer. */
const ANCHOR_TAG = 2;

/**
 * True when sector 256 holds a UDF anchor volume descriptor pointer: tag
 * identifier 2, descriptor version 2 or 3, a correct tag checksum, its own
 * location in the tag, and a main volume descriptor sequence of at least
 * 16 sectors' worth inside the file.
 */
export async function readUdfAnchor(handle: FileHandle, fileBytes: number): Promise<boolean> {
  const tag = await readSector(handle, UDF_ANCHOR_SECTOR, fileBytes);
  if (!tag) return false;
  let checksum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) checksum = (checksum + (tag[i] ?? 0)) & 0xff;
  const version = tag.readUInt16LE(2);
  if (tag.readUInt16LE(0) !== ANCHOR_TAG || (version !== 2 && version !== 3) || tag[4] !== checksum) return false;
  if (tag.readUInt32LE(12) !== UDF_ANCHOR_SECTOR) return false;
  const mainLength = tag.readUInt32LE(16);
  const mainLocation = tag.readUInt32LE(20);
  return mainLength >= 16 * ISO_SECTOR && (mainLocation + 1) * ISO_SECTOR <= fileBytes;
}
