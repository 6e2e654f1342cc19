'use client';
/**
 * The blank stock on the tower page: per media type what is on hand,
 * received, used (each disc written), wasted (coasters) and adjusted, and
 * the low-stock level, a LOW mark where the stock is at or below it. An
 * operator records blanks received, corrects a count with a reason (kept
 * in the audit log) and sets a type's low-stock level (`/api/stock/…`).
 */
import type { FormEvent, ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { apiRequest, describeError } from '../lib/api';
import { useAuth } from '../lib/auth';
import type { StockLevelView } from '../lib/contract';
import { useApi } from '../lib/use-api';
import { ErrorBox } from './ErrorBox';

/** The media types the stock counts (the API's list). */
const TYPES = ['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-RAM', 'DVD-R DL', 'DVD+R DL', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL'] as const;

/** How often the panel reads the stock again, ms (discs are used as they burn). */
const REFRESH_MS = 10_000;

type Action = 'received' | 'adjust' | 'threshold';

/** The stock table and, for operators, its forms. */
export function StockPanel(): ReactNode {
  const { token, isOperator } = useAuth();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  const stock = useApi<StockLevelView[]>('/stock', {}, [tick]);
  const [action, setAction] = useState<Action>('received');
  const [type, setType] = useState<string>('DVD-R');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const n = Number(amount);
    const body = action === 'received' ? { mediaType: type, count: n }
      : action === 'adjust' ? { mediaType: type, delta: n, reason }
        : { mediaType: type, threshold: amount.trim() === '' ? null : n };
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const level = await apiRequest<StockLevelView>(token, `/stock/${action}`, { method: 'POST', body });
      setNote(`${level.mediaType}: ${level.onHand} on hand${level.threshold === null ? '' : `, low at ${level.threshold}`}.`);
      setAmount('');
      setReason('');
      stock.reload();
    } catch (err) {
      setError(`Could not change the ${type} stock: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const levels = stock.data ?? [];
  return (
    <section className="card" aria-labelledby="stock-heading">
      <h2 id="stock-heading">Blank stock</h2>
      {levels.length === 0 ? (
        <p className="muted">No blank stock counted yet{isOperator ? ': record a delivery below.' : '.'}</p>
      ) : (
        <div className="table-scroll"><table className="table" data-testid="stock-table">
          <thead>
            <tr><th>Type</th><th>On hand</th><th>Received</th><th>Used</th><th>Wasted</th><th>Adjusted</th><th>Low at</th></tr>
          </thead>
          <tbody>
            {levels.map((l) => (
              <tr key={l.mediaType}>
                <td>{l.mediaType}</td>
                <td>{l.onHand} {l.low ? <span className="badge badge-bad">Low</span> : null}</td>
                <td>{l.received}</td><td>{l.used}</td><td>{l.wasted}</td><td>{l.adjusted}</td><td>{l.threshold ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {isOperator ? (
        <form className="row" onSubmit={(e) => void submit(e)} aria-label="Change the blank stock">
          <label htmlFor="stock-action">Change</label>
          <select id="stock-action" value={action} onChange={(e) => setAction(e.target.value as Action)}>
            <option value="received">Blanks received</option>
            <option value="adjust">Correct by hand</option>
            <option value="threshold">Low-stock level</option>
          </select>
          <label htmlFor="stock-type">Type</label>
          <select id="stock-type" value={type} onChange={(e) => setType(e.target.value)}>
            {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
          <label htmlFor="stock-amount">{action === 'received' ? 'Count' : action === 'adjust' ? 'By (±)' : 'Level (empty: none)'}</label>
          <input id="stock-amount" inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} size={8} required={action !== 'threshold'} />
          {action === 'adjust' ? (
            <>
              <label htmlFor="stock-reason">Reason</label>
              <input id="stock-reason" value={reason} onChange={(e) => setReason(e.target.value)} minLength={3} maxLength={200} required />
            </>
          ) : null}
          <button type="submit" className="btn" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
        </form>
      ) : null}
      {note ? <p role="status" className="ok-note">{note}</p> : null}
      <ErrorBox error={error ?? (stock.error ? `Could not load the blank stock: ${stock.error}` : null)} onDismiss={() => setError(null)} />
    </section>
  );
}
