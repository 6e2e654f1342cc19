/**
 * Parsers for the controller commands' arguments. Each checks its value
 * locally, before anything is sent, and throws a `UsageError` (exit code 2)
 * that names the option and what it accepts.
 */
import path from 'node:path';
import type { AttemptOutcomeName, CreateRunRequest, VerifyPolicyInput } from '../shared/api-types.js';
import { UsageError } from './cli-output.js';

/** Largest run a controller accepts (copies). */
export const MAX_COPIES = 10_000;

/** Parse a whole number in `min..max`, or fail naming `name`. */
export function integerIn(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const text = value.trim();
    const n = Number(text);
    if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

/** `--copies`: good copies wanted, 1..10000. */
export const parseCopies = integerIn('--copies', 1, MAX_COPIES);

/** `--priority`: 1 (first) .. 1000. */
export const parsePriority = integerIn('--priority', 1, 1000);

/** `--retries`: re-reads of each bad sector, 0..20. */
export const parseRetries = integerIn('--retries', 0, 20);

/** `--limit`: rows of history, 1..100000. */
export const parseLimit = integerIn('--limit', 1, 100_000);

const VERIFY_HELP = "--verify must be 'all', 'first-per-drive', 'off' or 'every-nth:N' (N from 1 to 10000)";

/** `--verify all|first-per-drive|off|every-nth:N`. */
export function parseVerify(value: string): VerifyPolicyInput {
  const text = value.trim();
  if (text === 'all' || text === 'first-per-drive' || text === 'off') return text;
  const match = /^every-nth:(\d+)$/.exec(text);
  const n = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_COPIES) throw new UsageError(`${VERIFY_HELP}, got '${value}'`);
  return { everyNth: n };
}

/** The `--verify` value as the CLI writes it. */
export function verifyText(verify: VerifyPolicyInput): string {
  return typeof verify === 'string' ? verify : `every-nth:${verify.everyNth}`;
}

const MEDIA_CLASSES = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'] as const;

/** `--media cd|dvd|dvd-dl|bd|bd-dl`: the blank media class of a run or a template. */
export function parseMediaClass(value: string): NonNullable<CreateRunRequest['media']> {
  const found = MEDIA_CLASSES.find((c) => c === value);
  if (found === undefined) throw new UsageError(`--media must be one of ${MEDIA_CLASSES.join(', ')}, got '${value}'`);
  return found;
}

/** `--drives a,b`: drive ids or group names, at least one. */
export function parseDriveList(value: string): string[] {
  const names = [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (names.length === 0) throw new UsageError(`--drives needs at least one drive id or group, e.g. --drives sim:0,sim:1; got '${value}'`);
  return names;
}

/** A text option of `min..max` characters (after trimming). */
export function textOf(name: string, min: number, max: number): (value: string) => string {
  return (value) => {
    const text = value.trim();
    if (text.length < min || text.length > max) {
      throw new UsageError(min > 0 ? `${name} must be ${min} to ${max} characters, got ${text.length}` : `${name} must be at most ${max} characters, got ${text.length}`);
    }
    return text;
  };
}

/** `--label`: report label, up to 200 characters. */
export const parseLabel = textOf('--label', 0, 200);

/** `--reason`: why a drive is quarantined, 1..500 characters. */
export const parseReason = textOf('--reason', 1, 500);

/** An image name, 1..200 characters. */
export const parseImageName = textOf('the image name', 1, 200);

/** `--format iso|bin-cue` of a master. */
export function parseMasterFormat(value: string): 'iso' | 'bin-cue' {
  if (value === 'iso' || value === 'bin-cue') return value;
  throw new UsageError(`--format must be 'iso' or 'bin-cue', got '${value}'`);
}

const OUTCOMES: readonly AttemptOutcomeName[] = ['passed', 'failed', 'cancelled', 'interrupted'];

/** `--outcome passed|failed|cancelled|interrupted`. */
export function parseOutcome(value: string): AttemptOutcomeName {
  const found = OUTCOMES.find((o) => o === value);
  if (!found) throw new UsageError(`--outcome must be one of ${OUTCOMES.join(', ')}, got '${value}'`);
  return found;
}

/** An ISO 8601 date or date-time (`2024-05-01`, `2024-05-01T12:00:00Z`) as epoch ms. */
export function isoTime(name: string): (value: string) => number {
  return (value) => {
    const text = value.trim();
    const at = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) || Number.isNaN(at)) {
      throw new UsageError(`${name} must be an ISO 8601 date or time such as 2024-05-01 or 2024-05-01T08:00:00Z, got '${value}'`);
    }
    return at;
  };
}

/** A path on the controller's host: must be absolute, since the CLI's working folder means nothing there. */
export function parseServerPath(value: string): string {
  if (!path.posix.isAbsolute(value) && !path.win32.isAbsolute(value)) {
    throw new UsageError(`the import path is read on the controller's host and must be absolute, got '${value}'`);
  }
  return value;
}

/** A non-empty id argument (run, image, drive). */
export function requireId(kind: string, value: string): string {
  const text = value.trim();
  if (text === '' || text.length > 500) throw new UsageError(`${kind} id must be 1 to 500 characters`);
  return text;
}

/** A label template name (`--print-labels`, `tower label`): a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
export function parseLabelName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new UsageError(`label template name must be a letter or digit then up to 63 letters, digits, '.', '_' or '-', got '${value.slice(0, 80)}'`);
  }
  return value;
}
