'use client';
/**
 * The audit log: every change made through the API, with who made it and
 * when, newest first (`GET /api/audit`, operators only). Filters: an action
 * (or its first word: `run` for every run action), who, and a time range;
 * pages of 50, 100 or 200. The first page is read again every few seconds;
 * an older page keeps the newest time of the first page as its end, so new
 * entries do not shift it.
 */
import Link from 'next/link';
import type { FormEvent, ReactNode } from 'react';
import { useEffect, useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useAuth } from '../../lib/auth';
import type { AuditEntry } from '../../lib/contract';
import { fromLocalInput } from '../../lib/format';
import { formatDateTime } from '../../lib/units';
import { useApi } from '../../lib/use-api';

/** How often the first page is read again, ms. */
const REFRESH_MS = 5_000;
const PAGE_SIZES = [50, 100, 200] as const;
/** Actions the controller records, and their first words, for the action field's suggestions. */
const KNOWN_ACTIONS = [
  'run', 'run.create', 'run.pause', 'run.resume', 'run.cancel',
  'drive', 'drive.eject', 'drive.quarantine', 'drive.release', 'drive.insert', 'drive.loader',
  'image', 'image.import', 'image.upload', 'image.rename', 'image.delete',
  'template', 'template.create', 'template.update', 'template.delete',
  'stock', 'stock.receive', 'stock.adjust', 'stock.threshold',
  'master.start', 'screen', 'screen.pair', 'screen.claim', 'screen.revoke',
] as const;
/** What the API takes as an action (its AuditQuery pattern). */
const ACTION_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/;

interface Filters {
  readonly action: string;
  readonly who: string;
  readonly from: string;
  readonly to: string;
}

const NO_FILTERS: Filters = { action: '', who: '', from: '', to: '' };

/** Why the filters cannot be asked for, or null. */
function filterProblem(f: Filters): string | null {
  if (f.action.trim() !== '' && !ACTION_PATTERN.test(f.action.trim())) return 'Action: lower-case words joined by dots, e.g. run or run.create';
  const from = fromLocalInput(f.from);
  const to = fromLocalInput(f.to);
  if (from !== null && to !== null && from > to) return 'From is after To';
  return null;
}

/** An entry's detail (JSON of the change, or words) as `key: value` pairs. */
function detailWords(detail: string): string {
  if (!detail.startsWith('{')) return detail;
  try {
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    return Object.entries(parsed).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  } catch {
    return detail;
  }
}

/** The page an entry's target has, if any. */
function targetHref(e: AuditEntry): string | null {
  const id = encodeURIComponent(e.target);
  if (e.action.startsWith('drive.')) return `/drive/?id=${id}`;
  if (e.action.startsWith('image.') && e.action !== 'image.delete') return `/images/?id=${id}`;
  if (e.action.startsWith('run.')) return `/history/?runId=${id}`;
  return null;
}

export default function AuditPage(): ReactNode {
  const { who } = useAuth();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [problem, setProblem] = useState<string | null>(null);
  const [pageSize, setPageSize] = useState<number>(100);
  const [page, setPage] = useState(0);
  /** The end of the older pages: the newest time of the first page when paging began. */
  const [pinnedTo, setPinnedTo] = useState<number | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (page !== 0) return;
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, [page]);

  const query = useMemo(() => ({
    action: applied.action.trim(),
    who: applied.who.trim(),
    from: fromLocalInput(applied.from),
    to: page > 0 && pinnedTo !== null ? pinnedTo : fromLocalInput(applied.to),
    offset: page * pageSize,
    // One more than shown: whether an older page exists.
    limit: pageSize + 1,
  }), [applied, page, pageSize, pinnedTo]);
  const operator = who?.role === 'operator';
  const audit = useApi<AuditEntry[]>(operator ? '/audit' : null, { query }, [tick]);
  const rows = (audit.data ?? []).slice(0, pageSize);
  const hasOlder = (audit.data?.length ?? 0) > pageSize;

  const apply = (e: FormEvent): void => {
    e.preventDefault();
    const p = filterProblem(draft);
    setProblem(p);
    if (p !== null) return;
    setApplied(draft);
    setPage(0);
    setPinnedTo(null);
  };
  const older = (): void => {
    if (page === 0) setPinnedTo(rows[0]?.at ?? null);
    setPage((n) => n + 1);
  };
  const whoSeen = useMemo(() => [...new Set((audit.data ?? []).map((e) => e.who))].sort(), [audit.data]);

  if (who !== null && !operator) {
    return (
      <>
        <h1>Audit log</h1>
        <p className="empty-note">The audit log is for operators: this sign-in is a {who.role}.</p>
      </>
    );
  }
  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Every change made through the API or the screens: who, when, what and on what. Newest first.</p>
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        <label>
          Action
          <input type="text" list="audit-actions" value={draft.action} placeholder="any, or e.g. run" onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
        </label>
        <datalist id="audit-actions">{KNOWN_ACTIONS.map((a) => <option key={a} value={a} />)}</datalist>
        <label>
          Who
          <input type="text" list="audit-who" value={draft.who} placeholder="anyone" onChange={(e) => setDraft({ ...draft, who: e.target.value })} />
        </label>
        <datalist id="audit-who">{whoSeen.map((w) => <option key={w} value={w} />)}</datalist>
        <label>
          From
          <input type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          To
          <input type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <label>
          Per page
          <select value={pageSize} onChange={(e) => { setPageSize(Number(e.target.value)); setPage(0); setPinnedTo(null); }}>
            {PAGE_SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <button type="submit" className="btn btn-primary">Show</button>
        <button type="button" className="btn btn-ghost" onClick={() => { setDraft(NO_FILTERS); setApplied(NO_FILTERS); setProblem(null); setPage(0); setPinnedTo(null); }}>
          Clear
        </button>
      </form>
      <ErrorBox error={problem} onDismiss={() => setProblem(null)} />
      <ErrorBox error={audit.error ? `Could not read the audit log: ${audit.error}` : null} />
      <p data-testid="audit-range">
        {rows.length === 0 ? (audit.loading ? 'Loading…' : 'No entry matches.') : `Entries ${page * pageSize + 1}–${page * pageSize + rows.length}, newest first${page === 0 ? ' (kept up to date)' : ''}`}
      </p>
      {rows.length === 0 ? null : (
        <div className="table-scroll">
          <table className="table" data-testid="audit-table">
            <thead><tr><th scope="col">At</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">On</th><th scope="col">Detail</th></tr></thead>
            <tbody>
              {rows.map((e, i) => {
                const href = targetHref(e);
                return (
                  <tr key={`${e.at}-${i}-${e.action}-${e.target}`}>
                    <td>{formatDateTime(e.at)}</td>
                    <td>{e.who} <span className={`role role-${e.role}`}>{e.role}</span></td>
                    <td>{e.action}</td>
                    <td>{href ? <Link href={href} prefetch={false}>{e.target}</Link> : e.target}</td>
                    <td className="audit-detail">{detailWords(e.detail)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        <button type="button" className="btn" disabled={page === 0} onClick={() => setPage((n) => Math.max(0, n - 1))}>Newer</button>
        <button type="button" className="btn" disabled={!hasOlder} onClick={older}>Older</button>
        {page > 0 ? <button type="button" className="btn btn-ghost" onClick={() => { setPage(0); setPinnedTo(null); }}>Newest</button> : null}
      </div>
    </>
  );
}
