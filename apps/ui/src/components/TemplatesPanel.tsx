'use client';
/**
 * Saved run templates (`GET /api/templates`): each with its settings in
 * words; operators start one (the copies may be changed for this run) or
 * delete it. Saving one is the new-run form's "Save as template".
 */
import type { ReactNode } from 'react';
import { useState } from 'react';
import { apiRequest, describeError } from '../lib/api';
import { useAuth } from '../lib/auth';
import type { RunView, TemplateView } from '../lib/contract';
import { useLiveActions } from '../lib/live';
import { useApi } from '../lib/use-api';
import { ErrorBox } from './ErrorBox';

/** A template's settings in words. */
export function templateWords(t: TemplateView): string {
  const verify = t.verify === undefined ? 'all' : typeof t.verify === 'string' ? t.verify : `every ${t.verify.everyNth}th`;
  return [
    t.set === undefined
      ? `${t.copies} × ${t.imageName ?? `${t.imageId} (no longer in the library)`}`
      : `${t.copies} sets of ${t.set.imageIds.length} discs (${t.set.imageIds.join(', ')})`,
    ...(t.merge?.serials === undefined ? [] : [`serials from ${t.merge.serials.first}${t.set === undefined ? '' : ', one per set'}`]),
    ...(t.merge?.csv === undefined ? [] : [`CSV rows${t.set === undefined ? '' : ', one per set'}`]),
    `verify ${verify}`,
    t.speed === undefined ? 'drive maximum' : `${t.speed}×`,
    `priority ${t.priority ?? 100}`,
    t.drives === undefined ? 'all drives' : `drives ${t.drives.join(', ')}`,
    ...(t.label === undefined ? [] : [`label “${t.label}”`]),
  ].join(' · ');
}

function TemplateRow({ t, onChanged }: { readonly t: TemplateView; readonly onChanged: () => void }): ReactNode {
  const { token, isOperator } = useAuth();
  const { putRun } = useLiveActions();
  const [copies, setCopies] = useState(String(t.copies));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const path = `/templates/${encodeURIComponent(t.name)}`;
  const start = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    setMade(null);
    try {
      const body = Number(copies) === t.copies ? {} : { copies: Number(copies) };
      const run = await apiRequest<RunView>(token, `${path}/run`, { method: 'POST', body });
      putRun(run);
      setMade(run.set === undefined ? `Run started: ${run.copies} copies.` : `Run started: ${run.set.sets} sets of ${run.set.discs} discs.`);
    } catch (err) {
      setError(`Could not start “${t.name}”: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (): Promise<void> => {
    if (!window.confirm(`Delete the template “${t.name}”? Runs started from it are not touched.`)) return;
    setBusy(true);
    setError(null);
    try {
      await apiRequest<void>(token, path, { method: 'DELETE' });
      onChanged();
    } catch (err) {
      setError(`Could not delete “${t.name}”: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="template" data-template={t.name}>
      <strong>{t.name}</strong>
      <p className="muted">{templateWords(t)}</p>
      {isOperator ? (
        <div className="row">
          <input aria-label={`Copies for ${t.name}`} type="number" min={1} max={10000} value={copies} onChange={(e) => setCopies(e.target.value)} className="narrow" />
          <button type="button" className="btn btn-primary" disabled={busy || t.imageName === null} onClick={() => void start()}>Start</button>
          <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => void remove()}>Delete</button>
        </div>
      ) : null}
      {made ? <p className="muted" role="status">{made}</p> : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </li>
  );
}

export function TemplatesPanel({ version }: { readonly version: number }): ReactNode {
  const [mine, setMine] = useState(0);
  const list = useApi<TemplateView[]>('/templates', {}, [version, mine]);
  const templates = list.data ?? [];
  return (
    <section className="card" aria-labelledby="templates">
      <h2 id="templates">Templates</h2>
      <ErrorBox error={list.error ? `Could not load the templates: ${list.error}` : null} />
      {templates.length === 0 && !list.error ? <p className="muted">No templates yet. Fill in a new run and save it as a template.</p> : null}
      <ul className="template-list">
        {templates.map((t) => <TemplateRow key={`${t.name}:${t.updatedAt}`} t={t} onChanged={() => setMine((n) => n + 1)} />)}
      </ul>
    </section>
  );
}
