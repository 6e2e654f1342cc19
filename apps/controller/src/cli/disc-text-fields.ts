/**
 * The audio-disc rows of `tower images show`: the disc's CD-TEXT, its
 * catalog number (MCN), each track's pregap/ISRC/CD-TEXT, and the kept TOC.
 */
import type { ImageView } from '../shared/api-types.js';

/** Rows for what the image has (none for a data image). */
export function discTextFields(i: ImageView): [string, string | null][] {
  const rows: [string, string | null][] = [];
  if (i.cdText) rows.push(['CD-TEXT', [i.cdText.title, i.cdText.performer].filter(Boolean).join(' / ')]);
  if (i.catalog) rows.push(['MCN', i.catalog]);
  for (const t of i.tracks) {
    const text = [t.title, t.performer].filter(Boolean).join(' / ');
    const parts = [`from ${t.startSector}, ${t.sectors} sectors`, ...(t.pregapSectors > 0 ? [`pregap ${t.pregapSectors}`] : []), ...(t.isrc ? [`ISRC ${t.isrc}`] : []), ...(text ? [text] : [])];
    if (i.tracks.length > 1 || t.pregapSectors > 0 || t.isrc || text) rows.push([`Track ${t.number}`, parts.join(', ')]);
  }
  if (i.tocFile) rows.push(['TOC file', `${i.tocFile} (burned by cdrdao on real drives)`]);
  return rows;
}
