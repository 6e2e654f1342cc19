/**
 * Screen-only helpers that are not units (tested in test/format.test.ts).
 * Sizes, speeds, durations, ETAs, date-times and the clock come from
 * lib/units.ts, the module the CLI uses too.
 */

/** A SHA-256 shortened for tables: first 12 and last 4 hex digits. */
export function shortHash(hex: string): string {
  return hex.length > 20 ? `${hex.slice(0, 12)}…${hex.slice(-4)}` : hex;
}

/** Value for an `<input type="datetime-local">` (its wire format, not for reading) from epoch ms, and back. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): number | null {
  if (value === '') return null;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : null;
}
