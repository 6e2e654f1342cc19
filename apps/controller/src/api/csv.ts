/**
 * CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold
 * a comma, a quote, CR or LF (quotes doubled). Attempts as CSV rows.
 */
import type { AttemptView } from '../shared/api-types.js';

/** One field, quoted when needed. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole CSV document. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Columns of the attempt CSV. */
export const ATTEMPT_CSV_HEADER = [
  'attemptId', 'runId', 'runLabel', 'copy', 'driveId', 'driveLabel', 'agentId', 'mediaType', 'imageSha256', 'startedAt', 'endedAt', 'durationSeconds',
  'bytes', 'averageSpeedX', 'verifyPolicy', 'verifyResult', 'outcome', 'counted', 'surplus', 'errorCode', 'errorMessage', 'errorOutput',
  'mergeRow', 'mergeLabel', 'setNumber', 'setDisc',
] as const;

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** Attempts as CSV, every attempt, the full error text. */
export function attemptsCsv(attempts: readonly AttemptView[]): string {
  return toCsv(ATTEMPT_CSV_HEADER, attempts.map((a) => [
    a.id, a.runId, a.runLabel, a.copy, a.driveId, a.driveLabel, a.agentId, a.mediaType, a.imageSha256, iso(a.startedAt), iso(a.endedAt),
    a.endedAt === null ? null : (a.endedAt - a.startedAt) / 1000,
    a.bytes, a.averageSpeedX, a.verifyPolicy, a.verifyResult, a.outcome, a.counted, a.surplus,
    a.error?.code, a.error?.message, a.error?.output,
    a.merge?.row, a.merge?.label,
    // A set run's disc: its set and its place in the set (with merge, the set's row is mergeRow).
    a.set?.set, a.set?.disc,
  ]));
}
