'use client';
/**
 * The production report (`GET /api/reports/production`): good discs,
 * coasters, yield and blanks by day, shift, operator or drive, as a bar
 * chart (plain SVG) and a table, with a CSV export. Days and shifts are
 * counted in the controller's time zone (the report names it).
 */
import type { ReactNode } from 'react';
import { useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { saveText } from '../../components/RunCard';
import { apiRequest, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { ProductionReportRowView, ProductionReportView, ReportGroupingName } from '../../lib/contract';
import { formatCount, formatFileStamp, formatIsoDay, formatRatioPercent, zonedParts } from '../../lib/units';
import { useApi } from '../../lib/use-api';

const GROUPINGS: readonly { readonly value: ReportGroupingName; readonly label: string }[] = [
  { value: 'day', label: 'Day' }, { value: 'shift', label: 'Shift' }, { value: 'operator', label: 'Operator' }, { value: 'drive', label: 'Drive' },
];

/** `YYYY-MM-DD` of `days` days before today, in the browser's zone. */
function dayBefore(days: number): string {
  return formatIsoDay(zonedParts(Date.now() - days * 86_400_000));
}

const media = (m: Readonly<Record<string, number>>): string => Object.entries(m).map(([t, n]) => `${t} ${formatCount(n)}`).join(', ') || '—';

/** Good discs and coasters per row as stacked bars, the yield under each. */
export function ProductionChart({ rows }: { readonly rows: readonly ProductionReportRowView[] }): ReactNode {
  const barW = 36;
  const gap = 14;
  const h = 160;
  const top = 14;
  const w = Math.max(200, rows.length * (barW + gap) + gap);
  const max = Math.max(1, ...rows.map((r) => r.passed + r.coasters));
  const y = (n: number): number => (n / max) * (h - top);
  return (
    <svg className="report-chart" viewBox={`0 0 ${w} ${h + 34}`} width={w} height={h + 34} role="img" aria-label={`Chart: good discs and coasters, ${rows.length} bar${rows.length === 1 ? '' : 's'}`} data-testid="report-chart">
      <line x1="0" y1={h + 0.5} x2={w} y2={h + 0.5} stroke="var(--line)" />
      {rows.map((r, i) => {
        const x = gap + i * (barW + gap);
        return (
          <g key={r.key} data-key={r.key}>
            <title>{`${r.label}: ${r.passed} good, ${r.coasters} coasters, yield ${r.yield === null ? '—' : formatRatioPercent(r.yield)}`}</title>
            <rect x={x} y={h - y(r.passed)} width={barW} height={y(r.passed)} fill="var(--ok)" data-part="good" />
            <rect x={x} y={h - y(r.passed) - y(r.coasters)} width={barW} height={y(r.coasters)} fill="var(--bad)" data-part="coasters" />
            <text x={x + barW / 2} y={h - y(r.passed + r.coasters) - 3} textAnchor="middle" fontSize="10" fill="var(--text)">{r.passed + r.coasters}</text>
            <text x={x + barW / 2} y={h + 13} textAnchor="middle" fontSize="9" fill="var(--muted)">{r.key.length > 10 ? `${r.key.slice(0, 9)}…` : r.key}</text>
            <text x={x + barW / 2} y={h + 26} textAnchor="middle" fontSize="9" fill="var(--text)">{r.yield === null ? '—' : formatRatioPercent(r.yield)}</text>
          </g>
        );
      })}
    </svg>
  );
}

export default function ReportsPage(): ReactNode {
  const { token } = useAuth();
  const [by, setBy] = useState<ReportGroupingName>('day');
  const [from, setFrom] = useState(() => dayBefore(6));
  const [to, setTo] = useState(() => dayBefore(0));
  const [csvError, setCsvError] = useState<string | null>(null);
  const query = useMemo(() => ({ by, from, to }), [by, from, to]);
  const report = useApi<ProductionReportView>('/reports/production', { query });
  const data = report.data;

  const exportCsv = async (): Promise<void> => {
    setCsvError(null);
    try {
      const csv = await apiRequest<string>(token, '/reports/production', { query: { ...query, format: 'csv' }, text: true });
      saveText(csv, `production-by-${by}-${formatFileStamp(Date.now())}.csv`, 'text/csv');
    } catch (err) {
      setCsvError(`CSV export failed: ${describeError(err)}`);
    }
  };

  return (
    <div>
      <h1>Production report</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Report settings">
        <label>
          By
          <select id="report-by" value={by} onChange={(e) => setBy(e.target.value as ReportGroupingName)}>
            {GROUPINGS.map((g) => <option key={g.value} value={g.value}>{g.label}</option>)}
          </select>
        </label>
        <label>
          From
          <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          To
          <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <button type="button" className="btn" onClick={() => void exportCsv()}>Export CSV</button>
        <button type="button" className="btn btn-ghost" onClick={report.reload}>Refresh</button>
      </form>
      <ErrorBox error={csvError} onDismiss={() => setCsvError(null)} />
      <ErrorBox error={report.error ? `Could not load the report: ${report.error}` : null} />
      {data ? (
        <>
          <p className="muted" data-testid="report-totals">
            {formatCount(data.totals.passed)} good discs, {formatCount(data.totals.coasters)} coasters
            {data.totals.surplus > 0 ? ` (${formatCount(data.totals.surplus)} surplus)` : ''}, yield {data.totals.yield === null ? '—' : formatRatioPercent(data.totals.yield)};
            blanks {media(data.totals.mediaUsed)}. Days and shifts in {data.timeZone}
            {by === 'shift' ? `; shifts ${data.shifts.map((s) => `${s.name} ${s.start}–${s.end}`).join(', ')}` : ''}.
          </p>
          {data.rows.length === 0 ? <p className="empty-note">No discs were burned in this period.</p> : (
            <div className="table-scroll"><ProductionChart rows={data.rows} /></div>
          )}
          <div className="table-scroll">
            <table className="table" data-testid="report-table">
              <thead>
                <tr>
                  <th scope="col">{GROUPINGS.find((g) => g.value === data.by)?.label}</th><th scope="col">Good</th><th scope="col">Coasters</th>
                  <th scope="col">Yield</th><th scope="col">Blanks</th><th scope="col">Drives (good / coasters)</th><th scope="col">Runs</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.key}>
                    <td>{r.label}</td>
                    <td>{formatCount(r.passed)}{r.surplus > 0 ? ` (${r.surplus} surplus)` : ''}</td>
                    <td>{formatCount(r.coasters)}</td>
                    <td>{r.yield === null ? '—' : formatRatioPercent(r.yield)}</td>
                    <td>{media(r.mediaUsed)}</td>
                    <td>{r.drives.map((d) => `${d.driveLabel ?? d.driveId} ${d.passed} / ${d.coasters}`).join(', ')}</td>
                    <td>{r.runLabels.join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : report.loading ? <p className="empty-note">Loading…</p> : null}
    </div>
  );
}
