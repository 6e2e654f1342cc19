/**
 * Media classes (one copy queue each) and copy job ids. Queue, key and
 * channel names are built by `RedisSchema` (protocol/redis-schema.ts).
 */
import type { MediaClass } from 'node-cdrecord-wrapper';

/** Every media class, smallest first (the order a drive worker polls its queues in). */
export const MEDIA_CLASSES: readonly MediaClass[] = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'];

/**
 * BullMQ job id of a copy slot. BullMQ refuses ids with one `:` (it keeps `:`
 * for its own keys), so the parts are joined with `/`: `${runId}/${copy}`,
 * replacements `${runId}/${copy}/r${k}`.
 */
export function copyJobId(runId: string, copy: number, replacement = 0): string {
  return replacement > 0 ? `${runId}/${copy}/r${replacement}` : `${runId}/${copy}`;
}

/** What every copy job id of a run starts with ({@link copyJobId}). */
export function copyJobIdPrefix(runId: string): string {
  return `${runId}/`;
}
