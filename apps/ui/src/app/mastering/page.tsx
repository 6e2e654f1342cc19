'use client';
import Link from 'next/link';
import type { FormEvent, ReactNode } from 'react';
import { useEffect, useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { apiRequest, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { DriveView, MasterRequest, MasterView } from '../../lib/contract';
import { clampPercent, formatBytes, formatDateTime, formatEta, formatMBps } from '../../lib/units';
import { useLive, useLiveActions } from '../../lib/live';
import { useApi } from '../../lib/use-api';

function MasterForm(): ReactNode {
  const { token } = useAuth();
  const { drives, driveOrder } = useLive();
  const { mergeMasters } = useLiveActions();
  const [driveId, setDriveId] = useState('');
  const [name, setName] = useState('');
  const [format, setFormat] = useState<'' | 'iso' | 'bin-cue'>('');
  const [allowDamaged, setAllowDamaged] = useState(false);
  const [retries, setRetries] = useState('3');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listed = driveOrder.map((id) => drives[id]).filter((d): d is DriveView => d !== undefined);
  const ready = listed.filter((d) => d.canMaster === true);
  const notReady = listed.filter((d) => d.canMaster !== true);
  // A chosen drive that can no longer be mastered from (it started burning, say) is not sent.
  const chosen = ready.some((d) => d.id === driveId) ? driveId : '';

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body: MasterRequest = { driveId: chosen, name: name.trim(), allowDamaged, retries: Number(retries), ...(format ? { format } : {}) };
    try {
      const m = await apiRequest<MasterView>(token, '/masters', { method: 'POST', body });
      mergeMasters([m]);
    } catch (err) {
      setError(`Could not start the read: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form card" onSubmit={(e) => void submit(e)} aria-labelledby="new-master">
      <h2 id="new-master">Read a master disc</h2>
      <div className="form-grid">
        <label htmlFor="m-drive">Source drive</label>
        <select id="m-drive" value={chosen} onChange={(e) => setDriveId(e.target.value)} required>
          <option value="">{ready.length > 0 ? 'choose a drive holding the master…' : 'no drive holds a disc to master'}</option>
          {/* Drives that can be mastered from now first; the others disabled, with the reason. */}
          {[...ready, ...notReady].map((d) => (
            <option key={d.id} value={d.id} disabled={d.canMaster !== true}>
              {d.label} — {d.canMaster === true ? `${d.mediaType ?? 'disc'} ready to master` : `cannot master: ${d.cannotMasterReason ?? d.state}`}
            </option>
          ))}
        </select>
        {ready.length === 0 ? (
          <p className="muted form-wide">Put a disc into a drive first; on a simulated drive, use Insert disc on its page.</p>
        ) : null}
        <label htmlFor="m-name">Image name</label>
        <input id="m-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="product-v2" />
        <label htmlFor="m-format">Format</label>
        <select id="m-format" value={format} onChange={(e) => setFormat(e.target.value as '' | 'iso' | 'bin-cue')}>
          <option value="">From the disc (ISO for one data track, else BIN/CUE)</option>
          <option value="iso">ISO</option>
          <option value="bin-cue">BIN/CUE</option>
        </select>
        <label htmlFor="m-retries">Re-reads per bad sector</label>
        <input id="m-retries" type="number" min={0} max={20} value={retries} onChange={(e) => setRetries(e.target.value)} />
        <span className="form-label">Damage</span>
        <label className="check">
          <input type="checkbox" checked={allowDamaged} onChange={(e) => setAllowDamaged(e.target.checked)} /> Accept a master with unreadable sectors (marked damaged)
        </label>
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy || !chosen || name.trim() === ''}>{busy ? 'Starting…' : 'Start reading'}</button>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </form>
  );
}

function MasterCard({ m, driveLabel }: { readonly m: MasterView; readonly driveLabel: string }): ReactNode {
  const pct = m.bytesTotal > 0 ? clampPercent((m.bytesRead / m.bytesTotal) * 100) : 0;
  return (
    <article className={`card master master-${m.status}`} aria-label={`Master ${m.name}`}>
      <header className="run-head">
        <h3>{m.name}</h3>
        <span className={`run-status status-${m.status}`}>{m.status}</span>
      </header>
      <p className="run-meta">from {driveLabel} · started {formatDateTime(m.startedAt)}{m.endedAt ? ` · ended ${formatDateTime(m.endedAt)}` : ''}</p>
      <div className="bar" role="progressbar" aria-label={`${m.name} read progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(pct)}>
        <span className="bar-fill" style={{ transform: `scaleX(${pct / 100})` }} />
      </div>
      <p>
        {formatBytes(m.bytesRead)} of {formatBytes(m.bytesTotal)} ({Math.floor(pct)}%) · {formatMBps(m.speedMBps)} · ETA {formatEta(m.etaSeconds)}
      </p>
      {m.unreadableSectors > 0 ? (
        <div className="warn-note">
          <strong>{m.unreadableSectors} unreadable sector{m.unreadableSectors === 1 ? '' : 's'}</strong>
          <ul>
            {m.damage.map((r) => (
              <li key={r.startSector}>sectors {r.startSector}–{r.startSector + r.sectors - 1} ({r.sectors})</li>
            ))}
          </ul>
        </div>
      ) : null}
      {m.error ? <p className="error-box" role="alert">{m.error.code}: {m.error.message}</p> : null}
      {m.imageId ? <p><Link href={`/images/?id=${encodeURIComponent(m.imageId)}`}>Open the image in the library</Link></p> : null}
    </article>
  );
}

export default function MasteringPage(): ReactNode {
  const { isOperator } = useAuth();
  const live = useLive();
  const { mergeMasters } = useLiveActions();
  const list = useApi<MasterView[]>('/masters', {}, [live.connects]);
  useEffect(() => {
    if (list.data) mergeMasters(list.data);
  }, [list.data, mergeMasters]);
  const masters = useMemo(() => Object.values(live.masters).sort((a, b) => b.startedAt - a.startedAt), [live.masters]);

  return (
    <div>
      <h1>Mastering</h1>
      {isOperator ? <MasterForm /> : null}
      <ErrorBox error={list.error ? `Could not load masters: ${list.error}` : null} />
      <h2>Reads</h2>
      {masters.length === 0 ? <p className="muted">No master reads yet.</p> : null}
      <div className="run-list">
        {masters.map((m) => (
          <MasterCard key={m.id} m={m} driveLabel={live.drives[m.driveId]?.label ?? m.driveId} />
        ))}
      </div>
    </div>
  );
}
