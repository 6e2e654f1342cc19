/**
 * What the API shows of a collated set run (`RunView.set`): sets done, and
 * which disc of which set failed and whether it was redone.
 */
import { setPositionOf, setsDone } from '@tower/jobs';
import type { RunRecord } from '@tower/jobs';
import type { RunView } from '../../shared/api-types.js';

/** The set part of a run's view; undefined for a run that is not a set run. */
export function setViewOf(run: RunRecord, passedSlots: readonly number[], failedSlots: readonly number[]): RunView['set'] {
  const set = run.set;
  if (set === undefined) return undefined;
  const sets = Math.floor(run.copies / set.discs);
  const passed = new Set(passedSlots);
  return {
    discs: set.discs,
    sets,
    setsDone: setsDone(set.discs, sets, passed),
    imageIds: [...(set.imageIds ?? [])],
    failedDiscs: failedSlots.map((slot) => {
      const p = setPositionOf(set.discs, slot);
      return { set: p.set, disc: p.disc, redone: passed.has(slot) };
    }),
  };
}
