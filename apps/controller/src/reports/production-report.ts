/**
 * The production report: finished burns grouped by day, shift, operator (who
 * started the run) or drive, each group with its good discs, coasters,
 * yield, blanks per media type and discs per drive. Pure: the route reads
 * the attempts and the runs' meta and hands them in.
 *
 * A disc is placed by the time its burn started, in the report's time zone.
 * A coaster is a blank written without a good disc (failed, interrupted or
 * cancelled), as the blank stock counts it; a copy refused for its media
 * wrote nothing and is left out. Open burns are left out until they end.
 */
import { isMediaRefusal } from '@tower/jobs';
import type { AttemptRecord } from '@tower/jobs';
import type { ShiftSpec } from '../config/reports-config.js';
import type { ProductionReportRowView, ProductionReportView, ReportGroupingName } from '../shared/report-schemas.js';
import { formatIsoDay, zonedParts } from '../shared/units.js';

/** What the report knows of a run. */
export interface ReportRunInfo {
  readonly label: string | null;
  /** Who started it (the API token's name). */
  readonly createdBy: string;
}

/** What {@link buildProductionReport} is given. */
export interface ProductionReportInput {
  readonly attempts: readonly AttemptRecord[];
  readonly runs: ReadonlyMap<string, ReportRunInfo>;
  readonly by: ReportGroupingName;
  readonly from: number;
  readonly to: number;
  /** undefined: the runtime's zone. */
  readonly timeZone: string | undefined;
  readonly shifts: readonly ShiftSpec[];
  readonly now: number;
}

/** `HH:MM` of minutes after midnight. */
export function clockText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** True when `minute` (of the day) falls in the shift; an overnight shift (end ≤ start) wraps past midnight. */
export function inShift(s: ShiftSpec, minute: number): boolean {
  return s.end > s.start ? minute >= s.start && minute < s.end : minute >= s.start || minute < s.end;
}

/** The shift a moment falls in and the day that shift started on (the day before, after midnight in an overnight shift); shift null: none. */
export function shiftOf(at: number, shifts: readonly ShiftSpec[], timeZone: string | undefined): { day: string; shift: ShiftSpec | null } {
  const p = zonedParts(at, timeZone);
  const minute = p.hour * 60 + p.minute;
  const shift = shifts.find((s) => inShift(s, minute)) ?? null;
  if (shift !== null && shift.end <= shift.start && minute < shift.end) {
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day - 1));
    return { day: formatIsoDay({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }), shift };
  }
  return { day: formatIsoDay(p), shift };
}

interface Counts { passed: number; surplus: number; coasters: number }

interface Group extends Counts {
  readonly key: string;
  readonly label: string;
  readonly order: string;
  readonly mediaUsed: Map<string, number>;
  readonly drives: Map<string, Counts & { label: string | null; labelAt: number }>;
  readonly runLabels: Set<string>;
}

const yieldOf = (c: Counts): number | null => (c.passed + c.coasters === 0 ? null : Math.round((c.passed / (c.passed + c.coasters)) * 10_000) / 10_000);

function add(c: Counts, a: AttemptRecord): void {
  if (a.outcome === 'passed') {
    c.passed += 1;
    if (a.surplus === true) c.surplus += 1;
  } else {
    c.coasters += 1;
  }
}

/** Where one disc goes: key, words, and the order of rows. */
function groupOf(a: AttemptRecord, input: ProductionReportInput, order: Map<string, number>): { key: string; label: string; order: string } {
  switch (input.by) {
    case 'day': {
      const day = formatIsoDay(zonedParts(a.startedAt, input.timeZone));
      return { key: day, label: day, order: day };
    }
    case 'shift': {
      const { day, shift } = shiftOf(a.startedAt, input.shifts, input.timeZone);
      if (shift === null) return { key: `${day} -`, label: `${day} no shift`, order: `${day} 99` };
      const rank = String(order.get(shift.name) ?? 0).padStart(2, '0');
      return { key: `${day} ${shift.name}`, label: `${day} ${shift.name} (${clockText(shift.start)}–${clockText(shift.end)})`, order: `${day} ${rank}` };
    }
    case 'operator': {
      const who = input.runs.get(a.runId)?.createdBy || 'unknown';
      return { key: who, label: who, order: who };
    }
    case 'drive':
      return { key: a.driveId, label: a.driveLabel ?? a.driveId, order: a.driveId };
  }
}

/** Group the finished burns of [from, to] (their start) as asked. */
export function buildProductionReport(input: ProductionReportInput): ProductionReportView {
  const groups = new Map<string, Group>();
  const totals: Counts = { passed: 0, surplus: 0, coasters: 0 };
  const totalMedia = new Map<string, number>();
  // Shifts in the order of their start within the day, from the first one configured.
  const order = new Map([...input.shifts].sort((x, y) => x.start - y.start).map((s, i) => [s.name, i]));
  for (const a of input.attempts) {
    if (a.outcome === undefined || a.startedAt < input.from || a.startedAt > input.to) continue;
    if (a.outcome === 'failed' && isMediaRefusal(a.error)) continue;
    const where = groupOf(a, input, order);
    let g = groups.get(where.key);
    if (g === undefined) {
      g = { ...where, passed: 0, surplus: 0, coasters: 0, mediaUsed: new Map(), drives: new Map(), runLabels: new Set() };
      groups.set(where.key, g);
    }
    add(g, a);
    add(totals, a);
    const media = a.mediaType ?? 'unknown';
    g.mediaUsed.set(media, (g.mediaUsed.get(media) ?? 0) + 1);
    totalMedia.set(media, (totalMedia.get(media) ?? 0) + 1);
    let d = g.drives.get(a.driveId);
    if (d === undefined) {
      d = { passed: 0, surplus: 0, coasters: 0, label: null, labelAt: -Infinity };
      g.drives.set(a.driveId, d);
    }
    add(d, a);
    if (a.driveLabel !== undefined && a.startedAt >= d.labelAt) {
      d.label = a.driveLabel;
      d.labelAt = a.startedAt;
    }
    const runLabel = input.runs.get(a.runId)?.label;
    if (runLabel) g.runLabels.add(runLabel);
  }
  const rows: ProductionReportRowView[] = [...groups.values()]
    .sort((x, y) => (x.order < y.order ? -1 : x.order > y.order ? 1 : 0))
    .map((g) => ({
      key: g.key,
      label: g.label,
      passed: g.passed,
      surplus: g.surplus,
      coasters: g.coasters,
      yield: yieldOf(g),
      mediaUsed: Object.fromEntries([...g.mediaUsed].sort()),
      drives: [...g.drives].sort(([x], [y]) => x.localeCompare(y)).map(([driveId, d]) => ({
        driveId, driveLabel: d.label, passed: d.passed, surplus: d.surplus, coasters: d.coasters, yield: yieldOf(d),
      })),
      runLabels: [...g.runLabels].sort(),
    }));
  return {
    by: input.by,
    from: input.from,
    to: input.to,
    timeZone: input.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone,
    shifts: input.shifts.map((s) => ({ name: s.name, start: clockText(s.start), end: clockText(s.end) })),
    rows,
    totals: { ...totals, yield: yieldOf(totals), mediaUsed: Object.fromEntries([...totalMedia].sort()) },
    generatedAt: input.now,
  };
}
