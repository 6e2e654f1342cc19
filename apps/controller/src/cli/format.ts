/**
 * Short human forms of sizes, durations, times and progress for the CLI's
 * text output.
 */

/** `734.0 MB`, `4.70 GB`, `12 KB`, `512 B`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} B`;
}

/** `4:05`, `1:02:03`; `-` when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** A time (epoch ms or ISO string) as `YYYY-MM-DD HH:MM:SS` UTC; `-` when unknown. */
export function formatTime(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return '-';
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '-';
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** `42%`, `-` when unknown. */
export function formatPercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '-';
  return `${Math.round(percent)}%`;
}

/** A fixed-width bar such as `[#######-------]` for 0..100. */
export function progressBar(percent: number | null | undefined, width = 20): string {
  const p = percent === null || percent === undefined || !Number.isFinite(percent) ? 0 : Math.max(0, Math.min(100, percent));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** `12.0x`, `-` when unknown. */
export function formatSpeed(speedX: number | null | undefined): string {
  if (speedX === null || speedX === undefined || !Number.isFinite(speedX)) return '-';
  return `${speedX.toFixed(1)}x`;
}
