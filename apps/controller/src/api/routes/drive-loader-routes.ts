/**
 * A person's hand at a simulated drive's auto-loader, through the API:
 * blanks put into its input (`POST /api/drives/:id/loader/blanks`), the
 * coasters taken out of its reject bin (`…/loader/empty-rejects`). The
 * owning agent changes the loader's counts (a real changer is refused: it
 * counts what a person puts in by itself), the drive is woken to look at
 * once, and the answer waits a moment for that look, so it does not still
 * say "load blanks" of a drive just filled.
 */
import { readDriveStatus } from '@tower/jobs';
import type { LoaderAction, RunControlMessage } from '@tower/jobs';
import type { LoaderNeed } from 'node-cdrecord-wrapper';
import type { DriveView } from '../../shared/api-types.js';
import { conflict, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { DriveId, DriveView as DriveSchema, doc, IdParams, LoadBlanksRequest } from '../schemas.js';

/** How long an answer waits for the drive's look after the loader changed. */
const LOOK_MS = 2_000;

/** The need each action meets. */
const CURES: Readonly<Record<LoaderAction, LoaderNeed>> = { 'load-blanks': 'input-empty', 'empty-rejects': 'reject-full' };

/** Add the loader routes. */
export function registerDriveLoaderRoutes(app: TypedApp, s: ApiServices): void {
  const params = IdParams(DriveId);
  const { redis } = s.deps;

  const act = async (driveId: string, action: LoaderAction, who: ReturnType<typeof principalOf>, count?: number): Promise<DriveView> => {
    const view = await s.drives.get(driveId);
    if (view === null) throw notFound('drive', driveId, 'id');
    if (view.agentId === '' || view.state === 'offline') throw conflict(`drive ${view.id} is offline: its agent does not answer`, 'AGENT_OFFLINE');
    await s.agents.call(view.agentId, { type: 'loader', driveId: view.id, action, ...(count === undefined ? {} : { count }) });
    await s.audit.append(who, `drive.loader.${action}`, view.id, count === undefined ? '' : { count });
    await lookNow(view.id, CURES[action]);
    s.drives.invalidate();
    s.events.emit('drive-changed', view.id);
    return (await s.drives.get(view.id)) ?? view;
  };

  /** Wake the drive, and wait (bounded) until its published loader no longer says `need`. */
  const lookNow = async (driveId: string, need: LoaderNeed): Promise<void> => {
    const msg: RunControlMessage = { action: 'work', runId: '', drives: [driveId] };
    await redis.publish(s.keys.runControl(), JSON.stringify(msg));
    const until = performance.now() + LOOK_MS;
    while (performance.now() < until) {
      const now = await readDriveStatus(redis, s.keys, driveId);
      if (now?.loader?.needsPerson !== need) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  app.post('/api/drives/:id/loader/blanks', {
    schema: {
      tags: ['drives'], summary: 'Put blanks into a simulated drive\'s auto-loader (a person\'s hand, for the simulated tower)',
      params, body: LoadBlanksRequest, response: doc({ 200: DriveSchema }, 400, 401, 403, 404, 409, 504),
    },
  }, async (request) => act(request.params.id, 'load-blanks', principalOf(request), request.body.count));

  app.post('/api/drives/:id/loader/empty-rejects', {
    schema: {
      tags: ['drives'], summary: 'Take the coasters out of a simulated drive\'s reject bin (a person\'s hand, for the simulated tower)',
      params, response: doc({ 200: DriveSchema }, 400, 401, 403, 404, 409, 504),
    },
  }, async (request) => act(request.params.id, 'empty-rejects', principalOf(request)));
}
