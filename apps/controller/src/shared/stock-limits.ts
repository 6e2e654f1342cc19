/**
 * The blank stock's limits, without the schema library: the CLI checks its
 * arguments with them and loads nothing else (the API's schemas in
 * stock-schemas.ts are built from them). The media types counted are the
 * drivers' `RECORDABLE_MEDIA_TYPES`.
 */

/** Most blanks one request may receive or adjust by (a pallet is some ten thousand). */
export const MAX_STOCK_CHANGE = 1_000_000;
