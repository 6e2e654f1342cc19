/**
 * Masters: read a disc in a drive into the library, through the owning agent.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@fastify/type-provider-typebox';
import type { MasterView } from '../../shared/api-types.js';
import { conflict, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { masterFromHash, masterToHash } from '../master-records.js';
import { doc, IdParams, MasterId, MasterRequest, MasterView as MasterSchema } from '../schemas.js';

/** Every master, newest first. */
export async function listMasters(s: ApiServices, limit = 200): Promise<MasterView[]> {
  const ids = await s.deps.redis.zrevrange(s.keys.masters(), 0, limit - 1);
  const all = await Promise.all(ids.map((id) => readMaster(s, id)));
  return all.filter((m): m is MasterView => m !== null);
}

/** One master, or null. */
export async function readMaster(s: ApiServices, masterId: string): Promise<MasterView | null> {
  return masterFromHash(await s.deps.redis.hgetall(s.keys.master(masterId)));
}

/** Add the master routes. */
export function registerMasterRoutes(app: TypedApp, s: ApiServices): void {
  app.post('/api/masters', {
    schema: { tags: ['masters'], summary: 'Read the disc in a drive into the library', body: MasterRequest, response: doc({ 202: MasterSchema }, 400, 401, 403, 404, 409) },
  }, async (request, reply) => {
    const who = principalOf(request);
    const body = request.body;
    const drive = await s.drives.get(body.driveId);
    if (drive === null) throw notFound('drive', body.driveId, 'driveId');
    if (drive.agentId === '' || drive.state === 'offline') throw conflict(`drive ${drive.id} is offline: its agent does not answer`, 'AGENT_OFFLINE');
    if (drive.state === 'burning' || drive.state === 'verifying' || drive.state === 'busy') {
      throw conflict(`drive ${drive.id} is ${drive.state}: wait until it is free`, 'DRIVE_BUSY');
    }
    const id = randomUUID();
    const master: MasterView = {
      id, driveId: drive.id, name: body.name, status: 'queued', bytesRead: 0, bytesTotal: 0, speedMBps: null, etaSeconds: null,
      unreadableSectors: 0, damage: [], imageId: null, error: null, startedAt: s.now(), endedAt: null,
    };
    const { redis } = s.deps;
    await redis.multi()
      .hset(s.keys.master(id), masterToHash({ ...master, agentId: drive.agentId }))
      .zadd(s.keys.masters(), master.startedAt, id)
      .exec();
    const { receivers } = await s.agents.send(drive.agentId, {
      type: 'master', masterId: id, driveId: drive.id, name: body.name,
      ...(body.format === undefined ? {} : { format: body.format }),
      allowDamaged: body.allowDamaged ?? false,
      retries: body.retries ?? 3,
    });
    if (receivers === 0) {
      await redis.multi().del(s.keys.master(id)).zrem(s.keys.masters(), id).exec();
      throw conflict(`agent ${drive.agentId} is not listening for commands`, 'AGENT_OFFLINE');
    }
    await s.audit.append(who, 'master.start', id, { driveId: drive.id, name: body.name });
    s.events.emit('master-changed', id);
    return reply.status(202).send(master);
  });

  app.get('/api/masters', {
    schema: { tags: ['masters'], summary: 'Master reads, newest first', response: doc({ 200: Type.Array(MasterSchema) }, 401) },
  }, async () => listMasters(s));

  app.get('/api/masters/:id', {
    schema: { tags: ['masters'], summary: 'One master read', params: IdParams(MasterId), response: doc({ 200: MasterSchema }, 400, 401, 404) },
  }, async (request) => {
    const m = await readMaster(s, request.params.id);
    if (m === null) throw notFound('master', request.params.id, 'id');
    return m;
  });
}
