'use client';
import { useSearchParams } from 'next/navigation';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Suspense, useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { saveText } from '../../components/RunCard';
import { apiRequest, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { failureBuckets } from '../../lib/chart';
import type { AttemptOutcomeName, AttemptView, DriveStats } from '../../lib/contract';
import { fromLocalInput } from '../../lib/format';
import { formatBytes, formatDateTime, formatFileStamp, formatRatioPercent, formatSpeedX } from '../../lib/units';
import { useLive } from '../../lib/live';
import { allRuns } from '../../lib/live-store';
import { useApi } from '../../lib/use-api';

const OUTCOMES: readonly AttemptOutcomeName[] = ['passed', 'failed', 'cancelled', 'interrupted'];

function Spark({ values, max, label }: { readonly values: readonly number[]; readonly max: number; readonly label: string }): ReactNode {
  const w = 120;
  const h = 28;
  const bw = w / Math.max(1, values.length);
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <svg className="spark" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`${label}: ${total} failures in the period`}>
      <line x1="0" y1={h - 0.5} x2={w} y2={h - 0.5} stroke="currentColor" strokeOpacity="0.4" />
      {values.map((v, i) =>
        v > 0 ? <rect key={i} x={i * bw + 0.5} width={Math.max(1, bw - 1)} y={h - (v / Math.max(1, max)) * (h - 2)} height={(v / Math.max(1, max)) * (h - 2)} className="spark-bar" /> : null,
      )}
    </svg>
  );
}

function HistoryInner(): ReactNode {
  const params = useSearchParams();
  const { token } = useAuth();
  const live = useLive();
  const [runId, setRunId] = useState(params.get('runId') ?? '');
  const [driveId, setDriveId] = useState(params.get('driveId') ?? '');
  const [outcome, setOutcome] = useState(params.get('outcome') ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [limit, setLimit] = useState('500');
  const [csvError, setCsvError] = useState<string | null>(null);

  const query = useMemo(
    () => ({ runId, driveId, outcome, from: fromLocalInput(from), to: fromLocalInput(to), limit: Number(limit) || 500 }),
    [runId, driveId, outcome, from, to, limit],
  );
  const history = useApi<AttemptView[]>('/history', { query });
  const stats = useApi<DriveStats[]>('/stats/drives');
  const attempts = useMemo(
    () => [...(history.data ?? [])].sort((a, b) => (b.endedAt ?? b.startedAt) - (a.endedAt ?? a.startedAt)),
    [history.data],
  );
  const buckets = useMemo(() => failureBuckets(attempts, 24, query.from ?? undefined, query.to ?? undefined), [attempts, query.from, query.to]);
  const runs = allRuns(live.runs);
  const label = (id: string): string => live.drives[id]?.label ?? id;

  const exportCsv = async (): Promise<void> => {
    setCsvError(null);
    try {
      const csv = await apiRequest<string>(token, '/history', { query: { ...query, format: 'csv' }, text: true });
      saveText(csv, `attempts-${formatFileStamp(Date.now())}.csv`, 'text/csv');
    } catch (err) {
      setCsvError(`CSV export failed: ${describeError(err)}`);
    }
  };

  return (
    <div>
      <h1>History</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter attempts">
        <label>
          Run
          <select value={runId} onChange={(e) => setRunId(e.target.value)}>
            <option value="">any</option>
            {runs.map((r) => <option key={r.id} value={r.id}>{r.label ?? r.imageName} ({r.id.slice(0, 8)})</option>)}
            {/* A run from the address that the feed's recent runs do not hold. */}
            {runId !== '' && !live.runs[runId] ? <option value={runId}>{runId.slice(0, 8)}</option> : null}
          </select>
        </label>
        <label>
          Drive
          <select value={driveId} onChange={(e) => setDriveId(e.target.value)}>
            <option value="">any</option>
            {live.driveOrder.map((id) => <option key={id} value={id}>{label(id)}</option>)}
          </select>
        </label>
        <label>
          Result
          <select value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">any</option>
            {OUTCOMES.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          At most
          <input type="number" min={1} max={10000} value={limit} onChange={(e) => setLimit(e.target.value)} className="narrow" />
        </label>
        <button type="button" className="btn" onClick={() => void exportCsv()}>Export CSV</button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            history.reload();
            stats.reload();
          }}
        >
          Refresh
        </button>
      </form>
      <ErrorBox error={csvError} onDismiss={() => setCsvError(null)} />
      <ErrorBox error={history.error ? `Could not load history: ${history.error}` : null} />

      <h2>Per drive</h2>
      <ErrorBox error={stats.error ? `Could not load drive statistics: ${stats.error}` : null} />
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Drive</th><th scope="col">Discs</th><th scope="col">Passed</th><th scope="col">Failed</th>
              <th scope="col">Failure rate</th><th scope="col">Written</th><th scope="col">Failures over the period shown</th><th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {(stats.data ?? []).map((s) => (
              <tr key={s.driveId}>
                <td><Link href={`/drive/?id=${encodeURIComponent(s.driveId)}`} prefetch={false}>{label(s.driveId)}</Link></td>
                <td>{s.discs}</td><td>{s.passed}</td><td>{s.failed}</td>
                <td>{formatRatioPercent(s.failureRate)}</td>
                <td>{formatBytes(s.totalBytes)}</td>
                <td><Spark values={buckets.failures.get(s.driveId) ?? new Array<number>(24).fill(0)} max={buckets.max} label={label(s.driveId)} /></td>
                <td>{s.lastError ? `${s.lastError.code}: ${s.lastError.message} (${formatDateTime(s.lastError.at)})` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Attempts ({attempts.length}{history.loading ? ', loading…' : ''})</h2>
      <div className="table-scroll">
        <table className="table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">Ended</th><th scope="col">Run</th><th scope="col">Copy</th><th scope="col">Drive</th><th scope="col">Media</th>
              <th scope="col">Result</th><th scope="col">Verify</th><th scope="col">Speed</th><th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr key={a.id} className={`outcome-${a.outcome ?? 'open'}`}>
                <td>{formatDateTime(a.endedAt ?? a.startedAt)}</td>
                <td>{a.runLabel ?? live.runs[a.runId]?.label ?? live.runs[a.runId]?.imageName ?? a.runId.slice(0, 8)}</td>
                <td>{a.copy}{a.merge ? <span className="muted"> · {a.merge.label}</span> : null}{a.set ? <span className="muted"> · {a.set.label}</span> : null}</td>
                <td>{live.drives[a.driveId]?.label ?? a.driveLabel ?? a.driveId}</td>
                <td>{a.mediaType ?? '—'}</td>
                <td>
                  <span className={`pill pill-${a.outcome ?? 'open'}`}>{a.outcome ?? 'open'}</span>
                  {a.surplus ? ' surplus' : ''}
                </td>
                <td>{a.verifyResult ?? a.verifyPolicy}</td>
                <td>{formatSpeedX(a.averageSpeedX)}</td>
                <td>{a.error ? `${a.error.code}: ${a.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export default function HistoryPage(): ReactNode {
  return (
    <Suspense fallback={<p className="empty-note">Loading…</p>}>
      <HistoryInner />
    </Suspense>
  );
}
