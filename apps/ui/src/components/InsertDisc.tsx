'use client';
/**
 * "Insert disc" for a simulated drive (the demo's stand-in for a person at
 * the tower): a blank of a media type, or a pressed disc of a library ISO
 * image to master or copy from (`POST /api/drives/:id/insert`). Shown on a
 * simulated drive's page to operators.
 */
import type { FormEvent, ReactNode } from 'react';
import { useState } from 'react';
import { apiRequest, describeError } from '../lib/api';
import { useAuth } from '../lib/auth';
import type { DriveView, ImageView, InsertDiscRequest } from '../lib/contract';
import { useApi } from '../lib/use-api';
import { ErrorBox } from './ErrorBox';

/** The blank media types a simulated drive takes (the API's list). */
const BLANKS = ['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL', 'DVD-RAM', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL'] as const;

/** The insert form of one simulated drive; `onDone` after a disc went in. */
export function InsertDisc({ drive, onDone }: { readonly drive: DriveView; readonly onDone: () => void }): ReactNode {
  const { token } = useAuth();
  const images = useApi<ImageView[]>('/images');
  const isos = (images.data ?? []).filter((i) => i.format === 'iso');
  const [choice, setChoice] = useState('blank:CD-R');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const disabled = busy || drive.state === 'burning' || drive.state === 'verifying' || drive.state === 'busy' || drive.state === 'offline';

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const [kind, value = ''] = choice.split(/:(.*)/s);
    const body = (kind === 'image' ? { kind: 'image', imageId: value } : { kind: 'blank', mediaType: value }) as InsertDiscRequest;
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const v = await apiRequest<DriveView>(token, `/drives/${encodeURIComponent(drive.id)}/insert`, { method: 'POST', body });
      setNote(kind === 'image' ? `Pressed disc of ${isos.find((i) => i.id === value)?.name ?? value} put in${v.canMaster === true ? ': ready to master' : ''}.` : `Blank ${value} put in.`);
      onDone();
    } catch (err) {
      setError(`Could not put the disc into ${drive.label}: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="insert-disc">
      <h2 id="insert-disc">Insert disc</h2>
      <p className="muted">A simulated drive: put a blank in, or a pressed disc of a library image to master or copy from.</p>
      <form className="row" onSubmit={(e) => void submit(e)}>
        <label htmlFor="insert-choice">Disc</label>
        <select id="insert-choice" value={choice} onChange={(e) => setChoice(e.target.value)}>
          <optgroup label="Blank">
            {BLANKS.map((t) => <option key={t} value={`blank:${t}`}>Blank {t}</option>)}
          </optgroup>
          {isos.length > 0 ? (
            <optgroup label="Pressed disc of an image">
              {isos.map((i) => <option key={i.id} value={`image:${i.id}`}>{i.name}</option>)}
            </optgroup>
          ) : null}
        </select>
        <button type="submit" className="btn" disabled={disabled}>{busy ? 'Inserting…' : 'Insert disc'}</button>
      </form>
      {note ? <p role="status" className="ok-note">{note}</p> : null}
      <ErrorBox error={error ?? (images.error ? `Could not load the images: ${images.error}` : null)} onDismiss={() => setError(null)} />
    </section>
  );
}
