'use client';
/**
 * The label print log on the alerts page: each try at printing a disc's
 * label (copy n of N) or a failed disc's REJECT label on the configured CUPS
 * queue, newest first (`GET /api/labels/prints`). A print given up is also
 * an alert (`label-print-failed`); runs go on regardless.
 */
import type { ReactNode } from 'react';
import type { LabelPrint } from '../lib/contract';
import { formatDateTime } from '../lib/units';
import { useApi } from '../lib/use-api';
import { ErrorBox } from './ErrorBox';

const STATUS_WORDS = { printed: 'Printed', retrying: 'Failed, will try again', failed: 'Failed, given up' } as const;

/** The print log; `tick` reads it again. */
export function LabelPrintsPanel({ tick }: { readonly tick: number }): ReactNode {
  const prints = useApi<LabelPrint[]>('/labels/prints', { query: { limit: 100 } }, [tick]);
  const list = prints.data ?? [];
  return (
    <section className="card" aria-labelledby="label-prints">
      <h2 id="label-prints">Label prints</h2>
      {list.length === 0 ? <p className="muted">No label printed yet (runs print labels with printLabels, on the printer in tower.json printing).</p> : (
        <div className="table-scroll"><table className="table" data-testid="label-prints">
          <thead><tr><th>At</th><th>Run</th><th>Label</th><th>Queue</th><th>Try</th><th>Result</th></tr></thead>
          <tbody>
            {list.map((p) => (
              <tr key={`${p.attemptId}-${p.attempt}`}>
                <td>{formatDateTime(p.at)}</td><td>{p.runId.slice(0, 8)}</td>
                <td>{p.kind === 'reject' ? 'REJECT' : `Copy ${p.copy ?? '?'} of ${p.copies}`}</td><td>{p.queue}</td><td>{p.attempt}</td>
                <td>{STATUS_WORDS[p.status]}{p.error ? ` — ${p.error}` : p.jobId ? ` (${p.jobId})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      <ErrorBox error={prints.error} />
    </section>
  );
}
