/**
 * The tower as `tower watch` sees it: drives and runs from a feed snapshot,
 * kept current by deltas, rendered as a drive table and a runs summary.
 */
import type { DriveDelta, DriveView, FeedSnapshot, RunView } from '../shared/api-types.js';
import { formatDateTime, formatTime } from '../shared/units.js';
import { ellipsize } from './fitted-table.js';
import { FINAL_RUN_STATUSES } from './follow-run.js';
import { fittedRunLine, renderDriveLines } from './live-lines.js';

/** Drives and runs of the tower, updated from the live feed. */
export class TowerState {
  readonly drives = new Map<string, DriveView>();
  readonly runs = new Map<string, RunView>();
  /** Time of the last snapshot or update (epoch ms); 0 before the first. */
  at = 0;
  /** False while the feed is disconnected. */
  connected = true;

  /** Replace everything with a snapshot. */
  applySnapshot(snapshot: FeedSnapshot): void {
    this.drives.clear();
    this.runs.clear();
    for (const d of snapshot.drives) this.drives.set(d.id, d);
    for (const r of snapshot.runs) this.runs.set(r.id, r);
    this.at = snapshot.at;
  }

  /** Merge a drive's changed fields. Returns false for a drive not seen yet (ask for a snapshot then). */
  applyDrive(delta: DriveDelta, now = Date.now()): boolean {
    const current = this.drives.get(delta.id);
    if (!current) return false;
    this.drives.set(delta.id, { ...current, ...delta });
    this.at = Math.max(this.at, delta.updatedAt ?? now);
    return true;
  }

  /** Replace a run. */
  applyRun(run: RunView, now = Date.now()): void {
    this.runs.set(run.id, run);
    this.at = Math.max(this.at, now);
  }

  /** The current snapshot-shaped state, for `--json`. */
  toJSON(): { drives: DriveView[]; runs: RunView[]; at: number } {
    return { drives: [...this.drives.values()], runs: [...this.runs.values()], at: this.at };
  }

  /**
   * The tower view as lines: a header (the time local, its zone named), one
   * line per drive, then the active runs; each line at most `width`
   * characters (live-lines.ts says what gives way first).
   */
  render(width = Number.POSITIVE_INFINITY): string[] {
    const drives = [...this.drives.values()];
    const active = [...this.runs.values()]
      .filter((r) => !FINAL_RUN_STATUSES.includes(r.status))
      .sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt);
    const runs = active.length > 0 ? active.map((r) => fittedRunLine(r, width)) : ['No active runs.'];
    return [this.header(width), '', ...renderDriveLines(drives, width), '', ...runs];
  }

  /** The counts, the time of the last news and the connection; short of room, the time of day only and the connection first, then cut. */
  private header(width: number): string {
    const drives = [...this.drives.values()];
    const busy = drives.filter((d) => d.state === 'burning' || d.state === 'verifying' || d.state === 'busy').length;
    const attention = drives.filter((d) => d.needsAttention).length;
    const counts = `${drives.length} drives, ${busy} busy, ${attention} need attention`;
    const full = `tower: ${counts}; at ${formatDateTime(this.at, { zone: true })}${this.connected ? '' : '  (disconnected, reconnecting...)'}`;
    if (full.length <= width) return full;
    return ellipsize(`tower${this.connected ? '' : ' (disconnected)'}: ${counts}; ${formatTime(this.at, { zone: true })}`, width);
  }
}
