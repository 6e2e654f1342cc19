/**
 * The production report as CSV (RFC 4180, see api/csv.ts): one line per
 * group with its totals (`driveId` empty), each followed by one line per
 * drive of that group, then a `total` line.
 */
import { toCsv } from '../api/csv.js';
import type { ProductionReportView } from '../shared/report-schemas.js';

/** Columns of the production report CSV. */
export const PRODUCTION_CSV_HEADER = [
  'by', 'key', 'label', 'driveId', 'driveLabel', 'passed', 'surplus', 'coasters', 'yield', 'mediaUsed', 'runLabels',
] as const;

/** `CD-R 12; DVD-R 3`. */
function mediaText(media: Readonly<Record<string, number>>): string {
  return Object.entries(media).map(([type, n]) => `${type} ${n}`).join('; ');
}

/** The report as CSV text. */
export function productionReportCsv(report: ProductionReportView): string {
  const rows: (string | number | null)[][] = [];
  for (const r of report.rows) {
    rows.push([report.by, r.key, r.label, '', '', r.passed, r.surplus, r.coasters, r.yield, mediaText(r.mediaUsed), r.runLabels.join('; ')]);
    for (const d of r.drives) {
      rows.push([report.by, r.key, r.label, d.driveId, d.driveLabel, d.passed, d.surplus, d.coasters, d.yield, '', '']);
    }
  }
  const t = report.totals;
  rows.push([report.by, 'total', 'total', '', '', t.passed, t.surplus, t.coasters, t.yield, mediaText(t.mediaUsed), '']);
  return toCsv(PRODUCTION_CSV_HEADER, rows);
}
