/**
 * What an image view says of an audio disc's track list and its disc-level
 * facts: each track from INDEX 01 with its pregap apart (`trackExtent`),
 * ISRC and CD-TEXT title/performer; the catalog number (MCN/UPC), the disc's
 * CD-TEXT title/performer, and the kept cdrdao TOC file, when present.
 */
import { trackExtent } from 'node-cdrecord-wrapper';
import type { ImageRecord } from '../../library/index.js';

/** One track of the view: `startSector` and `sectors` from INDEX 01, `pregapSectors` before it. */
export interface TrackView {
  readonly number: number;
  readonly mode: string;
  readonly startSector: number;
  readonly sectors: number;
  readonly pregapSectors: number;
  readonly isrc?: string;
  readonly title?: string;
  readonly performer?: string;
}

/** The record's tracks as the view lists them. */
export function toTrackViews(r: ImageRecord): TrackView[] {
  return r.tracks.map((t) => ({
    number: t.number, mode: t.mode, ...trackExtent(t),
    ...(t.isrc ? { isrc: t.isrc } : {}), ...(t.title ? { title: t.title } : {}), ...(t.performer ? { performer: t.performer } : {}),
  }));
}

/** `catalog`, `cdText` and `tocFile` of the view, each only when the image has it. */
export function toDiscTextView(r: ImageRecord): { catalog?: string; cdText?: { title?: string; performer?: string }; tocFile?: string } {
  const text = r.cue?.cdText;
  const cdText = { ...(text?.TITLE ? { title: text.TITLE } : {}), ...(text?.PERFORMER ? { performer: text.PERFORMER } : {}) };
  const toc = r.files.find((f) => f.role === 'toc')?.path;
  return {
    ...(r.cue?.catalog ? { catalog: r.cue.catalog } : {}),
    ...(Object.keys(cdText).length > 0 ? { cdText } : {}),
    ...(toc === undefined ? {} : { tocFile: toc }),
  };
}
