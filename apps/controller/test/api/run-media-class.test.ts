import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseMediaClass, classesOfSizes } from '../../src/api/run-media-class.js';
import { call, heartbeat, publishState, startEnv } from './support.js';
import type { Env } from './support.js';

describe('chooseMediaClass', () => {
  const small = ['cd-650', 'cd-700', 'cd-800', 'dvd', 'dvd-dl', 'bd', 'bd-dl'];
  it('goes on what the drives hold: the smallest class the image fits among them', () => {
    expect(classesOfSizes(small)).toEqual(['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl']);
    expect(chooseMediaClass('img', small, undefined, ['DVD+R', null])).toBe('dvd');
    expect(chooseMediaClass('img', small, undefined, ['BD-R', 'DVD-R'])).toBe('dvd');
    expect(chooseMediaClass('img', small, undefined, ['CD-R', 'DVD+R'])).toBe('cd');
    // Nothing loaded anywhere: the smallest the image fits.
    expect(chooseMediaClass('img', small, undefined, [null])).toBe('cd');
    // Drives holding only media the image does not fit do not change that.
    expect(chooseMediaClass('img', ['dvd', 'dvd-dl'], undefined, ['CD-R'])).toBe('dvd');
  });
  it('takes the operator\'s class when the image fits it, and refuses it otherwise', () => {
    expect(chooseMediaClass('img', small, 'bd', ['CD-R'])).toBe('bd');
    expect(() => chooseMediaClass('img', ['dvd-dl', 'bd', 'bd-dl'], 'dvd', [])).toThrow(/does not go on dvd media; it fits dvd-dl, bd, bd-dl/);
    expect(() => chooseMediaClass('img', [], undefined, [])).toThrow(/fits no media class/);
  });
});

describe('POST /api/runs media', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => env?.stop());

  it('queues a small image on DVD when the drives hold DVD+R blanks, and on the class asked for', async () => {
    await heartbeat(env, 'agent-a', ['rec-1']);
    await publishState(env, 'rec-1', { state: 'blank', mediaType: 'DVD+R' });
    const auto = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } });
    expect(auto.status, auto.text).toBe(201);
    expect(auto.body.mediaClass).toBe('dvd');
    const asked = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, media: 'cd' } });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body.mediaClass).toBe('cd');
  });

  it('refuses a class that is not one, with nothing created', async () => {
    const before = (await call(env, 'GET', '/api/runs')).body.length;
    const bad = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, media: 'floppy' } });
    expect(bad.status).toBe(400);
    expect((await call(env, 'GET', '/api/runs')).body.length).toBe(before);
  });
});
