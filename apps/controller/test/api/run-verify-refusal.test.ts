/**
 * Issue 13 point 1: a verify that cannot be done for an image is refused
 * when the run is created (422 VERIFY_IMPOSSIBLE), not found out after a
 * burn. An audio CUE image is verified by reading its audio back, which a
 * simulated drive does and a real drive (here `/dev/sr7`) does not.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriveStatePublisher } from '@tower/jobs';
import { call, heartbeat, startEnv } from './support.js';
import type { Env } from './support.js';

let env: Env;
let audioId: string;
let dataId: string;
beforeAll(async () => {
  env = await startEnv({ deps: { driveLayout: {} } });
  await heartbeat(env, 'agent-v', ['sim:3', '/dev/sr7']);
  for (const driveId of ['sim:3', '/dev/sr7']) {
    const p = new DriveStatePublisher({ driveId, agentId: 'agent-v', redis: env.redis, keys: env.runStore.keys, classes: ['cd'] });
    p.update({ state: 'empty' });
    await p.flush();
    p.close();
  }
  writeFileSync(path.join(env.importRoot, 'song.bin'), Buffer.alloc(300 * 2352, 9));
  writeFileSync(path.join(env.importRoot, 'song.cue'), 'FILE "song.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
  audioId = (await env.library.importFromPath(path.join(env.importRoot, 'song.cue'), { name: 'Song' })).id;
  writeFileSync(path.join(env.importRoot, 'x.bin'), Buffer.alloc(100 * 2048, 1));
  writeFileSync(path.join(env.importRoot, 'x.cue'), 'FILE "x.bin" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n');
  dataId = (await env.library.importFromPath(path.join(env.importRoot, 'x.cue'), { name: 'Data' })).id;
});
afterAll(async () => env?.stop());

describe('creating a run whose verify cannot be done', () => {
  it('refuses an audio CUE run with verify on drives that read no audio back, and nothing is queued', async () => {
    const refused = await call(env, 'POST', '/api/runs', { body: { imageId: audioId, copies: 1, drives: ['/dev/sr7'] } });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.error.code).toBe('VERIFY_IMPOSSIBLE');
    expect(refused.body.error.message).toContain('cannot be verified on drive /dev/sr7: track 1 is audio');
    expect(await env.runStore.listRunIds()).toEqual([]);
  });

  it('accepts it on a simulated drive, with verify off, and a data CUE run on any drive', async () => {
    const ids: string[] = [];
    for (const body of [
      { imageId: audioId, copies: 1, drives: ['sim:3'] },
      { imageId: audioId, copies: 1, drives: ['/dev/sr7'], verify: 'off' },
      { imageId: dataId, copies: 1, drives: ['/dev/sr7'] },
    ]) {
      const created = await call(env, 'POST', '/api/runs', { body });
      expect(created.status, created.text).toBe(201);
      ids.push(created.body.id);
    }
    for (const id of ids) await call(env, 'POST', `/api/runs/${id}/cancel`);
  });
});
