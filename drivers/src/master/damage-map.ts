/**
 * Which sectors of a master could not be read, kept like GNU ddrescue's
 * mapfile: merged ranges of unreadable sectors over a rescue domain of
 * `sectors` sectors, exportable as a ddrescue mapfile.
 */
import { SECTOR_BYTES } from '../media.js';

/** A run of unreadable sectors, counted from the start of the image. */
export interface DamageRange {
  readonly startSector: number;
  readonly sectors: number;
  readonly status: 'unreadable';
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * Unreadable sectors of one image. Sector numbers are sectors of the image
 * (0 = its first sector); `discStartSector` is where the image starts on the
 * disc (the track's first LBA), so disc LBA = `discStartSector` + sector.
 */
export class DamageMap {
  private readonly list: { startSector: number; sectors: number }[] = [];

  constructor(
    /** Size of the image in 2048-byte sectors (the rescue domain). */
    readonly sectors: number,
    /** Disc LBA of the image's first sector. */
    readonly discStartSector = 0,
  ) {}

  /** Mark `count` sectors from `sector` unreadable (merged with neighbouring ranges). */
  add(sector: number, count = 1): void {
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || count <= 0 || sector < 0 || sector + count > this.sectors) {
      throw new RangeError(`sectors ${sector}+${count} are outside the image of ${this.sectors} sectors`);
    }
    let start = sector;
    let end = sector + count;
    const kept: { startSector: number; sectors: number }[] = [];
    for (const r of this.list) {
      const rEnd = r.startSector + r.sectors;
      if (rEnd < start || r.startSector > end) {
        kept.push(r);
      } else {
        start = Math.min(start, r.startSector);
        end = Math.max(end, rEnd);
      }
    }
    kept.push({ startSector: start, sectors: end - start });
    kept.sort((a, b) => a.startSector - b.startSector);
    this.list.splice(0, this.list.length, ...kept);
  }

  /** Merged unreadable ranges, ascending. */
  get ranges(): readonly DamageRange[] {
    return this.list.map((r) => ({ startSector: r.startSector, sectors: r.sectors, status: 'unreadable' as const }));
  }

  /** Number of unreadable sectors. */
  get unreadableSectors(): number {
    return this.list.reduce((sum, r) => sum + r.sectors, 0);
  }

  /** True when a sector is unreadable. */
  isUnreadable(sector: number): boolean {
    return this.list.some((r) => sector >= r.startSector && sector < r.startSector + r.sectors);
  }

  /**
   * The map as a GNU ddrescue mapfile (finished rescue: current_status `+`),
   * positions and sizes in bytes of the image: `+` finished (read) areas and
   * `-` bad-sector areas covering the whole image. Readable by `ddrescuelog`,
   * `ddrescue` (to retry just the bad areas of the image from another drive)
   * and nbdkit's ddrescue filter.
   */
  toDdrescueMapfile(comment = 'node-cdrecord-wrapper masterDataDisc'): string {
    const size = this.sectors * SECTOR_BYTES;
    const lines = [
      `# Mapfile. Created by ${comment.replace(/[\r\n]/g, ' ')} (GNU ddrescue format)`,
      `# Image start on disc: LBA ${this.discStartSector} (byte ${this.discStartSector * SECTOR_BYTES})`,
      '# current_pos  current_status  current_pass',
      `${hex(0)}     +               1`,
      '#      pos        size  status',
    ];
    let pos = 0;
    for (const r of this.list) {
      const start = r.startSector * SECTOR_BYTES;
      if (start > pos) lines.push(`${hex(pos)}  ${hex(start - pos)}  +`);
      lines.push(`${hex(start)}  ${hex(r.sectors * SECTOR_BYTES)}  -`);
      pos = start + r.sectors * SECTOR_BYTES;
    }
    if (pos < size) lines.push(`${hex(pos)}  ${hex(size - pos)}  +`);
    return `${lines.join('\n')}\n`;
  }

  toJSON(): Record<string, unknown> {
    return { sectors: this.sectors, discStartSector: this.discStartSector, ranges: this.ranges };
  }
}
