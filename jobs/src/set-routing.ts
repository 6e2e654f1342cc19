/**
 * Set affinity: which drive burns which disc of a collated set run, so that
 * with auto-loaders one set's discs come out of one drive together, in
 * order. Pure: the facts (the run's set owners, its passed slots, which
 * drives are usable) are given; copy-routing.ts reads them and records a
 * claim.
 *
 * - A drive with an auto-loader that burns a set's first disc not yet passed
 *   claims the set (recorded in Redis per run); the set's later discs go to
 *   it, and other drives leave them (handed to it when it waits, else put
 *   back and it is called).
 * - The owner burns its set's discs in slot order: a disc whose earlier disc
 *   has not passed waits; a failed disc is redone by the owner (no retry
 *   steering) before the set's next disc.
 * - A drive holding an unfinished set takes no disc of another set of the run.
 * - An owner that is offline or quarantined hands its set on: the next drive
 *   to burn the set's next disc claims it (the set's discs then come out of
 *   two drives).
 * - A drive without an auto-loader claims nothing and keeps no order: it
 *   burns any disc of a set nobody usable holds (a person takes each disc
 *   out and collates by the tile's words: `set 2 · disc 1/3`), and leaves
 *   the discs of a held set to its drive.
 */
import { nextDisc } from './disc-set.js';
import type { SetPosition } from './disc-set.js';

/** What the set decision is given. */
export interface SetRoutingInput {
  /** The drive that fetched the copy. */
  readonly self: string;
  /** The drive has an auto-loader: it claims sets and keeps their discs together. */
  readonly collates: boolean;
  readonly copy: number;
  readonly position: SetPosition;
  /** The run's set owners: set → drive. */
  readonly owners: ReadonlyMap<number, string>;
  /** The run's copy slots with a counted passed attempt. */
  readonly passed: ReadonlySet<number>;
  /** Whether a drive can take work now (neither offline nor quarantined); asked only about an owner. */
  readonly usable: (driveId: string) => boolean;
}

/** Where a set's disc goes. */
export type SetDecision =
  /** Burn it; `claim`: record this drive as the set's owner first (over `previous`, null for none). */
  | { readonly kind: 'burn'; readonly claim: boolean; readonly previous: string | null }
  /**
   * Not here: `set-elsewhere` (another usable drive owns the set: hand it to `owner`), `set-order`
   * (an earlier disc of the set is not done yet, or this drive finishes another set of the run first).
   */
  | { readonly kind: 'leave'; readonly why: 'set-elsewhere' | 'set-order'; readonly owner: string | null };

/** Decide whether `self` burns a set run's disc now (see the module comment). */
export function decideSetDisc(i: SetRoutingInput): SetDecision {
  const { set, disc, discs } = i.position;
  // A slot already passed (a stalled job run twice): the counting makes it surplus, no set is held for it.
  if (i.passed.has(i.copy)) return { kind: 'burn', claim: false, previous: null };
  const owner = i.owners.get(set) ?? null;
  const next = nextDisc(discs, set, i.passed);
  if (owner === i.self) return disc === next ? { kind: 'burn', claim: false, previous: null } : { kind: 'leave', why: 'set-order', owner: null };
  if (owner !== null && i.usable(owner)) return { kind: 'leave', why: 'set-elsewhere', owner };
  if (!i.collates) return { kind: 'burn', claim: false, previous: null };
  if (holdsUnfinishedSet(i, set) || disc !== next) return { kind: 'leave', why: 'set-order', owner: null };
  return { kind: 'burn', claim: true, previous: owner };
}

/** Whether `self` owns a set of the run other than `except` that is not complete. */
function holdsUnfinishedSet(i: SetRoutingInput, except: number): boolean {
  for (const [set, drive] of i.owners) {
    if (set !== except && drive === i.self && nextDisc(i.position.discs, set, i.passed) <= i.position.discs) return true;
  }
  return false;
}
