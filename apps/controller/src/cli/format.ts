/**
 * The CLI's text-only drawing. Sizes, speeds, durations, ETAs, date-times and
 * the clock come from ../shared/units.ts, the module the operator UI uses too.
 */

/** A fixed-width bar such as `[#######-------]` for 0..100. */
export function progressBar(percent: number | null | undefined, width = 20): string {
  const p = percent === null || percent === undefined || !Number.isFinite(percent) ? 0 : Math.max(0, Math.min(100, percent));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
