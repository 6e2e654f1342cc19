/** Wall-screen grid: how many columns give the largest tiles for n drives in a w × h area. Pure; tested. */

/** Preferred tile shape (width / height). */
export const TILE_ASPECT = 1.45;

export function bestColumns(n: number, width: number, height: number, gap = 8, aspect = TILE_ASPECT): number {
  if (n <= 1 || width <= 0 || height <= 0) return 1;
  let best = 1;
  let bestScore = -1;
  for (let cols = 1; cols <= n; cols += 1) {
    const rows = Math.ceil(n / cols);
    const w = (width - gap * (cols - 1)) / cols;
    const h = (height - gap * (rows - 1)) / rows;
    if (w <= 0 || h <= 0) continue;
    // The usable tile is the largest rectangle of the preferred shape that fits.
    const score = Math.min(w, h * aspect);
    if (score > bestScore + 0.5) {
      bestScore = score;
      best = cols;
    }
  }
  return best;
}
