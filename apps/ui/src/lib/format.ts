/** Pure formatting helpers for the tower screens (tested in test/format.test.ts). */

const DASH = '—';

function isNum(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** ETA / duration in seconds: `45 s`, `2:05`, `1 h 05 min`, `2 d 3 h`. */
export function formatEta(seconds: number | null | undefined): string {
  if (!isNum(seconds) || seconds < 0) return DASH;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m}:${String(s % 60).padStart(2, '0')}`;
  }
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${h} h ${String(m).padStart(2, '0')} min`;
  }
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  return `${d} d ${h} h`;
}

/** Write/read speed as a multiple of the media's base speed: `4.5×`, `16×`. */
export function formatSpeedX(x: number | null | undefined): string {
  if (!isNum(x) || x < 0) return DASH;
  if (x === 0) return '0×';
  if (x < 10) return `${(Math.round(x * 10) / 10).toFixed(1)}×`;
  return `${Math.round(x)}×`;
}

/** Megabytes per second: `7.1 MB/s`. */
export function formatMBps(mbps: number | null | undefined): string {
  if (!isNum(mbps) || mbps < 0) return DASH;
  return `${mbps < 10 ? mbps.toFixed(1) : Math.round(mbps)} MB/s`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Sizes in binary units: `700 MiB`, `4.38 GiB`, `512 B`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isNum(bytes) || bytes < 0) return DASH;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  const unit = UNITS[i] ?? 'B';
  if (i === 0) return `${Math.round(v)} ${unit}`;
  const digits = v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${v.toFixed(digits)} ${unit}`;
}

/** A percentage, clamped to 0..100 and rounded down so 99.7 never reads 100. */
export function formatPercent(p: number | null | undefined): string {
  if (!isNum(p)) return DASH;
  return `${Math.floor(clampPercent(p))}%`;
}

export function clampPercent(p: number | null | undefined): number {
  if (!isNum(p)) return 0;
  return Math.min(100, Math.max(0, p));
}

/** Throughput: `42 discs/h`, `3.5 discs/h` (short: `42`, `3.5`). */
export function formatRate(perHour: number | null | undefined, short = false): string {
  if (!isNum(perHour) || perHour < 0) return DASH;
  const v = perHour < 10 ? (Math.round(perHour * 10) / 10).toFixed(1) : String(Math.round(perHour));
  return short ? v : `${v} discs/h`;
}

/** Epoch ms as local `YYYY-MM-DD HH:MM:SS`. */
export function formatDateTime(ms: number | null | undefined): string {
  if (!isNum(ms)) return DASH;
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** How long ago: `just now`, `12 s ago`, `5 min ago`, `3 h ago`. */
export function formatAgo(ms: number | null | undefined, now: number): string {
  if (!isNum(ms)) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A SHA-256 shortened for tables: first 12 and last 4 hex digits. */
export function shortHash(hex: string): string {
  return hex.length > 20 ? `${hex.slice(0, 12)}…${hex.slice(-4)}` : hex;
}

/** Value for an `<input type="datetime-local">` from epoch ms, and back. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): number | null {
  if (value === '') return null;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : null;
}
