/**
 * Text a run carries for its discs beyond the image: the values of a label
 * template's numbered merge fields (`{{merge.1}}`..`{{merge.99}}`, what a
 * PTBurn job's ordered `MergeField=` lines give) and CD-TEXT that replaces
 * an audio image's own on the discs the run burns. Schemas for the API and
 * the checks the schemas cannot make (CD-TEXT's character set and totals).
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';

import { MAX_CD_TEXT_CHARS, MAX_CD_TEXT_TOTAL, MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS } from './run-text-limits.js';

export { MAX_CD_TEXT_CHARS, MAX_CD_TEXT_TOTAL, MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS };

const obj = { additionalProperties: false } as const;

/** `{{merge.1}}`..`{{merge.N}}` of the run's labels, in order. */
export const LabelMergeInput = Type.Array(Type.String({ maxLength: MAX_LABEL_MERGE_CHARS }), {
  minItems: 1, maxItems: MAX_LABEL_MERGE_FIELDS,
  description: 'values of the label merge fields {{merge.1}}..{{merge.N}}, in order',
});

const cdTextValue = (what: string) => Type.String({ minLength: 1, maxLength: MAX_CD_TEXT_CHARS, description: `${what} (printable ISO 8859-1, at most ${MAX_CD_TEXT_CHARS} characters)` });

/** CD-TEXT fields of the disc or of one track. */
export const CdTextFieldsInput = Type.Object({
  title: Type.Optional(cdTextValue('title')),
  performer: Type.Optional(cdTextValue('performer')),
  composer: Type.Optional(cdTextValue('composer')),
}, obj);

/**
 * A run's CD-TEXT: only for an audio (CUE) image with a cdrdao TOC file; it
 * replaces the image's own CD-TEXT on every disc the run burns (what is not
 * given here is not on the disc).
 */
export const RunCdTextInput = Type.Object({
  disc: Type.Optional(CdTextFieldsInput),
  tracks: Type.Optional(Type.Array(Type.Object({
    track: Type.Integer({ minimum: 1, maximum: 99, description: 'track number' }),
    ...CdTextFieldsInput.properties,
  }, obj), { maxItems: 99 })),
}, { ...obj, title: 'RunCdTextInput' });

export type CdTextFields = Static<typeof CdTextFieldsInput>;
export type RunCdText = Static<typeof RunCdTextInput>;

const KINDS = ['title', 'performer', 'composer'] as const;

/**
 * What is wrong with a run's CD-TEXT beyond its schema, or null: values
 * outside printable ISO 8859-1 (what a TOC file holds), a track given twice,
 * more than {@link MAX_CD_TEXT_TOTAL} characters of one kind, nothing at all,
 * a track past `trackCount` (when known).
 */
export function cdTextProblem(cdText: RunCdText, trackCount?: number): string | null {
  const tracks = cdText.tracks ?? [];
  const seen = new Set<number>();
  for (const t of tracks) {
    if (seen.has(t.track)) return `track ${t.track} given twice`;
    seen.add(t.track);
    if (trackCount !== undefined && t.track > trackCount) return `track ${t.track}: the image has ${trackCount} track${trackCount === 1 ? '' : 's'}`;
  }
  const all: Array<[string, CdTextFields]> = [['disc', cdText.disc ?? {}], ...tracks.map((t): [string, CdTextFields] => [`track ${t.track}`, t])];
  let any = false;
  for (const kind of KINDS) {
    let total = 0;
    for (const [where, fields] of all) {
      const value = fields[kind];
      if (value === undefined) continue;
      any = true;
      if (value.length > MAX_CD_TEXT_CHARS) return `${where} ${kind}: at most ${MAX_CD_TEXT_CHARS} characters`;
      if (/[^\x20-\x7e\xa0-\xff]/.test(value)) return `${where} ${kind}: only printable ISO 8859-1 characters fit CD-TEXT`;
      total += value.length;
    }
    if (total > MAX_CD_TEXT_TOTAL) return `${kind}s: ${total} characters over the disc and its tracks, at most ${MAX_CD_TEXT_TOTAL}`;
  }
  return any ? null : 'no CD-TEXT field given';
}
