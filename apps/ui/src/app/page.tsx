'use client';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { AttentionSummary } from '../components/AttentionSummary';
import { RunProgress } from '../components/RunCard';
import { StockPanel } from '../components/StockPanel';
import { TowerGrid } from '../components/TowerGrid';
import { formatEta, formatRate } from '../lib/units';
import { useLiveSelect } from '../lib/live';
import { activeRuns, selectRuns } from '../lib/live-store';
import { RUN_STATUS_LABEL } from '../lib/states';

function ActiveRunsStrip(): ReactNode {
  // Re-rendered when a run changes, not with every drive's progress.
  const runs = useLiveSelect(selectRuns);
  const list = activeRuns(runs);
  if (list.length === 0) {
    return (
      <p className="muted">
        No active runs. <Link href="/runs/">Start one on the Runs page.</Link>
      </p>
    );
  }
  return (
    <ul className="run-strip" aria-label="Active runs">
      {list.map((r) => (
        <li key={r.id} className={`run-chip run-${r.status}`}>
          <Link href="/runs/">
            <strong>{r.label ?? r.imageName}</strong> <span className={`run-status status-${r.status}`}>{RUN_STATUS_LABEL[r.status]}</span>
            <span className="chip-counts">
              {r.set ? `${r.set.setsDone}/${r.set.sets} sets · ` : ''}{r.passed}/{r.copies} passed · {r.failed} failed · {r.inProgress} burning · {formatRate(r.discsPerHour)} · ETA {formatEta(r.etaSeconds)}
            </span>
          </Link>
          <RunProgress run={r} />
        </li>
      ))}
    </ul>
  );
}

export default function TowerPage(): ReactNode {
  return (
    <>
      <h1 className="visually-hidden">Tower</h1>
      <AttentionSummary />
      <ActiveRunsStrip />
      <TowerGrid />
      <StockPanel />
    </>
  );
}
