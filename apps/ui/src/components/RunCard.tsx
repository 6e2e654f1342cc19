'use client';
/** A run: counts, a segmented progress bar, throughput and ETA; pause / resume / cancel for operators. */
import type { ReactNode } from 'react';
import { useRef, useState } from 'react';
import { apiRequest, describeError } from '../lib/api';
import { downloadCertificate } from '../lib/certificate';
import { useAuth } from '../lib/auth';
import type { CancelRunRequest, RunView } from '../lib/contract';
import { formatDateTime, formatEta, formatRate, formatSpeedX } from '../lib/units';
import { useLiveActions } from '../lib/live';
import { RUN_STATUS_LABEL, isRunFinished } from '../lib/states';
import { ErrorBox } from './ErrorBox';
import { RunAgain } from './RunAgain';

function pct(n: number, total: number): string {
  return `${total > 0 ? Math.min(100, (n / total) * 100) : 0}%`;
}

export function RunProgress({ run }: { readonly run: RunView }): ReactNode {
  const total = Math.max(run.copies, run.passed + run.inProgress + run.remaining);
  return (
    <div className="run-bar" role="img" aria-label={`${run.passed} of ${run.copies} passed`}>
      <span className="seg seg-ok" style={{ width: pct(run.passed, total) }} />
      <span className="seg seg-busy" style={{ width: pct(run.inProgress, total) }} />
    </div>
  );
}

/** What the fourth count is called: copies still to do, or, once the run is over, copies it did not make. */
export function remainingLabel(run: Pick<RunView, 'status' | 'remaining'>): string {
  return isRunFinished(run.status) && run.remaining > 0 ? 'Not made' : 'To do';
}

/** The speed the run asked for, or that each drive burns at its maximum. */
export function speedWords(run: Pick<RunView, 'speed'>): string {
  return run.speed === undefined ? 'drive maximum' : formatSpeedX(run.speed);
}

export function RunCounts({ run }: { readonly run: RunView }): ReactNode {
  return (
    <dl className="run-counts">
      {run.set ? <div className="c-ok"><dt>Sets done</dt><dd data-testid="run-sets">{run.set.setsDone}<small> / {run.set.sets}</small></dd></div> : null}
      <div className="c-ok"><dt>Passed</dt><dd data-testid="run-passed">{run.passed}<small> / {run.copies}</small></dd></div>
      <div className="c-bad"><dt>Failed</dt><dd data-testid="run-failed">{run.failed}</dd></div>
      <div className="c-busy"><dt>Burning</dt><dd data-testid="run-inprogress">{run.inProgress}</dd></div>
      <div><dt>{remainingLabel(run)}</dt><dd data-testid="run-remaining">{run.remaining}</dd></div>
      <div><dt>Discs/h</dt><dd>{formatRate(run.discsPerHour, true)}</dd></div>
      <div><dt>ETA</dt><dd>{isRunFinished(run.status) ? '—' : formatEta(run.etaSeconds)}</dd></div>
    </dl>
  );
}

export function RunCard({ run, controls }: { readonly run: RunView; readonly controls: boolean }): ReactNode {
  const { token, isOperator } = useAuth();
  const { putRun } = useLiveActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const finished = isRunFinished(run.status);
  const name = run.label ?? run.imageName;

  const act = async (what: 'pause' | 'resume' | 'cancel', body?: CancelRunRequest): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await apiRequest<RunView>(token, `/runs/${encodeURIComponent(run.id)}/${what}`, { method: 'POST', body: body ?? {} });
      putRun(r);
    } catch (err) {
      setError(`Could not ${what} the run: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className={`run-card run-${run.status}`} data-run-id={run.id} data-status={run.status} aria-label={`Run ${name}`}>
      <header className="run-head">
        <h3>{name}</h3>
        <span className={`run-status status-${run.status}`} data-testid="run-status">{RUN_STATUS_LABEL[run.status]}</span>
      </header>
      <p className="run-meta">
        {run.imageName} · {run.mediaClass.toUpperCase()} · <span data-testid="run-speed">speed {speedWords(run)}</span> · verify {run.verify} · priority {run.priority}
        {run.surplus > 0 ? ` · ${run.surplus} surplus` : ''}
        {run.interrupted > 0 ? ` · ${run.interrupted} interrupted` : ''}
        {run.cancelled > 0 ? ` · ${run.cancelled} cancelled` : ''}
      </p>
      {run.statusReason ? <p className="run-reason">{run.statusReason}</p> : null}
      {run.merge ? <p className="run-meta" data-testid="run-merge">Per disc: {run.merge}</p> : null}
      <RunText run={run} />
      <RunProgress run={run} />
      <RunCounts run={run} />
      <SetFailures run={run} />
      {controls ? (
        <p className="run-meta">
          Created {formatDateTime(run.createdAt)} by {run.createdBy}
          {run.completedAt ? ` · ended ${formatDateTime(run.completedAt)}` : ''} · <a href={`/api/runs/${encodeURIComponent(run.id)}/report?format=csv`} onClick={(e) => { e.preventDefault(); void downloadReport(token, run.id); }}>report (CSV)</a>
          {' · '}<a href={`/api/runs/${encodeURIComponent(run.id)}/certificate.pdf`} onClick={(e) => { e.preventDefault(); void downloadCertificate(token, run.id); }}>certificate (PDF)</a>
          {run.customer?.name !== undefined ? ` · for ${run.customer.name}${run.customer.order === undefined ? '' : `, order ${run.customer.order}`}` : ''}
        </p>
      ) : null}
      {controls && isOperator && !finished ? (
        <div className="run-actions">
          {run.status === 'paused' ? (
            <button type="button" className="btn" disabled={busy} onClick={() => void act('resume')}>Resume</button>
          ) : (
            <button type="button" className="btn" disabled={busy} onClick={() => void act('pause')}>Pause</button>
          )}
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => dialog.current?.showModal()}>Cancel run…</button>
          <dialog ref={dialog} className="dialog" aria-label="Cancel run">
            <form method="dialog">
              <h3>Cancel “{name}”?</h3>
              <p>Queued copies are removed. What about the discs burning now?</p>
              <div className="row">
                <button type="submit" className="btn btn-danger" onClick={() => void act('cancel', { inFlight: 'cancel' })}>Stop them now</button>
                <button type="submit" className="btn" onClick={() => void act('cancel', { inFlight: 'finish' })}>Let them finish</button>
                <button type="submit" className="btn btn-ghost">Keep the run</button>
              </div>
            </form>
          </dialog>
        </div>
      ) : null}
      {controls && isOperator && finished ? <RunAgain run={run} /> : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </article>
  );
}

/** A run's label merge values (`{{merge.1}}`…) and its own CD-TEXT title and performer, when it has them. */
export function RunText({ run }: { readonly run: Pick<RunView, 'labelMerge' | 'cdText'> }): ReactNode {
  const disc = run.cdText?.disc;
  const tracks = run.cdText?.tracks?.length ?? 0;
  return (
    <>
      {run.labelMerge && run.labelMerge.length > 0 ? (
        <p className="run-meta" data-testid="run-label-merge">Label merge: {run.labelMerge.map((v, i) => `${i + 1}. ${v}`).join(' · ')}</p>
      ) : null}
      {run.cdText ? (
        <p className="run-meta" data-testid="run-cd-text">
          CD-TEXT: {disc?.title ?? 'no title'}{disc?.performer !== undefined ? ` — ${disc.performer}` : ''}
          {tracks > 0 ? ` · ${tracks} track${tracks === 1 ? '' : 's'} named` : ''}
        </p>
      ) : null}
    </>
  );
}

/** A set run: its discs per set, and which disc of which set failed and whether it was redone. */
export function SetFailures({ run }: { readonly run: RunView }): ReactNode {
  if (!run.set) return null;
  const failed = run.set.failedDiscs;
  return (
    <p className="run-meta" data-testid="run-set-failures">
      Sets of {run.set.discs} discs
      {failed.length === 0 ? ' · no disc failed' : ` · failed: ${failed.map((f) => `set ${f.set} disc ${f.disc} (${f.redone ? 'redone' : 'not redone yet'})`).join(', ')}`}
    </p>
  );
}

async function downloadReport(token: string | null, runId: string): Promise<void> {
  const csv = await apiRequest<string>(token, `/runs/${encodeURIComponent(runId)}/report`, { query: { format: 'csv' }, text: true }).catch((err: unknown) => {
    window.alert(`Could not fetch the report: ${describeError(err)}`);
    return null;
  });
  if (csv !== null) saveText(csv, `run-${runId}.csv`, 'text/csv');
}

export function saveText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
