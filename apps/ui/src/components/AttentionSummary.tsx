'use client';
/** One line at the top: how many drives need a person, and which. */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { useMemo } from 'react';
import { useLive } from '../lib/live';
import { instructionFor, needsPerson } from '../lib/states';

export function AttentionSummary({ links = true }: { readonly links?: boolean }): ReactNode {
  const { drives, driveOrder } = useLive();
  const list = useMemo(() => driveOrder.map((id) => drives[id]).filter((d) => d !== undefined && needsPerson(d)), [drives, driveOrder]);
  if (list.length === 0) return null;
  return (
    <div className="attn-summary" role="status" aria-live="polite">
      <strong>
        {list.length} drive{list.length === 1 ? ' needs' : 's need'} a person:
      </strong>
      <ul>
        {list.map((d) =>
          d ? (
            <li key={d.id}>
              {links ? <Link href={`/drive/?id=${encodeURIComponent(d.id)}`}>{d.label}</Link> : <span>{d.label}</span>}
              {' — '}
              {instructionFor(d)}
            </li>
          ) : null,
        )}
      </ul>
    </div>
  );
}
