/**
 * Drives: list, detail, eject (through the owning agent), quarantine, release; drive stats.
 */
import { Type } from '@fastify/type-provider-typebox';
import { getQuarantine, quarantineDrive, readDriveStatus, releaseDrive } from '@tower/jobs';
import type { RunControlMessage } from '@tower/jobs';
import type { DriveDetail, DriveStats, DriveView } from '../../shared/api-types.js';
import { ApiError, conflict, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { QuarantineLog } from '../quarantine-log.js';
import {
  DriveDetail as DriveDetailSchema, DriveId, DriveStats as DriveStatsSchema, DriveView as DriveSchema, doc, IdParams, QuarantineRequest,
} from '../schemas.js';
import { toAttemptView } from '../views/attempt-view.js';
import { computeDriveStats } from '../views/drive-stats.js';

/** How long a release waits for the agent's fresh look at the drive. */
const RELEASE_LOOK_MS = 2_000;

/** Attempts shown in a drive's detail. */
const RECENT_ATTEMPTS = 20;

/** Add the drive routes. */
export function registerDriveRoutes(app: TypedApp, s: ApiServices): void {
  const params = IdParams(DriveId);
  const { redis } = s.deps;

  const requireDrive = async (id: string): Promise<DriveView> => {
    const view = await s.drives.get(id);
    if (view === null) throw notFound('drive', id, 'id');
    return view;
  };
  /**
   * A released drive: its agent looks at it now (not at its next poll), and
   * the answer waits a moment for what it finds, so it does not say
   * "quarantined" of a drive just put back in service.
   */
  const lookAgain = async (driveId: string): Promise<void> => {
    const before = await readDriveStatus(redis, s.keys, driveId);
    const msg: RunControlMessage = { action: 'work', runId: '', drives: [driveId] };
    await redis.publish(s.keys.runControl(), JSON.stringify(msg));
    if (before?.state !== 'quarantined') return;
    const until = performance.now() + RELEASE_LOOK_MS;
    while (performance.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await readDriveStatus(redis, s.keys, driveId);
      if (now !== null && now.state !== 'quarantined') return;
    }
  };
  const stats = async (driveId: string, events?: Awaited<ReturnType<QuarantineLog['events']>>): Promise<DriveStats> => {
    const [attempts, evs, current] = await Promise.all([
      s.deps.runStore.listAttemptsByDrive(driveId),
      events ?? s.quarantineLog.events(),
      getQuarantine(redis, s.keys, driveId),
    ]);
    return computeDriveStats(driveId, attempts, QuarantineLog.historyOf(driveId, evs, current));
  };

  app.get('/api/drives', {
    schema: { tags: ['drives'], summary: 'Every drive, by agent and position', response: doc({ 200: Type.Array(DriveSchema) }, 401) },
  }, async () => s.drives.list());

  app.get('/api/drives/:id', {
    schema: { tags: ['drives'], summary: 'One drive with stats and recent attempts', params, response: doc({ 200: DriveDetailSchema }, 400, 401, 404) },
  }, async (request): Promise<DriveDetail> => {
    const view = await requireDrive(request.params.id);
    const [st, attempts] = await Promise.all([stats(view.id), s.deps.runStore.listAttemptsByDrive(view.id)]);
    return { ...view, stats: st, recentAttempts: attempts.slice(-RECENT_ATTEMPTS).reverse().map(toAttemptView) };
  });

  app.post('/api/drives/:id/eject', {
    schema: { tags: ['drives'], summary: 'Open the tray (the owning agent does it)', params, response: doc({ 200: DriveSchema }, 400, 401, 403, 404, 409, 504) },
  }, async (request) => {
    const who = principalOf(request);
    const view = await requireDrive(request.params.id);
    if (view.agentId === '' || view.state === 'offline') throw conflict(`drive ${view.id} is offline: its agent does not answer`, 'AGENT_OFFLINE');
    if (view.state === 'burning' || view.state === 'verifying') {
      throw conflict(`drive ${view.id} is ${view.state}: pause or cancel its run first`, 'DRIVE_BUSY');
    }
    await s.agents.call(view.agentId, { type: 'eject', driveId: view.id });
    await s.audit.append(who, 'drive.eject', view.id);
    s.events.emit('drive-changed', view.id);
    return requireDrive(view.id);
  });

  app.post('/api/drives/:id/quarantine', {
    schema: { tags: ['drives'], summary: 'Take a drive out of service', params, body: QuarantineRequest, response: doc({ 200: DriveSchema }, 400, 401, 403, 404) },
  }, async (request) => {
    const who = principalOf(request);
    const view = await requireDrive(request.params.id);
    const at = s.now();
    const info = { reason: request.body.reason, failures: 0, at, by: who.name };
    await quarantineDrive(redis, s.keys, view.id, info);
    await s.quarantineLog.record({ driveId: view.id, kind: 'quarantine', at, by: who.name, reason: request.body.reason });
    await s.audit.append(who, 'drive.quarantine', view.id, request.body.reason);
    s.drives.invalidate();
    s.events.emit('drive-changed', view.id);
    return requireDrive(view.id);
  });

  app.post('/api/drives/:id/release', {
    schema: { tags: ['drives'], summary: 'Put a quarantined drive back in service', params, response: doc({ 200: DriveSchema }, 400, 401, 403, 404, 409) },
  }, async (request) => {
    const who = principalOf(request);
    const view = await requireDrive(request.params.id);
    if (!(await releaseDrive(redis, s.keys, view.id))) throw new ApiError(409, 'NOT_QUARANTINED', `drive ${view.id} is not quarantined`);
    await s.quarantineLog.record({ driveId: view.id, kind: 'release', at: s.now(), by: who.name });
    await s.audit.append(who, 'drive.release', view.id);
    await lookAgain(view.id);
    s.drives.invalidate();
    s.events.emit('drive-changed', view.id);
    return requireDrive(view.id);
  });

  app.get('/api/stats/drives', {
    schema: { tags: ['drives'], summary: 'Per-drive totals from the attempt history', response: doc({ 200: Type.Array(DriveStatsSchema) }, 401) },
  }, async (): Promise<DriveStats[]> => {
    const ids = [...(await s.drives.knownDriveIds())].sort();
    const events = await s.quarantineLog.events();
    return Promise.all(ids.map((id) => stats(id, events)));
  });
}
