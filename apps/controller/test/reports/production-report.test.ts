/**
 * The production report's grouping (production-report.ts) and the shifts
 * configuration (reports-config.ts): shift boundaries, overnight shifts that
 * belong to the day they start, yield, coasters as the blank stock counts
 * them, and shift definitions refused with the field and the reason.
 */
import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '@tower/jobs';
import { buildProductionReport, shiftOf } from '../../src/reports/production-report.js';
import { productionReportCsv } from '../../src/reports/production-report-csv.js';
import { DEFAULT_SHIFTS, resolveReports } from '../../src/config/reports-config.js';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText, resolveConfig } from '../../src/config/config.js';
import { zonedTimeToEpoch } from '../../src/shared/units.js';

const at = (iso: string): number => Date.parse(iso);

let n = 0;
function attempt(startedAt: string, outcome: AttemptRecord['outcome'], extra: Partial<AttemptRecord> = {}): AttemptRecord {
  n += 1;
  return {
    id: `a${n}`, runId: 'r1', copy: n, jobId: `j${n}`, driveId: 'sim:0', driveLabel: 'Bay 1', agentId: 'ag', mediaType: 'CD-R',
    imageSha256: 'ab', verifyPolicy: 'all', startedAt: at(startedAt), dummyFirst: false, driveOrdinal: 1,
    ...(outcome === undefined ? {} : { outcome, endedAt: at(startedAt) + 60_000 }), ...extra,
  };
}

const runs = new Map([
  ['r1', { label: 'Order 4711', createdBy: 'olga' }],
  ['r2', { label: null, createdBy: 'peter' }],
]);
const base = { runs, from: 0, to: at('2030-01-01T00:00:00Z'), timeZone: 'UTC', shifts: DEFAULT_SHIFTS, now: 1 } as const;

describe('production report', () => {
  it('puts a disc into the shift it started in, an overnight shift into the day it began', () => {
    expect(shiftOf(at('2026-03-02T05:59:00Z'), DEFAULT_SHIFTS, 'UTC')).toMatchObject({ day: '2026-03-01', shift: { name: 'night' } });
    expect(shiftOf(at('2026-03-02T06:00:00Z'), DEFAULT_SHIFTS, 'UTC')).toMatchObject({ day: '2026-03-02', shift: { name: 'early' } });
    expect(shiftOf(at('2026-03-02T13:59:59Z'), DEFAULT_SHIFTS, 'UTC')).toMatchObject({ day: '2026-03-02', shift: { name: 'early' } });
    expect(shiftOf(at('2026-03-02T14:00:00Z'), DEFAULT_SHIFTS, 'UTC')).toMatchObject({ day: '2026-03-02', shift: { name: 'late' } });
    expect(shiftOf(at('2026-03-02T22:00:00Z'), DEFAULT_SHIFTS, 'UTC')).toMatchObject({ day: '2026-03-02', shift: { name: 'night' } });
    // New year's night: the night shift of 31 December.
    expect(shiftOf(at('2027-01-01T02:00:00Z'), DEFAULT_SHIFTS, 'UTC')).toMatchObject({ day: '2026-12-31', shift: { name: 'night' } });
    // In Berlin (UTC+1 in March) 05:30 UTC is 06:30: the early shift.
    expect(shiftOf(at('2026-03-02T05:30:00Z'), DEFAULT_SHIFTS, 'Europe/Berlin')).toMatchObject({ day: '2026-03-02', shift: { name: 'early' } });
  });

  it('counts good discs, surplus, coasters, yield and blanks by shift, in the order of the day', () => {
    const report = buildProductionReport({
      ...base,
      by: 'shift',
      attempts: [
        attempt('2026-03-01T23:00:00Z', 'passed', { verifyResult: 'passed' }),
        attempt('2026-03-02T03:00:00Z', 'failed', { error: { code: 'WRITE_ERROR', message: 'x', retryable: true, driveFault: false, needsOperator: false } }),
        attempt('2026-03-02T04:00:00Z', 'interrupted'),
        attempt('2026-03-02T07:00:00Z', 'passed', { surplus: true, runId: 'r2', mediaType: 'DVD-R', driveId: 'sim:1', driveLabel: 'Bay 2' }),
        attempt('2026-03-02T08:00:00Z', 'cancelled'),
        // A copy refused for its media wrote nothing: not a coaster, no blank used.
        attempt('2026-03-02T09:00:00Z', 'failed', { error: { code: 'WRONG_MEDIA', message: 'x', retryable: true, driveFault: false, needsOperator: true } }),
        // Still burning: not counted yet.
        attempt('2026-03-02T10:00:00Z', undefined),
      ],
    });
    expect(report.rows.map((r) => [r.key, r.passed, r.surplus, r.coasters, r.yield])).toEqual([
      ['2026-03-01 night', 1, 0, 2, 0.3333],
      ['2026-03-02 early', 1, 1, 1, 0.5],
    ]);
    expect(report.rows[0]?.label).toBe('2026-03-01 night (22:00–06:00)');
    expect(report.rows[1]?.mediaUsed).toEqual({ 'CD-R': 1, 'DVD-R': 1 });
    expect(report.rows[1]?.drives.map((d) => [d.driveId, d.driveLabel, d.passed, d.coasters])).toEqual([['sim:0', 'Bay 1', 0, 1], ['sim:1', 'Bay 2', 1, 0]]);
    expect(report.rows[0]?.runLabels).toEqual(['Order 4711']);
    expect(report.totals).toEqual({ passed: 2, surplus: 1, coasters: 3, yield: 0.4, mediaUsed: { 'CD-R': 4, 'DVD-R': 1 } });
  });

  it('groups by day, operator and drive, and keeps to [from, to]', () => {
    const attempts = [
      attempt('2026-03-01T23:00:00Z', 'passed'),
      attempt('2026-03-02T01:00:00Z', 'passed', { runId: 'r2' }),
      attempt('2026-03-02T02:00:00Z', 'failed', { runId: 'r2', driveId: 'sim:1', driveLabel: 'Bay 2' }),
      attempt('2026-03-05T02:00:00Z', 'passed'),
    ];
    const to = at('2026-03-03T00:00:00Z');
    const byDay = buildProductionReport({ ...base, to, by: 'day', attempts });
    expect(byDay.rows.map((r) => [r.key, r.passed, r.coasters])).toEqual([['2026-03-01', 1, 0], ['2026-03-02', 1, 1]]);
    const byOperator = buildProductionReport({ ...base, to, by: 'operator', attempts });
    expect(byOperator.rows.map((r) => [r.key, r.passed, r.coasters, r.yield])).toEqual([['olga', 1, 0, 1], ['peter', 1, 1, 0.5]]);
    const byDrive = buildProductionReport({ ...base, to, by: 'drive', attempts });
    expect(byDrive.rows.map((r) => [r.key, r.label, r.passed])).toEqual([['sim:0', 'Bay 1', 2], ['sim:1', 'Bay 2', 0]]);
    const csv = productionReportCsv(byDrive).split('\r\n');
    expect(csv[0]).toBe('by,key,label,driveId,driveLabel,passed,surplus,coasters,yield,mediaUsed,runLabels');
    expect(csv[1]).toBe('drive,sim:0,Bay 1,,,2,0,0,1,CD-R 2,Order 4711');
    expect(csv).toContain('drive,total,total,,,2,0,1,0.6667,CD-R 3,');
  });

  it('finds the first moment of a day in a time zone', () => {
    expect(zonedTimeToEpoch('2026-03-02', 0, 'UTC')).toBe(at('2026-03-02T00:00:00Z'));
    expect(zonedTimeToEpoch('2026-03-02', 0, 'Europe/Berlin')).toBe(at('2026-03-01T23:00:00Z'));
    expect(zonedTimeToEpoch('2026-07-02', 6 * 60, 'Europe/Berlin')).toBe(at('2026-07-02T04:00:00Z'));
    // The day clocks go forward is 23 hours long, the day they go back 25.
    expect(zonedTimeToEpoch('2026-03-30', 0, 'Europe/Berlin') - zonedTimeToEpoch('2026-03-29', 0, 'Europe/Berlin')).toBe(23 * 3_600_000);
    expect(zonedTimeToEpoch('2026-10-26', 0, 'Europe/Berlin') - zonedTimeToEpoch('2026-10-25', 0, 'Europe/Berlin')).toBe(25 * 3_600_000);
  });
});

describe('shift configuration', () => {
  const refused = (shifts: unknown, timeZone?: string): ConfigError => {
    try {
      resolveConfig(parseConfigText(JSON.stringify({ reports: { shifts, ...(timeZone === undefined ? {} : { timeZone }) } })));
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('accepted');
  };

  it('takes overnight shifts and gaps, and gives the default shifts when none are set', () => {
    const c = resolveReports({ timeZone: 'Europe/Berlin', shifts: [{ name: 'day', start: '08:00', end: '16:30' }, { name: 'night', start: '20:00', end: '04:00' }] });
    expect(c.shifts).toEqual([{ name: 'day', start: 480, end: 990 }, { name: 'night', start: 1200, end: 240 }]);
    expect(resolveReports({ shifts: [{ name: 'late', start: '16:00', end: '24:00' }] }).shifts).toEqual([{ name: 'late', start: 960, end: 0 }]);
    expect(resolveConfig({}).reports?.shifts).toEqual(DEFAULT_SHIFTS);
  });

  it('refuses bad shifts with the field and the reason', () => {
    expect(refused([{ name: 'a', start: '6:00', end: '14:00' }]).message).toMatch(/reports\.shifts\[0\]\.start.*'6:00' is not a time of day HH:MM/);
    expect(refused([{ name: 'a', start: '06:00', end: '25:00' }]).message).toMatch(/reports\.shifts\[0\]\.end/);
    expect(refused([{ name: 'a', start: '06:00', end: '06:00' }]).message).toMatch(/ends when it starts/);
    expect(refused([{ name: 'a', start: '06:00', end: '14:00' }, { name: 'a', start: '14:00', end: '22:00' }]).message).toMatch(/reports\.shifts\[1\]\.name.*two shifts are named 'a'/);
    expect(refused([{ name: 'day', start: '06:00', end: '14:00' }, { name: 'night', start: '22:00', end: '07:00' }]).message)
      .toMatch(/reports\.shifts\[1\].*shift 'night' overlaps shift 'day' at 06:00/);
    expect(refused([{ name: 'a', start: '06:00' }]).message).toMatch(/reports\.shifts\[0\]/);
    expect(refused([], undefined).message).toMatch(/reports\.shifts/);
    expect(refused([{ name: 'a', start: '06:00', end: '14:00' }], 'Mars/Base').message).toMatch(/reports\.timeZone.*not a time zone/);
  });
});
