/**
 * RunView from a run record and the controller's meta.
 */
import { mergeRowCount, mergeSummary, verifyPolicyText } from '@tower/jobs';
import type { RunRecord } from '@tower/jobs';
import type { RunView } from '../../shared/api-types.js';
import type { RunMeta } from '../run-meta.js';

const ACTIVE = new Set(['queued', 'running', 'paused']);

/** True while a run may still burn discs. */
export function isRunActive(run: Pick<RunRecord, 'status'>): boolean {
  return ACTIVE.has(run.status);
}

/**
 * The API view of a run. `discsPerHour` is the passed count over the time
 * since creation (until completion); `etaSeconds` is what remains at that rate.
 * `unserved`: why no drive in service can serve the run (`RunCoverage`),
 * its status reason while it has none of its own.
 */
export function toRunView(run: RunRecord, meta: RunMeta, now: number, imageName?: string, unserved: string | null = null): RunView {
  const c = run.counters;
  const remaining = Math.max(0, run.copies - c.passed);
  const end = run.completedAt ?? (isRunActive(run) ? now : run.updatedAt);
  const hours = Math.max(0, end - run.createdAt) / 3_600_000;
  const discsPerHour = c.passed > 0 && hours > 0 ? round(c.passed / hours, 2) : null;
  const etaSeconds = discsPerHour !== null && isRunActive(run) && run.status !== 'paused'
    ? Math.round((remaining / discsPerHour) * 3600)
    : null;
  return {
    id: run.id,
    imageId: meta.imageId,
    imageName: imageName ?? meta.imageName,
    label: meta.label,
    mediaClass: run.mediaClass,
    copies: run.copies,
    status: run.status,
    statusReason: run.statusReason ?? (run.finishing === true ? 'cancelling: letting the burns in flight finish' : unserved),
    verify: verifyPolicyText(run.verify),
    priority: run.priority,
    passed: c.passed,
    failed: c.failed,
    inProgress: c.open,
    remaining,
    surplus: c.surplus,
    cancelled: c.cancelled,
    interrupted: c.interrupted,
    ...(run.speed === undefined ? {} : { speed: run.speed }),
    discsPerHour,
    etaSeconds,
    createdAt: run.createdAt,
    completedAt: run.completedAt ?? null,
    createdBy: meta.createdBy,
    ...(meta.customer === undefined ? {} : { customer: meta.customer }),
    ...(run.merge === undefined ? {} : { merge: mergeSummary(run.merge, mergeRowCount(run)) }),
    ...(meta.labelMerge === undefined ? {} : { labelMerge: [...meta.labelMerge] }),
    ...(meta.cdText === undefined ? {} : { cdText: meta.cdText }),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
