/**
 * "Insert disc" for a simulated drive (`POST /api/drives/:id/insert`): a
 * blank of a media type, or a pressed disc of a library ISO image to master
 * or copy from. The owning agent puts it in (protocol: `InsertDiscCommand`);
 * a real drive is refused (409 NOT_SIMULATED: a person puts a disc into it),
 * as is a busy one (409 DRIVE_BUSY), a CUE image (422 IMAGE_NOT_ISO) and an
 * unknown image (404). The answer waits a moment for the drive's first look
 * at the new disc, so it shows the drive as it now is.
 */
import type { Static } from '@fastify/type-provider-typebox';
import { readDriveStatus } from '@tower/jobs';
import type { InsertedDisc, RunControlMessage } from '@tower/jobs';
import type { DriveView } from '../../shared/api-types.js';
import { ApiError, conflict, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { DriveId, DriveView as DriveSchema, doc, IdParams, InsertDiscRequest } from '../schemas.js';

/** How long an answer waits for the drive's look at the new disc. */
const LOOK_MS = 2_000;

/** Add the insert route. */
export function registerDriveInsertRoutes(app: TypedApp, s: ApiServices): void {
  const { redis } = s.deps;

  /** The disc the agent is told to put in: a blank, or the image's file, size and class. */
  const discOf = (body: Static<typeof InsertDiscRequest>): InsertedDisc => {
    if (body.kind === 'blank') return { kind: 'blank', mediaType: body.mediaType };
    const image = s.deps.library.get(body.imageId);
    if (image === undefined) throw notFound('image', body.imageId, 'imageId');
    if (image.format !== 'iso') {
      throw new ApiError(422, 'IMAGE_NOT_ISO', `image ${image.id} is ${image.format.toUpperCase()}: only an ISO image can be put into a simulated drive as a pressed disc`, 'imageId');
    }
    if (image.storage !== undefined) {
      throw new ApiError(422, 'IMAGE_COMPRESSED', `image ${image.id} is stored compressed: store it plain first (tower images decompress ${image.id})`, 'imageId');
    }
    return { kind: 'image', imageId: image.id, path: s.deps.library.imagePath(image.id), sizeBytes: image.sizeBytes, mediaClass: image.mediaClass };
  };

  /** Wake the drive, and wait (bounded) until it published a look newer than `seq` (not the `offline` of its worker's restart). */
  const lookNow = async (driveId: string, seq: number | undefined): Promise<void> => {
    const msg: RunControlMessage = { action: 'work', runId: '', drives: [driveId] };
    await redis.publish(s.keys.runControl(), JSON.stringify(msg));
    const until = performance.now() + LOOK_MS;
    while (performance.now() < until) {
      const now = await readDriveStatus(redis, s.keys, driveId);
      if (now?.seq !== undefined && now.seq > (seq ?? -1) && now.state !== 'offline') return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  app.post('/api/drives/:id/insert', {
    schema: {
      tags: ['drives'], summary: 'Put a disc into a simulated drive: a blank, or a pressed disc of a library ISO image',
      params: IdParams(DriveId), body: InsertDiscRequest, response: doc({ 200: DriveSchema }, 400, 401, 403, 404, 409, 422, 504),
    },
  }, async (request): Promise<DriveView> => {
    const who = principalOf(request);
    const view = await s.drives.get(request.params.id);
    if (view === null) throw notFound('drive', request.params.id, 'id');
    if (view.agentId === '' || view.state === 'offline') throw conflict(`drive ${view.id} is offline: its agent does not answer`, 'AGENT_OFFLINE');
    if (view.simulated !== true) throw conflict(`drive ${view.id} is not a simulated drive: put a disc into it by hand`, 'NOT_SIMULATED');
    if (view.state === 'burning' || view.state === 'verifying' || view.state === 'busy') {
      throw conflict(`drive ${view.id} is ${view.state}: wait until it is free`, 'DRIVE_BUSY');
    }
    const disc = discOf(request.body);
    const before = await readDriveStatus(redis, s.keys, view.id);
    await s.agents.call(view.agentId, { type: 'insert', driveId: view.id, disc });
    await s.audit.append(who, 'drive.insert', view.id, disc.kind === 'blank' ? { blank: disc.mediaType } : { imageId: disc.imageId });
    await lookNow(view.id, before?.seq);
    s.drives.invalidate();
    s.events.emit('drive-changed', view.id);
    return (await s.drives.get(view.id)) ?? view;
  });
}
