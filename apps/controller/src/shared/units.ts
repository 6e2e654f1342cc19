/**
 * Units and dates, the one set shared by the operator UI and the `tower` CLI
 * (apps/ui/src/lib/units.ts re-exports it; the CLI imports it directly).
 * Pure, no imports: it runs in Node and in the browser.
 *
 * - Sizes in decimal SI units, as disc capacities are printed (a DVD holds
 *   4.7 GB) and as drives report their speed: `512 B`, `12.3 kB`, `60.4 MB`,
 *   `4.70 GB`; three significant digits. Speeds: `7.1 MB/s`, `16×`.
 * - Durations and ETAs as a clock reads: `0:45`, `2:05`, `1:19:08`
 *   (hours are not folded into days: `50:00:00`).
 * - Date-times and the clock follow the locale (day/month order, separators)
 *   in the local time zone (the browser's on the UI, `TZ` on the CLI), always
 *   on a 24-hour clock: `14/11/2023, 22:13:20` (en-GB), `14.11.2023, 22:13:20` (de).
 * - Decimal separators follow the locale too: `60.4 MB`, `60,4 MB` (de).
 *
 * The locale is the runtime's (the browser's language; `LANG`/`LC_ALL` in
 * Node) unless {@link setUnitDefaults} or a call's options say otherwise.
 */

/** Where a value is unknown. */
export const UNKNOWN = '—';

export interface UnitOptions {
  /** A BCP 47 tag such as `en-GB`; the runtime's locale when absent. */
  readonly locale?: string;
  /** An IANA zone such as `Europe/Berlin`; the runtime's zone when absent. */
  readonly timeZone?: string;
}

let defaults: UnitOptions = {};

/** Sets the locale and time zone used when a call gives none (tests pin them; the UI and CLI leave the runtime's). */
export function setUnitDefaults(options: UnitOptions): void {
  defaults = { ...options };
  numberFormats.clear();
  dateFormats.clear();
}

function isNum(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** `v` with exactly `digits` decimals in the locale's notation. */
function decimal(v: number, digits: number, options: UnitOptions = {}): string {
  const locale = options.locale ?? defaults.locale;
  const key = `${locale ?? ''}|${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true });
    numberFormats.set(key, f);
  }
  return f.format(v);
}

/** Decimals that give `v` three significant digits (at least none), after rounding. */
function significant3(v: number): number {
  let d = v < 10 ? 2 : v < 100 ? 1 : 0;
  while (d > 0 && Math.abs(Number(v.toFixed(d))) >= 10 ** (3 - d)) d -= 1;
  return d;
}

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** A size in decimal SI units: `512 B`, `12.3 kB`, `60.4 MB`, `4.70 GB`. */
export function formatBytes(bytes: number | null | undefined, options?: UnitOptions): string {
  if (!isNum(bytes) || bytes < 0) return UNKNOWN;
  let v = Math.round(bytes);
  let i = 0;
  while (v >= 1000 && i < SIZE_UNITS.length - 1) {
    v /= 1000;
    i += 1;
  }
  if (i === 0) return `${decimal(v, 0, options)} B`;
  if (Math.round(v) >= 1000 && i < SIZE_UNITS.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${decimal(v, significant3(v), options)} ${SIZE_UNITS[i] ?? 'B'}`;
}

/** An exact count of bytes with the locale's grouping: `60,397,977 bytes`. */
export function formatByteCount(bytes: number, options?: UnitOptions): string {
  return `${decimal(bytes, 0, options)} byte${bytes === 1 ? '' : 's'}`;
}

/** A whole number with the locale's grouping: `1,234,567`. */
export function formatCount(n: number | null | undefined, options?: UnitOptions): string {
  return isNum(n) ? decimal(Math.round(n), 0, options) : UNKNOWN;
}

/** Megabytes (10^6 bytes) per second: `7.1 MB/s`, `22 MB/s`. */
export function formatMBps(mbps: number | null | undefined, options?: UnitOptions): string {
  if (!isNum(mbps) || mbps < 0) return UNKNOWN;
  return `${decimal(mbps, mbps < 10 && Number(mbps.toFixed(1)) < 10 ? 1 : 0, options)} MB/s`;
}

/** Bytes per second, shown as {@link formatMBps}. */
export function formatBytesPerSecond(bytesPerSecond: number | null | undefined, options?: UnitOptions): string {
  return isNum(bytesPerSecond) ? formatMBps(bytesPerSecond / 1e6, options) : UNKNOWN;
}

/** A write or read speed as a multiple of the media's base speed: `4.5×`, `8×`, `16×` (a tenth below 10×, none when whole). */
export function formatSpeedX(x: number | null | undefined, options?: UnitOptions): string {
  if (!isNum(x) || x < 0) return UNKNOWN;
  const tenths = Number(x.toFixed(1));
  return `${decimal(x, tenths < 10 && !Number.isInteger(tenths) ? 1 : 0, options)}×`;
}

/** Throughput: `42 discs/h`, `3.5 discs/h` (short: `42`, `3.5`). */
export function formatRate(perHour: number | null | undefined, short = false, options?: UnitOptions): string {
  if (!isNum(perHour) || perHour < 0) return UNKNOWN;
  const v = decimal(perHour, perHour < 10 && Number(perHour.toFixed(1)) < 10 ? 1 : 0, options);
  return short ? v : `${v} discs/h`;
}

export function clampPercent(p: number | null | undefined): number {
  if (!isNum(p)) return 0;
  return Math.min(100, Math.max(0, p));
}

/** A percentage, clamped to 0..100 and rounded down so 99.7 never reads 100: `99%`. */
export function formatPercent(p: number | null | undefined): string {
  if (!isNum(p)) return UNKNOWN;
  return `${Math.floor(clampPercent(p))}%`;
}

/** A ratio 0..1 as a percentage with one decimal: `10.0%` (failure rates). */
export function formatRatioPercent(ratio: number | null | undefined, options?: UnitOptions): string {
  if (!isNum(ratio)) return UNKNOWN;
  return `${decimal(ratio * 100, 1, options)}%`;
}

/** A duration in seconds as a clock reads: `0:45`, `2:05`, `1:19:08`, `50:00:00`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNum(seconds) || seconds < 0) return UNKNOWN;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Time left, in seconds: as {@link formatDuration}. */
export function formatEta(seconds: number | null | undefined): string {
  return formatDuration(seconds);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(kind: 'datetime' | 'datetime-zone' | 'clock' | 'time' | 'time-zone', options: UnitOptions = {}): Intl.DateTimeFormat {
  const locale = options.locale ?? defaults.locale;
  const timeZone = options.timeZone ?? defaults.timeZone;
  const key = `${kind}|${locale ?? ''}|${timeZone ?? ''}`;
  let f = dateFormats.get(key);
  if (!f) {
    const time: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) };
    const zoneName: Intl.DateTimeFormatOptions = kind.endsWith('-zone') ? { timeZoneName: 'short' } : {};
    f = new Intl.DateTimeFormat(locale, kind === 'clock' ? time : kind.startsWith('time') ? { ...time, second: '2-digit', ...zoneName } : {
      year: 'numeric', month: '2-digit', day: '2-digit', second: '2-digit', ...time, ...zoneName,
    });
    dateFormats.set(key, f);
  }
  return f;
}

function toDate(at: number | string | null | undefined): Date | null {
  if (at === null || at === undefined || at === '') return null;
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface DateTimeOptions extends UnitOptions {
  /** Append the time zone's short name (`UTC`, `CET`, `GMT+2`). */
  readonly zone?: boolean;
}

/** A moment (epoch ms or ISO string) in the locale's date order, 24-hour, local zone: `14/11/2023, 22:13:20`. */
export function formatDateTime(at: number | string | null | undefined, options: DateTimeOptions = {}): string {
  const d = toDate(at);
  return d ? dateFormat(options.zone ? 'datetime-zone' : 'datetime', options).format(d) : UNKNOWN;
}

/** The time of day with seconds, 24-hour, local zone, for a line short of room: `22:13:20`, `22:13:20 CET` with `zone`. */
export function formatTime(at: number | string | null | undefined, options: DateTimeOptions = {}): string {
  const d = toDate(at);
  return d ? dateFormat(options.zone ? 'time-zone' : 'time', options).format(d) : UNKNOWN;
}

/** The time of day for a clock, 24-hour, local zone: `22:13`. */
export function formatClock(at: number | Date, options?: UnitOptions): string {
  return dateFormat('clock', options).format(at);
}

/** How long ago: `just now`, `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`; `never`. */
export function formatAgo(at: number | null | undefined, now: number): string {
  if (!isNum(at)) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A log line's moment: ISO 8601 in UTC with milliseconds, for machines and `sort` (`2023-11-14T22:13:20.000Z`). */
export function formatLogTime(at: number | Date): string {
  return new Date(at).toISOString();
}

/** A moment for a file name, local time, sortable: `2024-05-06-07-08-09`. */
export function formatFileStamp(at: number | Date): string {
  const d = new Date(at);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/** A moment's calendar fields in a time zone (the runtime's when absent): reports split days and shifts by them. */
export interface ZonedParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const zonedFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date and clock time of `at` (epoch ms) in `timeZone`. */
export function zonedParts(at: number, timeZone?: string): ZonedParts {
  const key = timeZone ?? '';
  let f = zonedFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}),
    });
    zonedFormats.set(key, f);
  }
  const parts = f.formatToParts(at);
  const pick = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: pick('year'), month: pick('month'), day: pick('day'), hour: pick('hour'), minute: pick('minute') };
}

/** A calendar date as `2024-05-06`. */
export function formatIsoDay(p: Pick<ZonedParts, 'year' | 'month' | 'day'>): string {
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Whether `text` is a calendar date written `YYYY-MM-DD` (`2024-02-30` is not). */
export function isIsoDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m !== null && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === text;
}

/**
 * The epoch ms at which the clocks of `timeZone` show `minuteOfDay` on the
 * date `isoDay` (`2024-05-06`). Around a daylight-saving change (a time
 * skipped or shown twice) it is one of the moments nearest to it.
 */
export function zonedTimeToEpoch(isoDay: string, minuteOfDay: number, timeZone?: string): number {
  const [y, m, d] = isoDay.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d) + minuteOfDay * 60_000;
  let at = wall;
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(at, timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    const next = at + (wall - shown);
    if (next === at) break;
    at = next;
  }
  return at;
}
