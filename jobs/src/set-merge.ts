/**
 * Collated sets with per-disc data: in a run of K sets with a merge, set k
 * carries merge row k (serial k, or CSV row k) on every one of its discs, so
 * the run makes K numbered sets. Disc j of set k is image j of the set plus
 * row k's files. A run without sets keeps one row per copy slot. The row of
 * a slot is a pure function of the slot, so a failed disc of set k (its
 * replacement job included) is burned again with row k.
 */
import { setPositionOf } from './disc-set.js';
import type { RunSet } from './disc-set.js';

/** The merge row (1-based) of copy slot `copy`: the slot itself, or in a set run the slot's set. */
export function mergeRowOf(run: { readonly set?: RunSet | undefined }, copy: number): number {
  return run.set === undefined ? copy : setPositionOf(run.set.discs, copy).set;
}

/** How many merge rows a stored run has: one per copy slot, or one per set (`copies` of a stored set run counts slots). */
export function mergeRowCount(run: { readonly copies: number; readonly set?: RunSet | undefined }): number {
  return run.set === undefined ? run.copies : Math.floor(run.copies / run.set.discs);
}
