/**
 * When is what the screen shows no longer live? Pure; tested in test/staleness.test.ts.
 */
import type { LiveState } from './live-store';
import { isActive } from './states';

/** Silence this long while drives are working marks the data stale. */
export const SILENCE_MS = 10_000;

export type Freshness =
  | { readonly stale: false }
  | { readonly stale: true; readonly reason: 'connecting' | 'disconnected' | 'silent'; readonly since: number | null };

export function freshness(
  s: Pick<LiveState, 'connection' | 'lastEventAt' | 'snapshotAt' | 'drives'>,
  now: number,
  silenceMs: number = SILENCE_MS,
): Freshness {
  if (s.connection !== 'connected') {
    return { stale: true, reason: s.snapshotAt === null ? 'connecting' : 'disconnected', since: s.lastEventAt };
  }
  if (s.snapshotAt === null) return { stale: true, reason: 'connecting', since: null };
  const anyActive = Object.values(s.drives).some((d) => isActive(d.state));
  if (anyActive && s.lastEventAt !== null && now - s.lastEventAt > silenceMs) {
    return { stale: true, reason: 'silent', since: s.lastEventAt };
  }
  return { stale: false };
}
