/**
 * How each drive state is shown: a word, an icon name and a tone. Tone picks
 * colour AND pattern in CSS (stripes, hatching, dashes), so no state is told
 * apart by colour alone. Pure; tested in test/states.test.ts.
 */
import type { DriveStateName, DriveView, RunStatusName } from './contract';

export type Tone = 'offline' | 'idle' | 'waiting' | 'active' | 'verify' | 'passed' | 'failed' | 'attention' | 'quarantine' | 'busy';
export type IconName = 'offline' | 'tray' | 'disc' | 'burn' | 'verify' | 'check' | 'cross' | 'warning' | 'lock' | 'hourglass';

export interface StatePresentation {
  /** The state in one or two words, as on the tile. */
  readonly label: string;
  readonly icon: IconName;
  readonly tone: Tone;
  /** What a person must do when the controller gives no message of its own. */
  readonly instruction: string | null;
}

const PRESENTATION: Record<DriveStateName, StatePresentation> = {
  offline: { label: 'Offline', icon: 'offline', tone: 'offline', instruction: null },
  empty: { label: 'Waiting for disc', icon: 'tray', tone: 'waiting', instruction: 'Put a blank disc in' },
  blank: { label: 'Idle', icon: 'disc', tone: 'idle', instruction: null },
  burning: { label: 'Burning', icon: 'burn', tone: 'active', instruction: null },
  verifying: { label: 'Verifying', icon: 'verify', tone: 'verify', instruction: null },
  done: { label: 'Passed', icon: 'check', tone: 'passed', instruction: 'Take the good disc out' },
  failed: { label: 'Failed', icon: 'cross', tone: 'failed', instruction: 'Take the failed disc out and discard it' },
  'wrong-media': { label: 'Wrong media', icon: 'warning', tone: 'attention', instruction: 'Wrong disc: take it out and put in a matching blank' },
  quarantined: { label: 'Quarantined', icon: 'lock', tone: 'quarantine', instruction: 'Drive taken out of service: check it, then release it' },
  busy: { label: 'Busy', icon: 'hourglass', tone: 'busy', instruction: null },
};

const UNKNOWN: StatePresentation = { label: 'Unknown', icon: 'warning', tone: 'offline', instruction: null };

export function presentState(state: DriveStateName | string): StatePresentation {
  return (PRESENTATION as Record<string, StatePresentation | undefined>)[state] ?? UNKNOWN;
}

/**
 * States in which a disc waits for a person whatever the controller's flag
 * says. Not done/failed: a drive with an auto-loader deals with those itself,
 * and the controller's flag says so.
 */
const ALWAYS_PERSON: ReadonlySet<string> = new Set(['wrong-media']);

/** Does this drive need a person now? The controller's flag, or a state that always does. */
export function needsPerson(d: Pick<DriveView, 'state' | 'needsAttention'>): boolean {
  return d.needsAttention || ALWAYS_PERSON.has(d.state);
}

/** The words a person reads on an attention tile: the controller's message first. */
export function instructionFor(d: Pick<DriveView, 'state' | 'needsAttention' | 'message'>): string | null {
  const msg = d.message?.trim();
  if (msg) return msg;
  if (!needsPerson(d) && d.state !== 'quarantined') return null;
  return presentState(d.state).instruction ?? 'Needs a person';
}

/** The tile's word for what a drive's loader needs of a person. */
const LOADER_NEEDS: Readonly<Record<string, string>> = { 'input-empty': 'Needs blanks', 'reject-full': 'Reject bin full', 'output-full': 'Output full' };

/**
 * The tile's word: "Needs blanks" / "Reject bin full" / "Output full" for a
 * drive whose loader needs a person, "Needs attention" / "Needs blank disc"
 * for another drive that needs one, the phase of a copy in a burning or
 * verifying drive (Preparing, Writing, Closing disc, Verifying), else the
 * state's word.
 */
export function tileLabel(d: Pick<DriveView, 'state' | 'needsAttention'> & Partial<Pick<DriveView, 'activity' | 'loader'>>): string {
  const p = presentState(d.state);
  const loaderNeed = d.needsAttention && d.loader?.needsPerson ? LOADER_NEEDS[d.loader.needsPerson] : undefined;
  if (loaderNeed !== undefined) return loaderNeed;
  if (d.state === 'empty' && d.needsAttention) return 'Needs blank disc';
  if (d.needsAttention && (p.tone === 'idle' || p.tone === 'busy' || p.tone === 'active' || p.tone === 'verify')) return 'Needs attention';
  if ((d.state === 'burning' || d.state === 'verifying') && d.activity) return d.activity;
  return p.label;
}

/** A phase in which no data moves (preparing, closing the disc): its time is shown, not a percent or a speed. */
export function isTimedPhase(d: Pick<DriveView, 'phase'>): boolean {
  return d.phase === 'preparing' || d.phase === 'fixating';
}

/** The error code a reason names (`WRITE_ERROR` in "3 failed attempts in a row, the last WRITE_ERROR"), the last if several. */
export function errorCodeIn(text: string | null | undefined): string | null {
  const codes = text?.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g);
  return codes?.at(-1) ?? null;
}

/** A drive that is doing work: its feed should tick. */
export function isActive(state: DriveStateName | string): boolean {
  return state === 'burning' || state === 'verifying' || state === 'busy';
}

export const RUN_STATUS_LABEL: Record<RunStatusName, string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Stopped: failed',
};

export function isRunFinished(status: RunStatusName | string): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'failed';
}
