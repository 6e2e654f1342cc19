'use client';
/**
 * The tower: every drive as a tile, grouped by agent host, in physical order.
 *
 * The grid renders when the tower's shape changes (drives, agents, the
 * room), not with the feed: each tile reads its own drive from the live
 * store ({@link LiveDriveTile}), so a frame renders only the tiles whose
 * drive changed. A tile is a plain link; the grid follows a click on one in
 * the app (one handler, not a router link in each of 256 tiles).
 */
import type React from 'react';
import type { ReactNode } from 'react';
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { refitAll } from '../lib/fit-text';
import { bestColumns } from '../lib/layout';
import { useFreshness, useLiveSelect } from '../lib/live';
import { groupByAgent, runNameOf, sameGroups } from '../lib/live-store';
import type { LiveState } from '../lib/live-store';
import { tileUnitPx } from '../lib/tile-unit';
import { DriveTile } from './DriveTile';

/** Measures an element (ResizeObserver): the wall grid picks its columns from the room it has. */
function useSize(): [React.RefObject<HTMLDivElement | null>, { width: number; height: number }] {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const r = entries[0]?.contentRect;
      if (r) setSize((old) => (Math.abs(old.width - r.width) < 1 && Math.abs(old.height - r.height) < 1 ? old : { width: r.width, height: r.height }));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/** One drive's tile, re-rendered when that drive (or its run's name) changes. */
const LiveDriveTile = memo(function LiveDriveTile({ id, stale, href }: { readonly id: string; readonly stale: boolean; readonly href?: string }): ReactNode {
  const drive = useLiveSelect(useCallback((s: LiveState) => s.drives[id], [id]));
  const runId = drive?.runId ?? null;
  const runName = useLiveSelect(useCallback((s: LiveState) => runNameOf(s, runId), [runId]));
  if (drive === undefined) return null;
  return <DriveTile drive={drive} stale={stale} runName={runName} {...(href === undefined ? {} : { href })} />;
});

/** A plain left click on a tile's link (no modifier: those open a tab or a window as usual). */
function tileLinkOf(e: React.MouseEvent): string | null {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return null;
  const link = e.target instanceof Element ? e.target.closest<HTMLAnchorElement>('a.tile') : null;
  return link?.getAttribute('href') ?? null;
}

export function TowerGrid({ wall = false }: { readonly wall?: boolean }): ReactNode {
  const fresh = useFreshness();
  const groups = useLiveSelect(groupByAgent, sameGroups);
  const total = useLiveSelect(selectTotal);
  const snapshotAt = useLiveSelect(selectSnapshotAt);
  const router = useRouter();
  const [ref, size] = useSize();

  // Agent headings take a line each on the wall.
  const cols = wall && total > 0 ? bestColumns(total, size.width, size.height - groups.length * 34) : 0;
  // The tiles' room changed: their words and instructions are fitted again (only the wall's tiles take their height from the grid).
  const roomHeight = wall ? size.height : 0;
  useEffect(() => refitAll(), [size.width, roomHeight, cols]);
  // The tower page's tiles take their text unit from here, not from being containers (lib/tile-unit.ts).
  const [unit, setUnit] = useState<number | null>(null);
  const hasTiles = total > 0;
  useLayoutEffect(() => {
    const tile = wall || !hasTiles ? null : ref.current?.querySelector<HTMLElement>('.tile');
    const next = tile ? tileUnitPx(tile) : null;
    setUnit((old) => (old !== null && next !== null && Math.abs(old - next) < 0.001 ? old : next));
  }, [ref, wall, hasTiles, size.width]);
  const onClick = (e: React.MouseEvent): void => {
    const href = tileLinkOf(e);
    if (href === null) return;
    e.preventDefault();
    router.push(href);
  };
  if (total === 0) {
    return (
      <div ref={ref} className={wall ? 'tower tower-wall' : 'tower'}>
        <p className="empty-note">
          {snapshotAt === null ? 'Waiting for the controller’s first snapshot…' : 'No drives reported by any agent.'}
        </p>
      </div>
    );
  }
  return (
    <div
      ref={ref}
      className={wall ? 'tower tower-wall' : 'tower'}
      style={wall ? { ['--cols' as string]: cols } : unit !== null ? { ['--cq' as string]: `${unit}px` } : undefined}
      data-tile-unit={unit !== null ? '' : undefined}
      onClick={wall ? undefined : onClick}
    >
      {groups.map((g) => (
        <section
          key={g.agentId}
          className="agent-group"
          aria-label={`Agent ${g.host}`}
          style={wall && cols > 0 ? { flexGrow: Math.ceil(g.driveIds.length / cols) } : undefined}
        >
          <h2 className="agent-head">
            <span>{g.host}</span>
            {g.host !== g.agentId ? <span className="muted"> ({g.agentId})</span> : null}
            <span className="muted"> · {g.driveIds.length} drive{g.driveIds.length === 1 ? '' : 's'}</span>
            {g.online === false ? <span className="badge badge-bad">agent offline</span> : null}
          </h2>
          <div className="tile-grid">
            {g.driveIds.map((id) => (
              <LiveDriveTile key={id} id={id} stale={fresh.stale} {...(wall ? {} : { href: `/drive/?id=${encodeURIComponent(id)}` })} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

const selectTotal = (s: LiveState): number => s.driveOrder.length;
const selectSnapshotAt = (s: LiveState): number | null => s.snapshotAt;
