/**
 * Quarantine history: every quarantine and release through the API, with
 * who, in a capped Redis list (JSON events, newest first). Quarantines the
 * drive workers make by themselves appear from the quarantine hash.
 */
import type { Redis } from 'ioredis';
import type { DriveStats } from '../shared/api-types.js';
import type { RedisSchema } from '@tower/jobs';

/** Most events kept. */
export const QUARANTINE_HISTORY_MAX = 10_000;

/** One quarantine or release. */
export interface QuarantineEvent {
  readonly driveId: string;
  readonly kind: 'quarantine' | 'release';
  readonly at: number;
  readonly by: string;
  readonly reason?: string;
}

type HistoryEntry = DriveStats['quarantineHistory'][number];

/** Records and reads quarantine events. */
export class QuarantineLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisSchema,
  ) {}

  /** Append one event. */
  async record(event: QuarantineEvent): Promise<void> {
    const key = this.keys.quarantineHistory();
    await this.redis.multi().lpush(key, JSON.stringify(event)).ltrim(key, 0, QUARANTINE_HISTORY_MAX - 1).exec();
  }

  /** Every event, oldest first. */
  async events(): Promise<QuarantineEvent[]> {
    const raw = await this.redis.lrange(this.keys.quarantineHistory(), 0, -1);
    const out: QuarantineEvent[] = [];
    for (const text of raw.reverse()) {
      try {
        out.push(JSON.parse(text) as QuarantineEvent);
      } catch {
        // skip a damaged entry
      }
    }
    return out;
  }

  /**
   * A drive's quarantines, oldest first, each with its release when there
   * was one. `current` (the quarantine hash's entry) is added when the
   * events do not show it (a worker quarantined the drive itself).
   */
  static historyOf(driveId: string, events: readonly QuarantineEvent[], current: { reason: string; at: number; by?: string } | null): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (const e of events) {
      if (e.driveId !== driveId) continue;
      const last = out[out.length - 1];
      if (e.kind === 'quarantine') out.push({ reason: e.reason ?? '', at: e.at, by: e.by });
      else if (last !== undefined && last.releasedAt === undefined) out[out.length - 1] = { ...last, releasedAt: e.at, releasedBy: e.by };
      else out.push({ reason: '(quarantined by a drive worker)', at: e.at, by: 'system', releasedAt: e.at, releasedBy: e.by });
    }
    const open = out[out.length - 1];
    if (current !== null && (open === undefined || open.releasedAt !== undefined)) {
      out.push({ reason: current.reason, at: current.at, by: current.by ?? 'system' });
    }
    return out;
  }
}
