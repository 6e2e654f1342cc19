/**
 * `tower run --serials`: a range of serial numbers, one per copy, as an
 * operator writes it: `1001-1500`, `01001-01500` (zero-padded to the width
 * written), `SN-0001-0500` (a prefix before the number), or just the first
 * (`1001`: as many as --copies).
 */
import type { CreateRunRequest } from '../shared/api-types.js';
import { UsageError } from './cli-output.js';

/** The API's serials of a run, from `--serials` (and `--serial-file`). */
export type SerialsInput = NonNullable<NonNullable<CreateRunRequest['merge']>['serials']>;

const RANGE = /^(.{0,32}?)(\d{1,12})(?:-(\d{1,12}))?$/;

/** Parse `--serials <range>`; throws `UsageError` with the form expected. */
export function parseSerials(text: string): SerialsInput {
  const m = RANGE.exec(text.trim());
  if (m === null || /\d$/.test(m[1] ?? '')) {
    throw new UsageError(`--serials must be FIRST-LAST, with an optional prefix and zero-padding (e.g. 1001-1500, SN-00001-00500), got "${text}"`);
  }
  const [, prefix = '', firstText = '', lastText] = m;
  const first = Number(firstText);
  const last = lastText === undefined ? undefined : Number(lastText);
  if (last !== undefined && last < first) throw new UsageError(`--serials ${text}: the last serial is below the first`);
  const padded = firstText.length > 1 && firstText.startsWith('0');
  return {
    first,
    ...(last === undefined ? {} : { last }),
    ...(padded ? { pad: firstText.length } : {}),
    ...(prefix === '' ? {} : { prefix }),
  };
}

/** Copies a serial range asks for, when it has a last serial. */
export function copiesOfSerials(s: SerialsInput): number | undefined {
  return s.last === undefined ? undefined : s.last - s.first + 1;
}
