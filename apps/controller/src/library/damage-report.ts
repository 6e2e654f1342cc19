/**
 * Damage reports: the sectors of a mastered image that could not be read
 * from the source disc (filled in by the mastering code), as ranges.
 */
import { DamagedImageError, InvalidDamageReportError } from './errors.js';

/**
 * A run of unreadable sectors; the same shape as the mastering code's
 * `DamageRange`, so `{ unreadable: damageMap.ranges }` can be passed as is
 * (extra fields such as `status` are dropped).
 */
export interface SectorRange {
  /** First unreadable sector of the image (2048-byte for ISO, CD frame for CUE). */
  readonly startSector: number;
  /** Number of unreadable sectors, at least 1. */
  readonly sectors: number;
}

/** Unreadable sector ranges of an image, sorted and merged. */
export interface DamageReport {
  readonly unreadable: readonly SectorRange[];
}

/**
 * Check a damage report against an image of `sectors` sectors; returns it
 * sorted with touching ranges merged, or null when it lists no sectors.
 * Throws `InvalidDamageReportError` for negative, empty or out-of-image ranges.
 */
export function normaliseDamage(report: DamageReport | undefined, sectors: number): DamageReport | null {
  if (!report) return null;
  if (!Array.isArray(report.unreadable)) throw new InvalidDamageReportError('damage report has no unreadable list');
  const ranges = report.unreadable.map((r) => {
    const ok = Number.isSafeInteger(r.startSector) && Number.isSafeInteger(r.sectors) && r.startSector >= 0 && r.sectors >= 1;
    if (!ok || r.startSector + r.sectors > sectors) {
      throw new InvalidDamageReportError(`damage range ${JSON.stringify(r)} is not inside the image's ${sectors} sectors`);
    }
    return { startSector: r.startSector, sectors: r.sectors };
  });
  ranges.sort((a, b) => a.startSector - b.startSector);
  const merged: SectorRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.startSector <= last.startSector + last.sectors) {
      const end = Math.max(last.startSector + last.sectors, r.startSector + r.sectors);
      merged[merged.length - 1] = { startSector: last.startSector, sectors: end - last.startSector };
    } else {
      merged.push(r);
    }
  }
  return merged.length === 0 ? null : { unreadable: merged };
}

/** Total unreadable sectors of a report. */
export function damagedSectors(report: DamageReport): number {
  return report.unreadable.reduce((sum, r) => sum + r.sectors, 0);
}

/** Refuse an image of `sectors` whose damage report (`damage`) is not empty, unless `allowDamaged`. */
export function refuseDamage(sectors: number, options: { readonly damage?: DamageReport; readonly allowDamaged?: boolean }): void {
  const damage = normaliseDamage(options.damage, sectors);
  if (damage && !options.allowDamaged) {
    const count = damagedSectors(damage);
    throw new DamagedImageError(`image has ${count} unreadable sectors in ${damage.unreadable.length} ranges; accept it explicitly to keep it`);
  }
}
