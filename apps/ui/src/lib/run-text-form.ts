/**
 * The new-run form's run text (issue 15): label merge values typed one per
 * line, and a run's own CD-TEXT edited from an image's, turned into the
 * request's `labelMerge` and `cdText` with the limits the controller checks
 * (apps/controller/src/shared/run-text-limits.ts); the controller checks again.
 */
import type { CreateRunRequest, ImageView } from './contract';
import { MAX_CD_TEXT_CHARS, MAX_CD_TEXT_TOTAL, MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS } from '../../../controller/src/shared/run-text-limits';

export { MAX_CD_TEXT_CHARS, MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS };

/** The request's `labelMerge` of the text typed (one value per line; blank lines at the end dropped), or a problem in words. */
export function labelMergeOf(text: string): { readonly labelMerge?: string[]; readonly problem?: string } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  if (lines.length === 0) return {};
  if (lines.length > MAX_LABEL_MERGE_FIELDS) return { problem: `Label merge fields: ${lines.length} lines, at most ${MAX_LABEL_MERGE_FIELDS} ({{merge.1}} to {{merge.${MAX_LABEL_MERGE_FIELDS}}}).` };
  const long = lines.findIndex((l) => l.length > MAX_LABEL_MERGE_CHARS);
  if (long >= 0) return { problem: `Label merge field ${long + 1}: ${lines[long]?.length} characters, at most ${MAX_LABEL_MERGE_CHARS}.` };
  return { labelMerge: lines };
}

/** CD-TEXT title and performer of the disc or of one track, as typed. */
export interface CdTextPair { readonly title: string; readonly performer: string }

/** The CD-TEXT part of the form: the disc's and each track's title and performer. */
export interface CdTextDraft { readonly disc: CdTextPair; readonly tracks: ReadonlyArray<CdTextPair & { readonly track: number }> }

/** Whether a run may carry its own CD-TEXT for this image: a CUE image with a cdrdao TOC file. */
export function takesCdText(image: ImageView | undefined): image is ImageView {
  return image !== undefined && image.format === 'cue' && image.tocFile !== undefined && image.tracks.length > 0;
}

/** The form's starting CD-TEXT: the image's own (empty where it has none). */
export function cdTextDraftOf(image: ImageView): CdTextDraft {
  return {
    disc: { title: image.cdText?.title ?? '', performer: image.cdText?.performer ?? '' },
    tracks: image.tracks.map((t) => ({ track: t.number, title: t.title ?? '', performer: t.performer ?? '' })),
  };
}

const same = (a: CdTextDraft, b: CdTextDraft): boolean => JSON.stringify(a) === JSON.stringify(b);
const fields = (p: CdTextPair): { title?: string; performer?: string } => ({
  ...(p.title.trim() === '' ? {} : { title: p.title.trim() }),
  ...(p.performer.trim() === '' ? {} : { performer: p.performer.trim() }),
});

/**
 * The request's `cdText` when the operator changed the image's (else none:
 * the discs carry the image's own), or a problem in words. A run's CD-TEXT
 * replaces the image's: what is left empty is not on the discs.
 */
export function cdTextRequestOf(draft: CdTextDraft, original: CdTextDraft): { readonly cdText?: NonNullable<CreateRunRequest['cdText']>; readonly problem?: string } {
  if (same(draft, original)) return {};
  const named: Array<[string, CdTextPair]> = [['Disc', draft.disc], ...draft.tracks.map((t): [string, CdTextPair] => [`Track ${t.track}`, t])];
  for (const [where, p] of named) {
    for (const [kind, value] of [['title', p.title.trim()], ['performer', p.performer.trim()]] as const) {
      if (value.length > MAX_CD_TEXT_CHARS) return { problem: `CD-TEXT: ${where} ${kind} is ${value.length} characters, at most ${MAX_CD_TEXT_CHARS}.` };
      if (/[^\x20-\x7e\xa0-\xff]/.test(value)) return { problem: `CD-TEXT: ${where} ${kind} has characters CD-TEXT cannot hold (printable ISO 8859-1 only).` };
    }
  }
  for (const kind of ['title', 'performer'] as const) {
    const total = named.reduce((n, [, p]) => n + p[kind].trim().length, 0);
    if (total > MAX_CD_TEXT_TOTAL) return { problem: `CD-TEXT: ${total} characters of ${kind}s over the disc and its tracks, at most ${MAX_CD_TEXT_TOTAL}.` };
  }
  const disc = fields(draft.disc);
  const tracks = draft.tracks.map((t) => ({ track: t.track, ...fields(t) })).filter((t) => t.title !== undefined || t.performer !== undefined);
  if (Object.keys(disc).length === 0 && tracks.length === 0) return { problem: 'CD-TEXT: every field is empty; fill one in, or put back the image’s own.' };
  return { cdText: { ...(Object.keys(disc).length === 0 ? {} : { disc }), ...(tracks.length === 0 ? {} : { tracks }) } };
}
