/**
 * Sector reads of an ISO 9660 / UDF image: 2048 bytes at a time, only where
 * the file has them.
 */
import type { FileHandle } from 'node:fs/promises';

/** Bytes in an ISO 9660 logical sector (and a UDF block on optical media). */
export const ISO_SECTOR = 2048;
/** First sector of the volume descriptor set (after the system area). */
export const FIRST_DESCRIPTOR = 16;

/** The 2048 bytes of `sector`, or null when the file (`fileBytes` long) ends before its last byte. */
export async function readSector(handle: FileHandle, sector: number, fileBytes: number): Promise<Buffer | null> {
  const offset = sector * ISO_SECTOR;
  if (!Number.isSafeInteger(offset) || offset + ISO_SECTOR > fileBytes) return null;
  const buffer = Buffer.alloc(ISO_SECTOR);
  const { bytesRead } = await handle.read(buffer, 0, ISO_SECTOR, offset);
  return bytesRead === ISO_SECTOR ? buffer : null;
}
