'use client';
/**
 * Alerts: the conditions that hold now (a drive that needs a person, a
 * loader out of blanks or with a full reject bin, a quarantine, a silent
 * agent, low blank stock), the latest alerts raised, cleared and sent (a
 * run's end), and the delivery log: each try at delivering an alert by
 * webhook or email (`GET /api/alerts`, `GET /api/alerts/deliveries`), and
 * the label print log (LabelPrintsPanel).
 */
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { LabelPrintsPanel } from '../../components/LabelPrintsPanel';
import type { AlertDelivery, AlertsOverviewView } from '../../lib/contract';
import { formatDateTime } from '../../lib/units';
import { useApi } from '../../lib/use-api';

/** How often the page reads the alerts again, ms. */
const REFRESH_MS = 5_000;

const KIND_WORDS = { raised: 'Raised', cleared: 'Cleared', event: 'Event' } as const;

export default function AlertsPage(): ReactNode {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  const overview = useApi<AlertsOverviewView>('/alerts', {}, [tick]);
  const deliveries = useApi<AlertDelivery[]>('/alerts/deliveries', { query: { limit: 200 } }, [tick]);
  const active = overview.data?.active ?? [];
  const recent = overview.data?.recent ?? [];
  const tries = deliveries.data ?? [];
  return (
    <>
      <h1>Alerts</h1>
      <section className="card" aria-labelledby="alerts-now">
        <h2 id="alerts-now">Needs attention now</h2>
        {active.length === 0 ? <p className="muted">Nothing needs a person now.</p> : (
          <div className="table-scroll"><table className="table" data-testid="alerts-active">
            <thead><tr><th>Since</th><th>Condition</th><th>What</th></tr></thead>
            <tbody>
              {active.map((a) => <tr key={a.key}><td>{formatDateTime(a.at)}</td><td>{a.condition}</td><td>{a.message}</td></tr>)}
            </tbody>
          </table></div>
        )}
      </section>
      <section className="card" aria-labelledby="alerts-recent">
        <h2 id="alerts-recent">Latest alerts</h2>
        {recent.length === 0 ? <p className="muted">No alert yet.</p> : (
          <div className="table-scroll"><table className="table" data-testid="alerts-recent">
            <thead><tr><th>At</th><th>Kind</th><th>Condition</th><th>What</th></tr></thead>
            <tbody>
              {recent.map((a) => <tr key={a.id}><td>{formatDateTime(a.at)}</td><td>{KIND_WORDS[a.kind]}</td><td>{a.condition}</td><td>{a.message}</td></tr>)}
            </tbody>
          </table></div>
        )}
      </section>
      <section className="card" aria-labelledby="alerts-deliveries">
        <h2 id="alerts-deliveries">Delivery log</h2>
        <p className="muted">Each try at sending an alert by webhook or email. A receiver that fails is tried again after a growing wait, then given up; runs go on regardless.</p>
        {tries.length === 0 ? <p className="muted">No delivery yet (no webhook or email configured, or nothing alerted).</p> : (
          <div className="table-scroll"><table className="table" data-testid="alerts-deliveries">
            <thead><tr><th>At</th><th>Channel</th><th>To</th><th>Alert</th><th>Try</th><th>Result</th></tr></thead>
            <tbody>
              {tries.map((d) => (
                <tr key={`${d.alertId}-${d.channel}-${d.target}-${d.attempt}`}>
                  <td>{formatDateTime(d.at)}</td><td>{d.channel}</td><td>{d.target}</td><td>{d.kind} {d.key}</td><td>{d.attempt}</td>
                  <td>
                    {d.status === 'delivered' ? 'Delivered' : d.status === 'retrying' ? `Failed, again at ${formatDateTime(d.nextAt)}` : 'Failed, given up'}
                    {d.error ? ` — ${d.error}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table></div>
        )}
      </section>
      <LabelPrintsPanel tick={tick} />
      <ErrorBox error={overview.error ?? deliveries.error} />
    </>
  );
}
