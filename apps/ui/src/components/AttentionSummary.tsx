'use client';
/**
 * At the top: how many drives need a person, and which. A long list is
 * grouped by what to do, so the tower itself stays on screen.
 */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { useLiveSelect } from '../lib/live';
import { drivesNeedingPerson, sameItems } from '../lib/live-store';
import { instructionFor } from '../lib/states';

/** Above this many drives, the list is grouped by instruction. */
const MAX_LISTED = 8;

export function AttentionSummary({ links = true }: { readonly links?: boolean }): ReactNode {
  // Re-rendered when the drives that need a person change, not with every frame of the feed.
  const list = useLiveSelect(drivesNeedingPerson, sameItems);
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
