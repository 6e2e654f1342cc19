/**
 * How the CLI reports: results to stdout (text or JSON), failures as one
 * readable line on stderr with a non-zero exit code.
 */
import { isDriveError } from 'node-cdrecord-wrapper/errors';

/** Exit codes of the tower CLI. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  cancelled: 130,
} as const;

/** A mistake in how the command was called. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The one line printed for a failure. */
export function failureLine(err: unknown): string {
  if (isDriveError(err)) {
    // Drive errors usually start with their device already; name it once.
    const where = err.device && !err.message.startsWith(`${err.device}:`) ? `${err.device}: ` : '';
    return oneLine(`tower: ${where}${err.message} [${err.code}]`);
  }
  if (err instanceof UsageError) return oneLine(`tower: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  return oneLine(`tower: ${message.split('\n')[0] ?? 'failed'}`);
}

/** Control characters (a newline in a device string echoed back) escaped, so a failure stays one line. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (ch) => JSON.stringify(ch).slice(1, -1));
}

/** Exit code for a failure. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (isDriveError(err) && err.code === 'CANCELLED') return EXIT.cancelled;
  if (isDriveError(err) && err.code === 'INVALID_DEVICE') return EXIT.usage;
  return EXIT.failed;
}

/** JSON form of a failure for `--json` callers. */
export function failureJson(err: unknown): Record<string, unknown> {
  if (isDriveError(err)) return { ok: false, error: err.toJSON() };
  return { ok: false, error: { message: err instanceof Error ? err.message : String(err) } };
}

/** Parse a positive number option, or fail with a usage error naming it. */
export function positiveNumber(name: string, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0 || n > max) {
      throw new UsageError(`${name} must be a positive number up to ${max}, got '${value}'`);
    }
    return n;
  };
}
