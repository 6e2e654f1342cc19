'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import type { FormEvent, ReactNode } from 'react';
import { Suspense, useState } from 'react';
import { cdTextWriting } from '../../../../controller/src/shared/cd-text-writing';
import { DriveTile } from '../../components/DriveTile';
import { ErrorBox } from '../../components/ErrorBox';
import { InsertDisc } from '../../components/InsertDisc';
import { apiRequest, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { DriveDetail, DriveView } from '../../lib/contract';
import { formatBytes, formatDateTime, formatMBps, formatRatioPercent, formatSpeedX } from '../../lib/units';
import { useFreshness, useLive } from '../../lib/live';
import { useApi } from '../../lib/use-api';

function DriveActions({ drive, onDone }: { readonly drive: DriveView; readonly onDone: () => void }): ReactNode {
  const { token } = useAuth();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const call = async (what: 'eject' | 'quarantine' | 'release', body?: unknown): Promise<void> => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await apiRequest<DriveView>(token, `/drives/${encodeURIComponent(drive.id)}/${what}`, { method: 'POST', body: body ?? {} });
      setNote(what === 'eject' ? 'Tray opened.' : what === 'quarantine' ? 'Drive quarantined.' : 'Drive released.');
      onDone();
    } catch (err) {
      setError(`Could not ${what} ${drive.label}: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const quarantine = (e: FormEvent): void => {
    e.preventDefault();
    void call('quarantine', { reason: reason.trim() });
  };

  return (
    <section className="card" aria-labelledby="drive-actions">
      <h2 id="drive-actions">Actions</h2>
      <div className="row">
        <button type="button" className="btn" disabled={busy} onClick={() => void call('eject')}>Eject</button>
        {drive.quarantine || drive.state === 'quarantined' ? (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void call('release')}>Release from quarantine</button>
        ) : null}
      </div>
      {!drive.quarantine && drive.state !== 'quarantined' ? (
        <form className="row" onSubmit={quarantine}>
          <label htmlFor="q-reason">Reason</label>
          <input id="q-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} required placeholder="e.g. scratches discs" className="wide" />
          <button type="submit" className="btn btn-danger" disabled={busy || reason.trim() === ''}>Quarantine</button>
        </form>
      ) : null}
      {note ? <p role="status" className="ok-note">{note}</p> : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </section>
  );
}

function DriveInner(): ReactNode {
  const id = useSearchParams().get('id') ?? '';
  const live = useLive();
  const fresh = useFreshness();
  const { isOperator } = useAuth();
  const drive = live.drives[id];
  // Fetch the detail again whenever the drive finishes a disc or changes quarantine.
  const detail = useApi<DriveDetail>(id ? `/drives/${encodeURIComponent(id)}` : null, {}, [drive?.passed, drive?.failed, drive?.quarantine?.at ?? null]);
  const d = detail.data;

  if (!id) return <p>No drive chosen. <Link href="/">Back to the tower.</Link></p>;
  if (!drive && !d) {
    return (
      <div>
        <h1>Drive {id}</h1>
        <ErrorBox error={detail.error} />
        <p className="muted">{live.snapshotAt === null ? 'Waiting for the feed…' : 'This drive is not in the tower.'}</p>
      </div>
    );
  }
  const view: DriveView | undefined = drive ?? d ?? undefined;
  if (!view) return null;
  const run = view.runId ? live.runs[view.runId] : undefined;

  return (
    <div className="drive-page">
      <p><Link href="/">← Tower</Link></p>
      <h1>{view.label} <span className="muted">({view.id})</span></h1>
      <div className="drive-top">
        <div className="drive-tile-big">
          <DriveTile drive={view} stale={fresh.stale} runName={run ? run.label ?? run.imageName : null} />
        </div>
        <dl className="kv">
          <dt>Agent</dt><dd>{live.agents[view.agentId]?.host ?? view.agentId} (position {view.position})</dd>
          <dt>Media</dt><dd>{view.mediaType ?? '—'}</dd>
          <dt>CD-TEXT</dt><dd data-testid="drive-cd-text">{cdTextWriting(view.writesCdText)}</dd>
          <dt>Speed</dt><dd>{formatSpeedX(view.speedX)} ({formatMBps(view.speedMBps)})</dd>
          <dt>Run</dt><dd>{view.runId ? <Link href="/runs/">{run?.label ?? run?.imageName ?? view.runId}</Link> : '—'}{view.copy !== null ? `, copy ${view.copy}` : ''}</dd>
          <dt>Quarantine</dt><dd>{view.quarantine ? `${view.quarantine.reason} — by ${view.quarantine.by}, ${formatDateTime(view.quarantine.at)}` : 'no'}</dd>
          <dt>Last change</dt><dd>{formatDateTime(view.updatedAt)}</dd>
        </dl>
      </div>
      {isOperator ? <DriveActions drive={view} onDone={detail.reload} /> : null}
      {isOperator && view.simulated === true ? <InsertDisc drive={view} onDone={detail.reload} /> : null}
      <ErrorBox error={detail.error ? `Could not load the drive’s details: ${detail.error}` : null} />
      {d ? (
        <>
          <section className="card" aria-labelledby="drive-stats">
            <h2 id="drive-stats">Statistics</h2>
            <dl className="kv">
              <dt>Discs</dt><dd>{d.stats.discs}</dd>
              <dt>Passed</dt><dd>{d.stats.passed}</dd>
              <dt>Failed</dt><dd>{d.stats.failed} ({formatRatioPercent(d.stats.failureRate)})</dd>
              <dt>Written</dt><dd>{formatBytes(d.stats.totalBytes)}</dd>
              <dt>Last error</dt><dd>{d.stats.lastError ? `${d.stats.lastError.code}: ${d.stats.lastError.message} (${formatDateTime(d.stats.lastError.at)})` : '—'}</dd>
            </dl>
            {d.stats.quarantineHistory.length > 0 ? (
              <>
                <h3>Quarantine history</h3>
                <ul>
                  {d.stats.quarantineHistory.map((q) => (
                    <li key={q.at}>
                      {formatDateTime(q.at)}: {q.reason} (by {q.by}){q.releasedAt ? `; released ${formatDateTime(q.releasedAt)} by ${q.releasedBy ?? '?'}` : ''}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>
          <section className="card" aria-labelledby="drive-attempts">
            <h2 id="drive-attempts">Recent attempts and errors</h2>
            <p><Link href={`/history/?driveId=${encodeURIComponent(view.id)}`}>All attempts on this drive</Link></p>
            <div className="table-scroll">
              <table className="table">
                <thead><tr><th scope="col">Ended</th><th scope="col">Run / copy</th><th scope="col">Result</th><th scope="col">Error</th></tr></thead>
                <tbody>
                  {d.recentAttempts.map((a) => (
                    <tr key={a.id}>
                      <td>{formatDateTime(a.endedAt ?? a.startedAt)}</td>
                      <td>{live.runs[a.runId]?.label ?? live.runs[a.runId]?.imageName ?? a.runId.slice(0, 8)} / {a.copy}</td>
                      <td><span className={`pill pill-${a.outcome ?? 'open'}`}>{a.outcome ?? 'open'}</span></td>
                      <td>{a.error ? `${a.error.code}: ${a.error.message}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      ) : null}
    </div>
  );
}

export default function DrivePage(): ReactNode {
  return (
    <Suspense fallback={<p className="empty-note">Loading…</p>}>
      <DriveInner />
    </Suspense>
  );
}
