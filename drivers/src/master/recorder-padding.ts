/**
 * A DVD or BD recorder writes whole ECC blocks (16 sectors on DVD, 32 on BD),
 * so a burned track ends with up to one block of zero sectors the image never
 * had (cdrskin's DVD+R track of a 2,004-sector image is 2,016 sectors).
 * Mastering reads the whole track; this finds that padding so the master is
 * the image that was burned, byte for byte.
 *
 * The image's own length is what its structures declare: the ISO 9660
 * volume (primary volume descriptor, sector 16) and the MBR partitions
 * (sector 0) that hybrid images append after it. Only sectors past that
 * length, fewer than one ECC block and all zero, are taken for padding;
 * anything else stays in the master.
 */
import type { Hash } from 'node:crypto';
import type { MediaType } from '../drive-contract.js';
import { SECTOR_BYTES } from '../media.js';

const HEAD_SECTORS = 17;

/** The image length its ISO 9660 volume and MBR partitions declare, in bytes; null when it declares none. */
export function declaredImageBytes(head: Buffer): number | null {
  let end = 0;
  const pvd = 16 * SECTOR_BYTES;
  if (head.length >= pvd + SECTOR_BYTES && head[pvd] === 1 && head.toString('latin1', pvd + 1, pvd + 6) === 'CD001') {
    end = Math.max(end, head.readUInt32LE(pvd + 80) * head.readUInt16LE(pvd + 128));
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    for (let i = 0; i < 4; i++) {
      const entry = 446 + 16 * i;
      const type = head[entry + 4];
      // 0xEE: a GPT's protective entry covers the whole medium, not the image.
      if (type === 0 || type === 0xee) continue;
      end = Math.max(end, (head.readUInt32LE(entry + 8) + head.readUInt32LE(entry + 12)) * 512);
    }
  }
  return end > 0 ? end : null;
}

/** Sectors per ECC block of a medium, or null where there is no block padding (CD). */
export function eccBlockSectors(type: MediaType | null): number | null {
  if (type === null) return null;
  if (type.startsWith('DVD')) return 16;
  if (type.startsWith('BD')) return 32;
  return null;
}

/** Watches the sectors of a track as they are hashed, and keeps the hash as it stood at the image's end. */
export class RecorderPadding {
  private head: Buffer[] = [];
  private headBytes = 0;
  /** Sectors the image declares, once the head has been seen and the end falls inside the last ECC block. */
  private declared: number | null = null;
  private atDeclared: Hash | null = null;
  private tailIsZero = true;

  constructor(
    private readonly totalSectors: number,
    private readonly ecc: number | null,
  ) {}

  /** Hash `data` (whole sectors starting at `sector`, in order) into `hash`, noting the image's end. */
  hash(hash: Hash, data: Buffer, sector: number): void {
    this.watchHead(data);
    const count = data.length / SECTOR_BYTES;
    const end = this.declared;
    if (end === null || sector + count <= end) {
      hash.update(data);
      return;
    }
    const split = Math.max(0, end - sector) * SECTOR_BYTES;
    hash.update(data.subarray(0, split));
    if (sector <= end) this.atDeclared = hash.copy();
    const tail = data.subarray(split);
    if (this.tailIsZero && !isZero(tail)) this.tailIsZero = false;
    hash.update(tail);
  }

  /**
   * The image's end when the track ran past it only by recorder padding
   * (`damagedAfter`: the first zero-filled unreadable sector, if any, which
   * rules padding out), with the digest of the image up to there.
   */
  result(damagedAt: readonly number[]): { sectors: number; sha256: string } | null {
    const end = this.declared;
    if (end === null || this.atDeclared === null || !this.tailIsZero) return null;
    if (damagedAt.some((s) => s >= end)) return null;
    return { sectors: end, sha256: this.atDeclared.digest('hex') };
  }

  private watchHead(data: Buffer): void {
    if (this.ecc === null || this.headBytes >= HEAD_SECTORS * SECTOR_BYTES) return;
    this.head.push(Buffer.from(data.subarray(0, HEAD_SECTORS * SECTOR_BYTES - this.headBytes)));
    this.headBytes += this.head[this.head.length - 1]!.length;
    if (this.headBytes < HEAD_SECTORS * SECTOR_BYTES) return;
    const bytes = declaredImageBytes(Buffer.concat(this.head));
    this.head = [];
    if (bytes === null) return;
    const sectors = Math.ceil(bytes / SECTOR_BYTES);
    if (sectors < this.totalSectors && sectors > this.totalSectors - this.ecc) this.declared = sectors;
  }
}

function isZero(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
