/**
 * The feed's snapshot: every drive and agent, the latest masters, and the
 * runs a screen needs: every active run (queued, running, paused) and the
 * newest finished ones (at most `recentFinished`), with the count of older
 * finished runs (`olderRuns`), which clients page through `GET /api/runs`.
 * Its size and cost do not grow with the history: only the runs sent are
 * read whole (the others by id and status).
 */
import type { FeedSnapshot, RunView } from '../shared/api-types.js';
import type { ApiServices } from '../api/api-services.js';
import { listMasters } from '../api/routes/master-routes.js';
import { isActiveStatus, runIndex, viewRuns } from '../api/routes/run-routes.js';

/** Finished runs a snapshot carries by default. */
export const RECENT_FINISHED_RUNS = 20;

/** Masters a snapshot carries. */
const RECENT_MASTERS = 50;

/** The runs of a snapshot: the active ones and the newest finished ones, and how many finished runs are left out. */
export async function snapshotRuns(s: ApiServices, recentFinished = RECENT_FINISHED_RUNS): Promise<{ runs: RunView[]; olderRuns: number }> {
  const index = await runIndex(s, true);
  const active = index.filter((r) => isActiveStatus(r.status));
  const finished = index.filter((r) => r.status !== null && !isActiveStatus(r.status));
  const sent = [...active, ...finished.slice(0, recentFinished)];
  return { runs: await viewRuns(s, sent.map((r) => r.id)), olderRuns: Math.max(0, finished.length - recentFinished) };
}

/** Build the feed's snapshot. */
export async function buildSnapshot(s: ApiServices, recentFinished = RECENT_FINISHED_RUNS): Promise<FeedSnapshot> {
  const [drives, runs, agents, masters] = await Promise.all([
    s.drives.list(), snapshotRuns(s, recentFinished), s.drives.agents(), listMasters(s, RECENT_MASTERS),
  ]);
  return { drives, runs: runs.runs, olderRuns: runs.olderRuns, agents, masters, at: s.now() };
}
