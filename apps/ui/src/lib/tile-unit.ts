/**
 * The unit a tile's texts are sized in (`--cq` in the stylesheet): 1 % of
 * the tile's content width, what `1cqi` is inside a tile that is its own
 * CSS container.
 *
 * Being a container costs the browser: every layout that reaches a
 * container runs a style pass for its contents of its own, and when all
 * 256 drives change state at once that was about 40 % of the tower page's
 * layout. Every tile of the tower grid has one width (equal columns, sized
 * by the grid and never by their contents), so the tower measures one tile,
 * gives the unit to all of them in px, and they stop being containers
 * (`data-tile-unit` on the tower). Elsewhere (a drive's own page, the wall
 * screen, whose tiles query their height) tiles stay containers.
 */

/** Tiles whose content is at most this wide take the narrow tile's rules (an `@container` query): they stay containers. */
export const NARROW_TILE_PX = 190;

const px = (v: string): number => Number.parseFloat(v) || 0;

/**
 * The unit for tiles as wide as `tile`, px, or null where the tile must stay
 * a container (narrow). Reads layout: call it when the room changed, not per
 * frame.
 */
export function tileUnitPx(tile: HTMLElement): number | null {
  const cs = getComputedStyle(tile);
  const content = tile.getBoundingClientRect().width
    - px(cs.borderLeftWidth) - px(cs.borderRightWidth) - px(cs.paddingLeft) - px(cs.paddingRight);
  return content > NARROW_TILE_PX ? content / 100 : null;
}
