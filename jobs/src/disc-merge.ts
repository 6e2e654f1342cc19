/**
 * Per-disc data merge: each copy slot of a run carries something of its own,
 * and slot k always carries row k. The exactly-N rule is per slot, so every
 * row is burned on exactly one counted disc: a failed disc's slot is burned
 * again (its replacement job included) with the same row, and no row is
 * skipped or doubled.
 *
 * The run stores its merge compactly (a serial range); the row of a slot is
 * worked out from it wherever a copy job is made (`slotJob`), and the drive
 * builds the disc's image from the master and the row just before it burns.
 */
import { isSafeDiscPath } from 'node-cdrecord-wrapper';
import type { MergedFile } from 'node-cdrecord-wrapper';

/** Serial numbers, one per copy slot: slot k gets `first + k - 1`. */
export interface SerialMerge {
  readonly kind: 'serials';
  readonly first: number;
  /** Digits, zero-padded (0: as they come). */
  readonly pad: number;
  /** Text before the number, e.g. `SN-`. */
  readonly prefix: string;
  /** Where the serial goes on the disc, e.g. `/SERIAL.TXT`. */
  readonly file: string;
}

/** A run's per-disc data. */
export type RunMerge = SerialMerge;

/** What one copy slot's disc carries of its own. */
export interface DiscMerge {
  /** 1-based row: the copy slot it belongs to. */
  readonly row: number;
  /** What an operator reads for it: `serial 01003`. */
  readonly label: string;
  /** The serial, or the row's values by field name (for labels). */
  readonly fields: Readonly<Record<string, string>>;
  readonly files: readonly MergedFile[];
}

/** How a run asks for a merge (`CreateRunInput.merge`). */
export interface MergeRequest {
  readonly serials?: {
    readonly first: number;
    /** The last serial; when given, the run's copies must be `last - first + 1`. */
    readonly last?: number;
    readonly pad?: number;
    readonly prefix?: string;
    /** Default `/SERIAL.TXT`. */
    readonly file?: string;
  };
}

/** Highest serial number a run may carry. */
export const MAX_SERIAL = 999_999_999_999;

/** A merge request that cannot be planned: the field at fault and why. */
export interface MergeProblem {
  readonly field: string;
  readonly message: string;
}

/** Validate a merge request for a run of `copies`; a problem, or the merge to store. */
export function planMerge(req: MergeRequest, copies: number): MergeProblem | RunMerge {
  const s = req.serials;
  if (s === undefined) return { field: 'merge', message: 'a merge needs serials' };
  if (!Number.isSafeInteger(s.first) || s.first < 0 || s.first > MAX_SERIAL) {
    return { field: 'merge.serials.first', message: `the first serial must be an integer 0..${MAX_SERIAL}` };
  }
  if (s.last !== undefined && (!Number.isSafeInteger(s.last) || s.last - s.first + 1 !== copies)) {
    return { field: 'merge.serials.last', message: `serials ${s.first}-${String(s.last)} are not one per copy (${copies} copies)` };
  }
  if (s.first + copies - 1 > MAX_SERIAL) return { field: 'merge.serials', message: `the last serial would pass ${MAX_SERIAL}` };
  const pad = s.pad ?? 0;
  if (!Number.isSafeInteger(pad) || pad < 0 || pad > 12) return { field: 'merge.serials.pad', message: 'pad is 0..12 digits' };
  const prefix = s.prefix ?? '';
  if (typeof prefix !== 'string' || prefix.length > 32 || /\p{Cc}/u.test(prefix)) {
    return { field: 'merge.serials.prefix', message: 'a prefix is at most 32 printable characters' };
  }
  const file = s.file === undefined ? '/SERIAL.TXT' : s.file.startsWith('/') ? s.file : `/${s.file}`;
  if (!isSafeDiscPath(file)) return { field: 'merge.serials.file', message: `not a file path on the disc: ${JSON.stringify(s.file)}` };
  return { kind: 'serials', first: s.first, pad, prefix, file };
}

/** Whether `planMerge` found a problem. */
export function isMergeProblem(v: MergeProblem | RunMerge): v is MergeProblem {
  return 'field' in v;
}

/** The serial text of copy slot `copy`. */
export function serialOf(merge: SerialMerge, copy: number): string {
  return `${merge.prefix}${String(merge.first + copy - 1).padStart(merge.pad, '0')}`;
}

/** What copy slot `copy` (1-based) of a run with `merge` carries. */
export function discMergeOf(merge: RunMerge, copy: number): DiscMerge {
  const serial = serialOf(merge, copy);
  return { row: copy, label: `serial ${serial}`, fields: { serial }, files: [{ discPath: merge.file, text: `${serial}\n` }] };
}
