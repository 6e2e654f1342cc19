/**
 * A drive's disc loader as the operator sees it: the stock its agent
 * published (`DriveStatus.loader`, facts) as the view's `loader`, and the
 * words for what a person must do when the loader cannot go on: its input
 * empty, its output or reject slots full, or the loader failing.
 */
import type { DriveStatus, LoaderFacts } from '@tower/jobs';
import type { DriveView } from '../../shared/api-types.js';

type LoaderView = NonNullable<DriveView['loader']>;

const NEEDS: ReadonlySet<string> = new Set(['input-empty', 'output-full', 'reject-full']);
const count = (n: unknown): number => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0);
const countOrNull = (n: unknown): number | null => (n === null || n === undefined ? null : count(n));
const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number' && Number.isSafeInteger(n)) : []);

/** The view of a published stock (anything malformed read as nothing). */
export function loaderView(facts: LoaderFacts): LoaderView {
  const f = facts as Partial<Record<keyof LoaderFacts, unknown>>;
  const slots = f.slots as LoaderFacts['slots'] | undefined;
  const error = f.error as LoaderFacts['error'] | undefined;
  return {
    blanks: countOrNull(f.blanks),
    passed: count(f.passed),
    rejected: count(f.rejected),
    outputFree: countOrNull(f.outputFree),
    rejectFree: countOrNull(f.rejectFree),
    needsPerson: typeof f.needsPerson === 'string' && NEEDS.has(f.needsPerson) ? f.needsPerson as LoaderView['needsPerson'] : null,
    slots: slots === undefined || slots === null ? null : { input: numbers(slots.input), output: numbers(slots.output), reject: numbers(slots.reject) },
    error: error !== undefined && error !== null && typeof error.code === 'string' && typeof error.message === 'string' ? { code: error.code, message: error.message } : null,
  };
}

/** `slot 8`, `slots 1–4`, `slots 1, 3 and 7`. */
export function slotWords(slots: readonly number[]): string {
  const sorted = [...slots].sort((a, b) => a - b);
  if (sorted.length === 1) return `slot ${sorted[0]}`;
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? 0;
  if (sorted.length > 2 && last - first === sorted.length - 1) return `slots ${first}–${last}`;
  return `slots ${sorted.slice(0, -1).join(', ')} and ${last}`;
}

/** States in which the loader's trouble is what the drive needs of a person. */
const WAITING_ON_LOADER: ReadonlySet<string> = new Set(['empty', 'done', 'failed', 'wrong-media']);

/**
 * What a person must do for the drive's loader, or null when the loader
 * needs nobody (or the drive's state says something more pressing). A
 * loader with numbered slots (a changer) is told by its slots; one without
 * (a drive's own auto-loader) by the drive's `label`: "Load blanks into Sim 3".
 */
export function loaderAttention(state: DriveView['state'], s: DriveStatus, label: string): { message: string; needsAttention: true } | null {
  if (s.loader === undefined || !WAITING_ON_LOADER.has(state)) return null;
  const v = loaderView(s.loader);
  if (v.slots === null) {
    const need = unslottedWords(v.needsPerson, label);
    if (need !== null) return { message: need, needsAttention: true };
  }
  const where = (list: readonly number[] | undefined, fallback: string): string => (list !== undefined && list.length > 0 ? slotWords(list) : fallback);
  switch (v.needsPerson) {
    case 'input-empty':
      return { message: `Needs a person: no blank disc left in the loader: load blank discs into ${where(v.slots?.input, 'its input')}`, needsAttention: true };
    case 'output-full':
      return { message: `Needs a person: the loader's output is full: take the good discs out of ${where(v.slots?.output, 'its output')}`, needsAttention: true };
    case 'reject-full':
      return { message: `Needs a person: the loader's reject ${v.slots !== null && v.slots.reject.length > 1 ? 'slots are' : 'slot is'} full: take the coasters out of ${where(v.slots?.reject, 'its reject bin')}`, needsAttention: true };
    default:
      break;
  }
  if (v.error !== null) return { message: `The disc loader failed: ${v.error.message}`, needsAttention: true };
  return null;
}

/** The words for a loader without slot numbers (a drive's own auto-loader), named by its drive. */
function unslottedWords(need: LoaderView['needsPerson'], label: string): string | null {
  switch (need) {
    case 'input-empty':
      return `Load blanks into ${label}: its loader has no blank disc left`;
    case 'output-full':
      return `Empty the output bin of ${label}: it is full of good discs`;
    case 'reject-full':
      return `Empty the reject bin of ${label}: it is full of coasters`;
    default:
      return null;
  }
}
