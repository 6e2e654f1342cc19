/**
 * Issue 13 point 4: a run no drive in service can serve says so, from its
 * creation and for as long as it lasts ("needs a person"), instead of
 * waiting in silence: a DVD run on a tower of CD writers, or a run whose
 * --drives take another class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriveStatePublisher } from '@tower/jobs';
import type { MediaClass } from 'node-cdrecord-wrapper';
import { call, heartbeat, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { driveLayout: {} } });
});
afterAll(async () => env?.stop());

async function drive(id: string, classes: readonly MediaClass[]): Promise<void> {
  const p = new DriveStatePublisher({ driveId: id, agentId: 'agent-c', redis: env.redis, keys: env.runStore.keys, classes });
  p.update({ state: 'empty' });
  await p.flush();
  p.close();
}

describe('a run nobody can serve', () => {
  it('says why and what a person must do, on creation and while it lasts; nothing once a drive can serve it', async () => {
    await heartbeat(env, 'agent-c', ['cd-1', 'cd-2']);
    await drive('cd-1', ['cd']);
    await drive('cd-2', ['cd']);
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 2, media: 'dvd' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.statusReason).toBe('needs a person: no drive in service takes DVD discs: add a DVD writer');
    const onCd = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, media: 'cd', drives: ['cd-1'] } });
    expect(onCd.body.statusReason).toBeNull();
    // A drive that takes DVDs comes into service: the run is served.
    await heartbeat(env, 'agent-c', ['cd-1', 'cd-2', 'dvd-1']);
    await drive('dvd-1', ['cd', 'dvd']);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(env, 'GET', `/api/runs/${created.body.id}`)).body.statusReason).toBeNull();
    // --drives naming only CD writers for a DVD run.
    const narrowed = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, media: 'dvd', drives: ['cd-1', 'cd-2'] } });
    expect(narrowed.body.statusReason).toBe('needs a person: none of its drives (cd-1, cd-2) takes DVD discs: add a DVD writer or choose other drives');
    for (const id of [created.body.id, onCd.body.id, narrowed.body.id]) await call(env, 'POST', `/api/runs/${id}/cancel`);
  });
});
