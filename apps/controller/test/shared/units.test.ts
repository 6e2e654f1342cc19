import { afterEach, describe, expect, it } from 'vitest';
import {
  UNKNOWN, clampPercent, formatAgo, formatByteCount, formatBytes, formatBytesPerSecond, formatClock, formatCount, formatDateTime, formatDuration,
  formatEta, formatFileStamp, formatLogTime, formatMBps, formatPercent, formatRate, formatRatioPercent, formatSpeedX, formatTime, setUnitDefaults,
} from '../../src/shared/units.js';

const GB = { locale: 'en-GB', timeZone: 'UTC' } as const;
const DE = { locale: 'de-DE', timeZone: 'Europe/Berlin' } as const;
const US = { locale: 'en-US', timeZone: 'America/New_York' } as const;
/** 2023-11-14T22:13:20Z */
const T = 1_700_000_000_000;

afterEach(() => setUnitDefaults({}));

describe('sizes', () => {
  it('are decimal SI units with three significant digits', () => {
    expect(formatBytes(0, GB)).toBe('0 B');
    expect(formatBytes(512, GB)).toBe('512 B');
    expect(formatBytes(999.7, GB)).toBe('1.00 kB');
    expect(formatBytes(12_345, GB)).toBe('12.3 kB');
    expect(formatBytes(999_999, GB)).toBe('1.00 MB');
    expect(formatBytes(9_999_000, GB)).toBe('10.0 MB');
    expect(formatBytes(60_397_977, GB)).toBe('60.4 MB');
    expect(formatBytes(734_003_200, GB)).toBe('734 MB');
    expect(formatBytes(4_700_000_000, GB)).toBe('4.70 GB');
    expect(formatBytes(25_025_314_816, GB)).toBe('25.0 GB');
    expect(formatBytes(3e15, GB)).toBe('3.00 PB');
  });
  it('follow the locale’s decimal separator', () => {
    expect(formatBytes(60_397_977, DE)).toBe('60,4 MB');
    expect(formatBytes(4_700_000_000, DE)).toBe('4,70 GB');
    expect(formatByteCount(60_397_977, GB)).toBe('60,397,977 bytes');
    expect(formatByteCount(60_397_977, DE)).toBe('60.397.977 bytes');
    expect(formatByteCount(1, GB)).toBe('1 byte');
    expect(formatCount(29_491, DE)).toBe('29.491');
  });
  it('say unknown for nothing, negatives and non-numbers', () => {
    for (const v of [null, undefined, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(formatBytes(v, GB)).toBe(UNKNOWN);
    expect(formatCount(null)).toBe(UNKNOWN);
  });
});

describe('speeds, rates and percentages', () => {
  it('formats speeds', () => {
    expect(formatSpeedX(null)).toBe(UNKNOWN);
    expect(formatSpeedX(0)).toBe('0×');
    expect(formatSpeedX(4.46, GB)).toBe('4.5×');
    expect(formatSpeedX(8, GB)).toBe('8×');
    expect(formatSpeedX(7.96, GB)).toBe('8×');
    expect(formatSpeedX(9.96, GB)).toBe('10×');
    expect(formatSpeedX(16.2, GB)).toBe('16×');
    expect(formatSpeedX(4.46, DE)).toBe('4,5×');
    expect(formatMBps(7.06, GB)).toBe('7.1 MB/s');
    expect(formatMBps(22.4, GB)).toBe('22 MB/s');
    expect(formatMBps(-1, GB)).toBe(UNKNOWN);
    expect(formatBytesPerSecond(3_500_000, GB)).toBe('3.5 MB/s');
    expect(formatBytesPerSecond(null, GB)).toBe(UNKNOWN);
  });
  it('formats throughput', () => {
    expect(formatRate(3.46, false, GB)).toBe('3.5 discs/h');
    expect(formatRate(42.4, false, GB)).toBe('42 discs/h');
    expect(formatRate(12.5, true, GB)).toBe('13');
    expect(formatRate(null)).toBe(UNKNOWN);
  });
  it('formats percentages, rounded down and clamped', () => {
    expect(formatPercent(99.7)).toBe('99%');
    expect(formatPercent(120)).toBe('100%');
    expect(formatPercent(-3)).toBe('0%');
    expect(formatPercent(null)).toBe(UNKNOWN);
    expect(clampPercent(null)).toBe(0);
    expect(formatRatioPercent(0.1, GB)).toBe('10.0%');
    expect(formatRatioPercent(0.125, DE)).toBe('12,5%');
  });
});

describe('durations and ETAs', () => {
  it('read as a clock does, the same for a duration and an ETA', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(45.4)).toBe('0:45');
    expect(formatDuration(69)).toBe('1:09');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(4748)).toBe('1:19:08');
    expect(formatDuration(4260)).toBe('1:11:00');
    expect(formatDuration(50 * 3600)).toBe('50:00:00');
    expect(formatEta(4748)).toBe(formatDuration(4748));
    for (const v of [null, undefined, -1, Number.NaN]) {
      expect(formatDuration(v)).toBe(UNKNOWN);
      expect(formatEta(v)).toBe(UNKNOWN);
    }
  });
  it('says how long ago', () => {
    expect(formatAgo(null, 0)).toBe('never');
    expect(formatAgo(1000, 1500)).toBe('just now');
    expect(formatAgo(0, 12_000)).toBe('12 s ago');
    expect(formatAgo(0, 5 * 60_000)).toBe('5 min ago');
    expect(formatAgo(0, 3 * 3_600_000)).toBe('3 h ago');
    expect(formatAgo(0, 2 * 86_400_000)).toBe('2 d ago');
  });
});

describe('date-times and the clock', () => {
  it('follow the locale’s order, on a 24-hour clock', () => {
    expect(formatDateTime(T, GB)).toBe('14/11/2023, 22:13:20');
    expect(formatDateTime(T, { locale: 'en-US', timeZone: 'UTC' })).toBe('11/14/2023, 22:13:20');
    expect(formatDateTime(T, { locale: 'de-DE', timeZone: 'UTC' })).toBe('14.11.2023, 22:13:20');
    expect(formatClock(T, { locale: 'en-US', timeZone: 'UTC' })).toBe('22:13');
    expect(formatClock(Date.UTC(2024, 0, 1, 0, 5), { locale: 'en-US', timeZone: 'UTC' })).toBe('00:05');
    expect(formatClock(new Date(T), GB)).toBe('22:13');
  });
  it('show the given time zone, and name it when asked', () => {
    expect(formatDateTime(T, DE)).toBe('14.11.2023, 23:13:20');
    expect(formatDateTime(T, { ...DE, zone: true })).toBe('14.11.2023, 23:13:20 MEZ');
    expect(formatDateTime(T, { ...GB, zone: true })).toBe('14/11/2023, 22:13:20 UTC');
    expect(formatDateTime(T, { ...US, zone: true })).toBe('11/14/2023, 17:13:20 EST');
    expect(formatClock(T, US)).toBe('17:13');
  });
  it('give the time of day with seconds, the zone named when asked (a line short of room)', () => {
    expect(formatTime(T, GB)).toBe('22:13:20');
    expect(formatTime(T, { ...DE, zone: true })).toBe('23:13:20 MEZ');
    expect(formatTime(T, { ...US, zone: true })).toBe('17:13:20 EST');
    expect(formatTime(Date.UTC(2024, 0, 1, 0, 5, 9), { locale: 'en-US', timeZone: 'UTC' })).toBe('00:05:09');
    expect(formatTime(null, GB)).toBe(UNKNOWN);
  });
  it('takes ISO strings as well as epoch milliseconds', () => {
    expect(formatDateTime('2024-05-01T08:00:00.000Z', GB)).toBe('01/05/2024, 08:00:00');
    expect(formatDateTime('not a date', GB)).toBe(UNKNOWN);
    expect(formatDateTime('', GB)).toBe(UNKNOWN);
    expect(formatDateTime(null, GB)).toBe(UNKNOWN);
  });
  it('uses the defaults set for a process when a call gives none', () => {
    setUnitDefaults({ locale: 'de-DE', timeZone: 'Asia/Tokyo' });
    expect(formatDateTime(T)).toBe('15.11.2023, 07:13:20');
    expect(formatClock(T)).toBe('07:13');
    expect(formatBytes(60_397_977)).toBe('60,4 MB');
    setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' });
    expect(formatDateTime(T)).toBe('14/11/2023, 22:13:20');
    expect(formatBytes(60_397_977)).toBe('60.4 MB');
  });
  it('stamps log lines in ISO 8601 UTC, whatever the locale', () => {
    setUnitDefaults({ locale: 'de-DE', timeZone: 'Asia/Tokyo' });
    expect(formatLogTime(T)).toBe('2023-11-14T22:13:20.000Z');
  });
  it('stamps file names sortably in local time', () => {
    const t = new Date(2024, 4, 6, 7, 8, 9);
    expect(formatFileStamp(t)).toBe('2024-05-06-07-08-09');
    expect(formatFileStamp(t.getTime())).toBe('2024-05-06-07-08-09');
  });
});
