'use client';
/**
 * The wall screen: read-only, large type, no controls. Open `/shopfloor/`
 * on the screen (add `?sound=1` for the attention beep; the browser blocks it
 * until a tap, and says so, unless the kiosk runs Chromium with
 * `--autoplay-policy=no-user-gesture-required`): without a token of
 * its own it shows "Pair this screen" (Shell, PairScreen), where the code of
 * `tower screens pair --name <screen>` is entered once. A `?token=` in the
 * URL still works but is moved into storage and out of the address bar at once.
 */
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { RunCounts, RunProgress } from '../../components/RunCard';
import { TowerGrid } from '../../components/TowerGrid';
import { useFreshness, useLiveSelect } from '../../lib/live';
import { activeRuns, drivesNeedingPerson, selectRuns } from '../../lib/live-store';
import type { LiveState } from '../../lib/live-store';
import { RUN_STATUS_LABEL } from '../../lib/states';
import { formatClock } from '../../lib/units';

function Clock(): ReactNode {
  const [now, setNow] = useState<Date | null>(null);
  useEffect(() => {
    setNow(new Date());
    const id = window.setInterval(() => setNow(new Date()), 1000);
    return () => window.clearInterval(id);
  }, []);
  return <span className="wall-clock">{now ? formatClock(now) : ''}</span>;
}

const selectAttention = (s: LiveState): number => drivesNeedingPerson(s).length;
const selectWorking = (s: LiveState): number => Object.values(s.drives).filter((d) => d.state === 'burning' || d.state === 'verifying').length;

/** Re-rendered when its counts change, not with every frame of the feed. */
function WallHeader(): ReactNode {
  const attention = useLiveSelect(selectAttention);
  const working = useLiveSelect(selectWorking);
  const fresh = useFreshness();
  return (
    <header className="wall-head">
      <span className="wall-title">Duplication tower</span>
      <span className="wall-stat">{working} working</span>
      <span className={`wall-stat ${attention > 0 ? 'wall-stat-attn' : ''}`} data-testid="wall-attention-count">
        {attention} need{attention === 1 ? 's' : ''} a person
      </span>
      <span className={`live-dot ${fresh.stale ? 'is-stale' : 'is-live'}`} data-testid="live-indicator">
        <span className="dot" aria-hidden="true" />
        {fresh.stale ? (fresh.reason === 'connecting' ? 'CONNECTING' : 'STALE') : 'LIVE'}
      </span>
      <Clock />
    </header>
  );
}

function WallRuns(): ReactNode {
  const runs = useLiveSelect(selectRuns);
  const list = activeRuns(runs).slice(0, 4);
  if (list.length === 0) return <p className="wall-noruns">No active runs</p>;
  return (
    <section className="wall-runs" aria-label="Active runs">
      {list.map((r) => (
        <article key={r.id} className={`wall-run run-${r.status}`} data-run-id={r.id}>
          <header className="run-head">
            <h2>{r.label ?? r.imageName}</h2>
            <span className={`run-status status-${r.status}`}>{RUN_STATUS_LABEL[r.status]}</span>
          </header>
          <RunProgress run={r} />
          <RunCounts run={r} />
        </article>
      ))}
    </section>
  );
}

export default function ShopFloorPage(): ReactNode {
  return (
    <div className="wall-layout">
      <h1 className="visually-hidden">Shop floor</h1>
      <WallHeader />
      <div className="wall-tower">
        <TowerGrid wall />
      </div>
      <WallRuns />
    </div>
  );
}
