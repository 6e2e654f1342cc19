/**
 * The phase of a copy as an operator reads it on a drive: its word
 * (Preparing, Writing, Closing disc, Verifying) and the phase's own
 * figures, from the status its agent published. Phases that move no data
 * (preparing, closing the disc) have no speed, so a drive there never reads
 * "0×" or "100% 0×"; they give their time instead, and an ETA once the
 * drive knows how long the phase takes.
 */
import type { DrivePhase, DriveStatus } from '@tower/jobs';
import type { DriveView } from '../../shared/api-types.js';

/** The word for each phase, as on the tile and in the CLI. */
export const PHASE_WORDS: Readonly<Record<DrivePhase, string>> = {
  preparing: 'Preparing',
  writing: 'Writing',
  fixating: 'Closing disc',
  verifying: 'Verifying',
};

/** Phases in which no data moves: no speed, no byte percent. */
const NO_DATA: ReadonlySet<DrivePhase> = new Set(['preparing', 'fixating']);

/** The fields of a drive view that tell the phase and its progress. */
export type PhaseFields = Pick<DriveView, 'phase' | 'activity' | 'phaseSeconds' | 'percent' | 'speedX' | 'speedMBps' | 'etaSeconds'>;

/**
 * The phase fields of a drive in `state` (the view's): a burning or
 * verifying drive's phase and figures; a busy drive's percent and MB/s
 * (reading a master); nothing for the other states.
 */
export function phaseFields(state: DriveView['state'], s: DriveStatus): PhaseFields {
  const none: PhaseFields = { phase: null, activity: null, phaseSeconds: null, percent: null, speedX: null, speedMBps: null, etaSeconds: null };
  if (state === 'busy') return { ...none, percent: s.percent ?? null, speedMBps: s.speedMBps ?? null };
  if (state !== 'burning' && state !== 'verifying') return none;
  const phase = s.phase ?? (state === 'verifying' ? 'verifying' : null);
  const moving = phase === null || !NO_DATA.has(phase);
  return {
    phase,
    activity: phase === null ? null : PHASE_WORDS[phase],
    phaseSeconds: s.phaseSeconds ?? null,
    percent: s.percent ?? null,
    speedX: moving ? (s.speedX ?? null) : null,
    speedMBps: moving ? (s.speedMBps ?? null) : null,
    etaSeconds: s.etaSeconds ?? null,
  };
}
