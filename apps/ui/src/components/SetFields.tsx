'use client';
/**
 * The new-run form's collated set (issue 15): the discs after disc 1 (the
 * form's image), in order. With any, the run is a set run: its count is of
 * complete sets, and the controller checks that every disc goes on the run's
 * media class.
 */
import type { ReactNode } from 'react';
import type { ImageView } from '../lib/contract';

export function SetFields({ images, discs, onChange }: {
  /** The images a disc may be. */
  readonly images: readonly ImageView[];
  /** The image ids of discs 2, 3... in order. */
  readonly discs: readonly string[];
  readonly onChange: (discs: readonly string[]) => void;
}): ReactNode {
  const first = images[0]?.id;
  return (
    <>
      <span className="form-label">Set</span>
      <div className="set-fields" data-testid="run-set">
        {discs.length === 0 ? <span className="muted">one image per copy (add discs to burn sets: disc 1 is the image above)</span> : null}
        {discs.map((id, i) => (
          <div className="row" key={i}>
            <label htmlFor={`run-set-disc-${i + 2}`}>Disc {i + 2}</label>
            <select id={`run-set-disc-${i + 2}`} value={id} onChange={(e) => onChange(discs.map((d, j) => (j === i ? e.target.value : d)))}>
              {images.map((img) => <option key={img.id} value={img.id}>{img.name} — {img.mediaClass?.toUpperCase()}</option>)}
            </select>
            <button type="button" className="btn btn-ghost" onClick={() => onChange(discs.filter((_, j) => j !== i))} aria-label={`Remove disc ${i + 2}`}>Remove</button>
          </div>
        ))}
        {first !== undefined && discs.length < 98 ? (
          <button type="button" className="btn" onClick={() => onChange([...discs, first])}>Add a disc to the set</button>
        ) : null}
      </div>
    </>
  );
}
