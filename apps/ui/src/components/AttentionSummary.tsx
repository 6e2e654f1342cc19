'use client';
/**
 * At the top: how many drives need a person, and which. A long list is
 * grouped by what to do, so the tower itself stays on screen.
 */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { useLiveSelect } from '../lib/live';
import type { LiveState } from '../lib/live-store';
import type { DriveView } from '../lib/contract';
import { instructionFor, needsPerson } from '../lib/states';

/** Drives that need a person, in tower order. */
function selectNeedingPerson(s: LiveState): DriveView[] {
  const out: DriveView[] = [];
  for (const id of s.driveOrder) {
    const d = s.drives[id];
    if (d !== undefined && needsPerson(d)) out.push(d);
  }
  return out;
}

function sameDrives(a: readonly DriveView[], b: readonly DriveView[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Above this many drives, the list is grouped by instruction. */
const MAX_LISTED = 8;

export function AttentionSummary({ links = true }: { readonly links?: boolean }): ReactNode {
  // Re-rendered when the drives that need a person change, not with every frame of the feed.
  const list = useLiveSelect(selectNeedingPerson, sameDrives);
  if (list.length === 0) return null;
  if (list.length > MAX_LISTED) {
    const groups = new Map<string, string[]>();
    for (const d of list) {
      if (!d) continue;
      const what = instructionFor(d) ?? 'Check the drive';
      groups.set(what, [...(groups.get(what) ?? []), d.label]);
    }
    return (
      <div className="attn-summary" role="status" aria-live="polite">
        <strong>{list.length} drives need a person:</strong>
        <ul>
          {[...groups.entries()].map(([what, labels]) => (
            <li key={what}>
              {what} — {labels.length} drive{labels.length === 1 ? '' : 's'}: {labels.slice(0, 6).join(', ')}
              {labels.length > 6 ? ` and ${labels.length - 6} more` : ''}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div className="attn-summary" role="status" aria-live="polite">
      <strong>
        {list.length} drive{list.length === 1 ? ' needs' : 's need'} a person:
      </strong>
      <ul>
        {list.map((d) =>
          d ? (
            <li key={d.id}>
              {links ? <Link href={`/drive/?id=${encodeURIComponent(d.id)}`} prefetch={false}>{d.label}</Link> : <span>{d.label}</span>}
              {' — '}
              {instructionFor(d)}
            </li>
          ) : null,
        )}
      </ul>
    </div>
  );
}
