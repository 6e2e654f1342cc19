/**
 * Issue 13 point 4: a run no drive in service can serve says so, from its
 * creation and for as long as it lasts ("needs a person"), instead of
 * waiting in silence: a DVD run on a tower of CD writers, or a run whose
 * --drives take another class.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
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

async function drive(id: string, classes: readonly MediaClass[], cueTrackModes?: readonly string[]): Promise<void> {
  const p = new DriveStatePublisher({ driveId: id, agentId: 'agent-c', redis: env.redis, keys: env.runStore.keys, classes, ...(cueTrackModes === undefined ? {} : { cueTrackModes }) });
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

  it('an audio CUE run whose drives burn no audio (a stdio: drive) needs a person; its copies say their track modes (issue 13 point 3)', async () => {
    await heartbeat(env, 'agent-c', ['cd-1', 'cd-2', 'dvd-1', 'stdio-1', 'cd-3']);
    await drive('stdio-1', ['cd'], ['MODE1/2048']);
    writeFileSync(path.join(env.importRoot, 'audio.bin'), Buffer.alloc(300 * 2352, 5));
    writeFileSync(path.join(env.importRoot, 'audio.cue'), 'FILE "audio.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
    const image = await env.library.importFromPath(path.join(env.importRoot, 'audio.cue'), { name: 'Audio' });
    // The views read the drives at most once a second.
    await new Promise((r) => setTimeout(r, 1100));
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: image.id, copies: 1, drives: ['stdio-1'], verify: 'off' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.statusReason).toBe(
      'needs a person: none of its drives (stdio-1) can burn its AUDIO CUE tracks (a stdio: drive burns MODE1/2048 only): bring a CD writer into service or choose other drives',
    );
    // The copy job carries the modes, so the drive worker passes it on before any attempt.
    const jobs = await env.cdQueue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.find((j) => j.data.runId === created.body.id)?.data.image?.trackModes).toEqual(['AUDIO']);
    // A drive that burns every mode among its drives: the run is served.
    await drive('cd-3', ['cd']);
    await new Promise((r) => setTimeout(r, 1100));
    const widened = await call(env, 'POST', '/api/runs', { body: { imageId: image.id, copies: 1, drives: ['stdio-1', 'cd-3'], verify: 'off' } });
    expect(widened.body.statusReason).toBeNull();
    for (const id of [created.body.id, widened.body.id]) await call(env, 'POST', `/api/runs/${id}/cancel`);
  });
});
