'use client';
/** A banner nobody can miss when the screen's data is not live. */
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { formatAgo } from '../lib/units';
import { useFreshness, useLiveSelect } from '../lib/live';
import type { LiveState } from '../lib/live-store';

export function StaleBanner(): ReactNode {
  const fresh = useFreshness();
  const connectionError = useLiveSelect(selectConnectionError);
  const connects = useLiveSelect(selectConnects);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!fresh.stale) return;
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, [fresh.stale]);
  if (!fresh.stale) return null;
  if (fresh.reason === 'connecting' && connects === 0 && !connectionError) {
    return (
      <div className="banner banner-info" role="status" data-testid="connecting-banner">
        Connecting to the controller…
      </div>
    );
  }
  const what = fresh.reason === 'silent'
    ? 'No news from the controller while drives are working.'
    : `Not connected to the controller${connectionError ? `: ${connectionError}` : ''}.`;
  return (
    <div className="banner banner-stale" role="alert" data-testid="stale-banner">
      <strong>STALE</strong>
      <span>
        {what} Last update {formatAgo(fresh.since, now)}. Reconnecting by itself…
      </span>
    </div>
  );
}

const selectConnectionError = (s: LiveState): string | null => s.connectionError;
const selectConnects = (s: LiveState): number => s.connects;
