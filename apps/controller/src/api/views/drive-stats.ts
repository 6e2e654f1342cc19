/**
 * DriveStats: what a drive has done, from its attempts.
 */
import { isMediaRefusal } from '@tower/jobs';
import type { AttemptRecord } from '@tower/jobs';
import type { DriveStats } from '../../shared/api-types.js';

/**
 * Stats of one drive. `discs` counts closed attempts; `failed` counts failed
 * and interrupted ones (coasters), not a copy refused for its media or the
 * drive's capabilities (nothing written, never the drive's fault);
 * `totalBytes` sums the bytes written.
 */
export function computeDriveStats(driveId: string, attempts: readonly AttemptRecord[], history: DriveStats['quarantineHistory']): DriveStats {
  let discs = 0;
  let passed = 0;
  let failed = 0;
  let totalBytes = 0;
  let lastError: DriveStats['lastError'] = null;
  for (const a of attempts) {
    if (a.outcome === undefined) continue;
    discs++;
    if (a.outcome === 'passed') passed++;
    if ((a.outcome === 'failed' && !isMediaRefusal(a.error)) || a.outcome === 'interrupted') failed++;
    totalBytes += a.bytes ?? 0;
    const at = a.endedAt ?? a.startedAt;
    if (a.error !== undefined && (lastError === null || at >= lastError.at)) lastError = { code: a.error.code, message: a.error.message, at };
  }
  return {
    driveId,
    discs,
    passed,
    failed,
    failureRate: discs === 0 ? 0 : Math.round((failed / discs) * 10_000) / 10_000,
    totalBytes,
    lastError,
    quarantineHistory: history,
  };
}
