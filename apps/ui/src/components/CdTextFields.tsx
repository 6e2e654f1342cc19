'use client';
/**
 * The new-run form's CD-TEXT (issue 15), shown for an image that can take a
 * run's own (a CUE image with a cdrdao TOC file): the disc's title and
 * performer and each track's, filled in from the image's own CD-TEXT. The
 * form sends `cdText` only when something was changed (run-text-form.ts).
 */
import type { ReactNode } from 'react';
import { useMemo, useState } from 'react';
import type { ImageView } from '../lib/contract';
import type { CdTextDraft, CdTextPair } from '../lib/run-text-form';
import { MAX_CD_TEXT_CHARS, cdTextDraftOf, cdTextRequestOf, takesCdText } from '../lib/run-text-form';

/** The form's CD-TEXT part for the chosen image: its fields (null when the image cannot take CD-TEXT), the request's `cdText` or a problem, and a reset. */
export function useCdTextPart(image: ImageView | undefined): {
  readonly part: ReactNode;
  readonly result: ReturnType<typeof cdTextRequestOf>;
  reset(): void;
} {
  /** The part as edited, for the image it was filled from (null: the image's own). */
  const [edited, setEdited] = useState<{ readonly imageId: string; readonly draft: CdTextDraft } | null>(null);
  const target = takesCdText(image) ? image : undefined;
  const original = useMemo(() => (target === undefined ? null : cdTextDraftOf(target)), [target]);
  if (target === undefined || original === null) return { part: null, result: {}, reset: () => setEdited(null) };
  const draft = edited !== null && edited.imageId === target.id ? edited.draft : original;
  const result = cdTextRequestOf(draft, original);
  const part = (
    <CdTextFields draft={draft} changed={result.cdText !== undefined || result.problem !== undefined}
      onChange={(d) => setEdited({ imageId: target.id, draft: d })} onReset={() => setEdited(null)} />
  );
  return { part, result, reset: () => setEdited(null) };
}

function Pair({ what, value, onChange }: { readonly what: string; readonly value: CdTextPair; readonly onChange: (p: CdTextPair) => void }): ReactNode {
  return (
    <div className="row">
      <input aria-label={`${what} title`} type="text" maxLength={MAX_CD_TEXT_CHARS} placeholder="title" value={value.title} onChange={(e) => onChange({ ...value, title: e.target.value })} />
      <input aria-label={`${what} performer`} type="text" maxLength={MAX_CD_TEXT_CHARS} placeholder="performer" value={value.performer} onChange={(e) => onChange({ ...value, performer: e.target.value })} />
    </div>
  );
}

export function CdTextFields({ draft, changed, onChange, onReset }: {
  readonly draft: CdTextDraft;
  /** The operator changed the image's CD-TEXT (the run then burns its own). */
  readonly changed: boolean;
  readonly onChange: (draft: CdTextDraft) => void;
  /** Back to the image's own CD-TEXT. */
  readonly onReset: () => void;
}): ReactNode {
  return (
    <>
      <span className="form-label">CD-TEXT</span>
      <fieldset className="cd-text">
        <legend className="visually-hidden">CD-TEXT of the run’s discs</legend>
        <Pair what="Disc" value={draft.disc} onChange={(disc) => onChange({ ...draft, disc })} />
        {draft.tracks.map((t, i) => (
          <Pair key={t.track} what={`Track ${t.track}`} value={t} onChange={(p) => onChange({ ...draft, tracks: draft.tracks.map((x, j) => (j === i ? { ...x, ...p } : x)) })} />
        ))}
        <p className="muted" data-testid="cd-text-state">
          {changed ? 'The run burns this CD-TEXT instead of the image’s (empty fields are left off the discs). ' : 'The image’s own CD-TEXT; change a field to give this run its own.'}
          {changed ? <button type="button" className="btn btn-ghost" onClick={onReset}>Use the image’s</button> : null}
        </p>
      </fieldset>
    </>
  );
}
