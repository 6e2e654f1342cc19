/**
 * A master read as kept in the hash `tower:master:{masterId}`. The controller
 * creates it (status `queued`) and the agent that reads the disc updates it.
 *
 * Fields (all strings): `id`, `driveId`, `agentId`, `name`, `status`
 * (queued | reading | done | failed | cancelled), `bytesRead`, `bytesTotal`,
 * `speedMBps`, `etaSeconds`, `unreadableSectors`, `damage` (JSON array of
 * `{ startSector, sectors }`), `imageId`, `error` (JSON `{ code, message }`),
 * `startedAt`, `endedAt` (epoch ms). Absent or empty optional fields mean null.
 */
import type { MasterView } from '../shared/api-types.js';

const STATUSES = new Set<MasterView['status']>(['queued', 'reading', 'done', 'failed', 'cancelled']);

/** Hash fields of a master view (nulls left out). */
export function masterToHash(m: MasterView & { readonly agentId?: string }): Record<string, string> {
  const h: Record<string, string> = {
    id: m.id,
    driveId: m.driveId,
    name: m.name,
    status: m.status,
    bytesRead: String(m.bytesRead),
    bytesTotal: String(m.bytesTotal),
    unreadableSectors: String(m.unreadableSectors),
    damage: JSON.stringify(m.damage),
    startedAt: String(m.startedAt),
  };
  if (m.agentId !== undefined) h.agentId = m.agentId;
  if (m.speedMBps !== null) h.speedMBps = String(m.speedMBps);
  if (m.etaSeconds !== null) h.etaSeconds = String(m.etaSeconds);
  if (m.imageId !== null) h.imageId = m.imageId;
  if (m.error !== null) h.error = JSON.stringify(m.error);
  if (m.endedAt !== null) h.endedAt = String(m.endedAt);
  return h;
}

/** Parse a master hash; null when empty. */
export function masterFromHash(h: Record<string, string>): MasterView | null {
  if (h.id === undefined) return null;
  const num = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
  const status = STATUSES.has(h.status as MasterView['status']) ? (h.status as MasterView['status']) : 'queued';
  return {
    id: h.id,
    driveId: h.driveId ?? '',
    name: h.name ?? '',
    status,
    bytesRead: num(h.bytesRead) ?? 0,
    bytesTotal: num(h.bytesTotal) ?? 0,
    speedMBps: num(h.speedMBps),
    etaSeconds: num(h.etaSeconds),
    unreadableSectors: num(h.unreadableSectors) ?? 0,
    damage: parseJson<MasterView['damage']>(h.damage, []),
    imageId: h.imageId === undefined || h.imageId === '' ? null : h.imageId,
    error: parseJson<MasterView['error']>(h.error, null),
    startedAt: num(h.startedAt) ?? 0,
    endedAt: num(h.endedAt),
  };
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
