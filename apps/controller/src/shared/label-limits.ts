/**
 * Label templates' limits, without the schema library: the CLI checks a
 * template file with them and loads nothing else (label-schemas.ts builds the
 * API's schemas from them).
 */

/** Largest label template, in characters of SVG. */
export const LABEL_SVG_MAX = 256 * 1024;
