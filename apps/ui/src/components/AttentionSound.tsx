'use client';
/** Beeps when a drive starts needing a person, and every 30 s while any does, if the sound is on. */
import type { ReactNode } from 'react';
import { useEffect, useRef } from 'react';
import { useLiveSelect } from '../lib/live';
import { drivesNeedingPerson } from '../lib/live-store';
import type { LiveState } from '../lib/live-store';
import { beep } from '../lib/sound';

/** The ids of the drives that need a person, sorted, one a line (a string: re-rendered only when it changes). */
const selectNeedingPersonKey = (s: LiveState): string => drivesNeedingPerson(s).map((d) => d.id).sort().join('\n');

export function AttentionSound({ enabled }: { readonly enabled: boolean }): ReactNode {
  const key = useLiveSelect(selectNeedingPersonKey);
  const prev = useRef<ReadonlySet<string>>(new Set());

  useEffect(() => {
    const ids = new Set(key ? key.split('\n') : []);
    const fresh = [...ids].some((id) => !prev.current.has(id));
    prev.current = ids;
    if (enabled && fresh) beep(3);
  }, [key, enabled]);

  useEffect(() => {
    if (!enabled || !key) return;
    const id = window.setInterval(() => beep(2), 30_000);
    return () => window.clearInterval(id);
  }, [enabled, key]);

  return null;
}
