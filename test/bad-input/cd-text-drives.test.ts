/**
 * Bad input of issue 14 (CD-TEXT routing) over the controller's HTTP API: a
 * run whose image's TOC carries CD-TEXT (the image's own, or the run's
 * `cdText`) restricted to drives that are known and declared not to write
 * CD-TEXT (by id, by several ids, by group). Each gets 422
 * CD_TEXT_NOT_DECLARED naming `drives` and what to set, and changes
 * nothing: no run, no queued copy, no run TOC folder.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriveStatePublisher } from '@tower/jobs';
import { call, heartbeat, queuedCopies, startEnv } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';

const TOC = readFileSync(fileURLToPath(new URL('../../drivers/test/fixtures/toc/mastered-audio.toc', import.meta.url)), 'latin1');
const CUE = ['FILE "master.bin" MOTOROLA', '  TRACK 01 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:01:00',
  '  TRACK 02 AUDIO', '    INDEX 00 00:08:00', '    INDEX 01 00:10:00', ''].join('\n');

let env: Env;
let imageId = '';
beforeAll(async () => {
  env = await startEnv({ deps: { driveLayout: { 'plain-1': { label: 'P1', group: 'plain' }, 'plain-2': { label: 'P2', group: 'plain' } }, log: () => undefined } });
  const dir = path.join(env.library.dir, '.mastering', 'bad');
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path.join(dir, 'master.bin'), 'w');
  ftruncateSync(fd, 1500 * 2352);
  closeSync(fd);
  writeFileSync(path.join(dir, 'master.toc'), TOC, 'latin1');
  writeFileSync(path.join(dir, 'master.cue'), CUE);
  imageId = (await env.library.addMasteredImage(path.join(dir, 'master.cue'), {
    format: 'bin-cue', allowDamaged: false, tocFile: path.join(dir, 'master.toc'), provenance: { kind: 'mastered', drive: '/dev/sr0', at: '2026-12-04T02:00:00.000Z' },
  })).id;
  await heartbeat(env, 'agent-b', ['plain-1', 'plain-2']);
  for (const id of ['plain-1', 'plain-2']) {
    const p = new DriveStatePublisher({ driveId: id, agentId: 'agent-b', redis: env.redis, keys: env.runStore.keys, classes: ['cd'], writesCdText: false });
    p.update({ state: 'blank', mediaType: 'CD-R' });
    await p.flush();
    p.close();
  }
});
afterAll(async () => env?.stop());

const runTocDirs = (): number => {
  const dir = path.join(path.dirname(env.library.dir), 'cdtext-runs');
  return existsSync(dir) ? readdirSync(dir).length : 0;
};

const CASES: ReadonlyArray<{ readonly name: string; readonly body: () => Record<string, unknown>; readonly names: RegExp }> = [
  { name: 'one undeclared drive by id', body: () => ({ imageId, copies: 1, verify: 'off', drives: ['plain-1'] }), names: /\(plain-1\)/ },
  { name: 'two undeclared drives by id', body: () => ({ imageId, copies: 3, verify: 'off', drives: ['plain-2', 'plain-1'] }), names: /\(plain-1, plain-2\)/ },
  { name: 'a group of undeclared drives', body: () => ({ imageId, copies: 1, verify: 'off', drives: ['plain'] }), names: /\(plain-1, plain-2\)/ },
  { name: 'the run\'s own CD-TEXT on an undeclared drive', body: () => ({ imageId, copies: 1, verify: 'off', drives: ['plain-2'], cdText: { disc: { title: 'Live' } } }), names: /\(plain-2\)/ },
  { name: 'the run\'s own CD-TEXT and a priority on both undeclared drives', body: () => ({ imageId, copies: 2, verify: 'off', priority: 500, drives: ['plain-1', 'plain-2'], cdText: { tracks: [{ track: 1, title: 'One' }] } }), names: /\(plain-1, plain-2\)/ },
];

describe('a CD-TEXT run on drives declared not to write CD-TEXT', () => {
  it.each(CASES)('$name: 422 CD_TEXT_NOT_DECLARED, nothing written', async ({ body, names }) => {
    const runs = (await call(env, 'GET', '/api/runs')).body.length;
    const queued = await queuedCopies(env);
    const dirs = runTocDirs();
    const res = await call(env, 'POST', '/api/runs', { body: body() });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'CD_TEXT_NOT_DECLARED', field: 'drives' });
    expect(res.body.error.message).toMatch(names);
    expect(res.body.error.message).toMatch(/carries CD-TEXT .* set "cdText": true on a drive whose recorder writes CD-TEXT/);
    expect((await call(env, 'GET', '/api/runs')).body.length).toBe(runs);
    expect(await queuedCopies(env)).toBe(queued);
    expect(runTocDirs()).toBe(dirs);
  });
});
