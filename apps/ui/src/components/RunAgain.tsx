'use client';
/** "Run again": a finished run's settings as a new run, in one click (operators; `POST /api/runs/:id/again`). */
import type { ReactNode } from 'react';
import { useState } from 'react';
import { apiRequest, describeError } from '../lib/api';
import { useAuth } from '../lib/auth';
import type { RunView } from '../lib/contract';
import { useLiveActions } from '../lib/live';
import { ErrorBox } from './ErrorBox';

export function RunAgain({ run }: { readonly run: RunView }): ReactNode {
  const { token } = useAuth();
  const { putRun } = useLiveActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const again = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await apiRequest<RunView>(token, `/runs/${encodeURIComponent(run.id)}/again`, { method: 'POST' });
      putRun(r);
      setMade(`Started again: ${r.copies} copies (run ${r.id.slice(0, 8)}).`);
    } catch (err) {
      setError(`Could not run it again: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="run-actions">
      <button type="button" className="btn" disabled={busy} onClick={() => void again()} title="A new run with this run's image, copies, verify, speed, drives, priority and label">
        {busy ? 'Starting…' : 'Run again'}
      </button>
      {made ? <span className="muted" role="status">{made}</span> : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </div>
  );
}
