'use client';
/** The tower: every drive as a tile, grouped by agent host, in physical order. */
import type React from 'react';
import type { ReactNode } from 'react';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { refitAll } from '../lib/fit-text';
import { bestColumns } from '../lib/layout';
import { useFreshness, useLive } from '../lib/live';
import { groupByAgent } from '../lib/live-store';
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

export function TowerGrid({ wall = false }: { readonly wall?: boolean }): ReactNode {
  const live = useLive();
  const fresh = useFreshness();
  const { drives, driveOrder, agents } = live;
  const groups = useMemo(() => groupByAgent({ drives, driveOrder, agents }), [drives, driveOrder, agents]);
  const [ref, size] = useSize();
  const runNames = useMemo(() => {
    const m = new Map<string, string>();
    for (const r of Object.values(live.runs)) m.set(r.id, r.label ?? r.imageName);
    return m;
  }, [live.runs]);

  const total = live.driveOrder.length;
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
  if (total === 0) {
    return (
      <div ref={ref} className={wall ? 'tower tower-wall' : 'tower'}>
        <p className="empty-note">
          {live.snapshotAt === null ? 'Waiting for the controller’s first snapshot…' : 'No drives reported by any agent.'}
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
            {g.driveIds.map((id) => {
              const d = live.drives[id];
              if (!d) return null;
              return (
                <DriveTile
                  key={id}
                  drive={d}
                  stale={fresh.stale}
                  runName={d.runId ? runNames.get(d.runId) ?? null : null}
                  href={wall ? undefined : `/drive/?id=${encodeURIComponent(id)}`}
                />
              );
            })}
          </div>
        </section>
      ))}
    </div>
  );
}
