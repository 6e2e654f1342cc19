/**
 * Issue 14, CD-TEXT: a run whose image's TOC carries CD-TEXT meets the
 * drives' declared CD-TEXT writing (published with each drive's state) on a
 * real API, Redis and library:
 *
 * - `GET /api/drives` says each drive's `writesCdText` as declared;
 * - with no known drive that writes CD-TEXT, the run is made (201) with a
 *   warning and its view says it needs a person; its copy jobs carry
 *   `image.cdText`; a run naming only undeclared drives is refused (422
 *   CD_TEXT_NOT_DECLARED on `drives`) with nothing written;
 * - once a declared drive is in service the run is served, and new runs get
 *   no warning; an ISO run never gets one.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriveStatePublisher } from '@tower/jobs';
import type { CopyJob } from '@tower/jobs';
import type { ImageRecord } from '../../src/library/index.js';
import { call, heartbeat, queuedCopies, startEnv } from './support.js';
import type { Env } from './support.js';

const TOC = readFileSync(fileURLToPath(new URL('../../../../drivers/test/fixtures/toc/mastered-audio.toc', import.meta.url)), 'latin1');
const CUE = [
  'FILE "master.bin" MOTOROLA', '  TRACK 01 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:01:00',
  '  TRACK 02 AUDIO', '    INDEX 00 00:08:00', '    INDEX 01 00:10:00', '',
].join('\n');

let env: Env;
let audio: ImageRecord;
beforeAll(async () => {
  // `later-1`: a drive the layout names that has published no state yet.
  env = await startEnv({ deps: { driveLayout: { 'later-1': { label: 'Later' } } } });
  const dir = path.join(env.library.dir, '.mastering', 'm1');
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path.join(dir, 'master.bin'), 'w');
  ftruncateSync(fd, 1500 * 2352);
  closeSync(fd);
  writeFileSync(path.join(dir, 'master.toc'), TOC, 'latin1');
  writeFileSync(path.join(dir, 'master.cue'), CUE);
  audio = await env.library.addMasteredImage(path.join(dir, 'master.cue'), {
    format: 'bin-cue', allowDamaged: false, tocFile: path.join(dir, 'master.toc'), provenance: { kind: 'mastered', drive: '/dev/sr0', at: '2026-12-04T02:00:00.000Z' },
  });
});
afterAll(async () => env?.stop());

/** Publish a CD drive's state as its worker does, with its declared CD-TEXT writing (undefined: not said). */
async function drive(id: string, writesCdText?: boolean): Promise<void> {
  const p = new DriveStatePublisher({ driveId: id, agentId: 'agent-t', redis: env.redis, keys: env.runStore.keys, classes: ['cd'], ...(writesCdText === undefined ? {} : { writesCdText }) });
  p.update({ state: 'empty' });
  await p.flush();
  p.close();
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));

describe('runs with CD-TEXT and the drives that write it', () => {
  it('the drive view says what each drive declares', async () => {
    await heartbeat(env, 'agent-t', ['plain-1', 'plain-2', 'sim-x']);
    await drive('plain-1', false);
    await drive('plain-2', false);
    await drive('sim-x');
    const drives = (await call(env, 'GET', '/api/drives')).body as Array<{ id: string; writesCdText?: boolean }>;
    expect(Object.fromEntries(drives.map((d) => [d.id, d.writesCdText ?? 'absent']))).toMatchObject({ 'plain-1': false, 'plain-2': false, 'sim-x': 'absent' });
    const one = await call(env, 'GET', '/api/drives/plain-1');
    expect(one.body.writesCdText).toBe(false);
  });

  it('no known drive writes CD-TEXT: made with a warning and needs a person; refused on named undeclared drives, nothing written', async () => {
    // A simulated drive burns no TOC: it is not said to take copies with CD-TEXT, so only the undeclared drives remain.
    await heartbeat(env, 'agent-t', ['plain-1', 'plain-2']);
    await env.redis.del(env.runStore.keys.driveState('sim-x'));
    await settle();
    const created = await call(env, 'POST', '/api/runs', { body: { imageId: audio.id, copies: 2, verify: 'off' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.warnings).toEqual([
      'the image\'s TOC file carries CD-TEXT and no known drive is declared to write it (plain-1, plain-2 are not): its copies wait until one is: '
      + 'set "cdText": true on a drive whose recorder writes CD-TEXT (tower.json, agent.drives) and restart its agent',
    ]);
    expect(created.body.statusReason).toMatch(/^needs a person: no drive in service is declared to write CD-TEXT, which its TOC file carries: set "cdText": true/);
    const jobs = await env.cdQueue.getJobs(['waiting', 'prioritized', 'delayed']);
    const job = jobs.find((j) => (j.data as CopyJob).runId === created.body.id)?.data as CopyJob | undefined;
    expect(job?.image).toMatchObject({ format: 'cue', cdText: true });
    expect(job?.image.tocPath).toMatch(/\.toc$/);

    // A named drive that has not said what it writes yet (no published state): a warning, not a refusal.
    await heartbeat(env, 'agent-t', ['plain-1', 'plain-2', 'later-1']);
    const pending = await call(env, 'POST', '/api/runs', { body: { imageId: audio.id, copies: 1, verify: 'off', drives: ['plain-1', 'later-1'] } });
    expect(pending.status, pending.text).toBe(201);
    expect(pending.body.warnings).toEqual([expect.stringMatching(/carries CD-TEXT and no known drive is declared to write it \(plain-1 is not\)/)]);
    await call(env, 'POST', `/api/runs/${pending.body.id}/cancel`);
    await heartbeat(env, 'agent-t', ['plain-1', 'plain-2']);
    const runsBefore = (await call(env, 'GET', '/api/runs')).body.length;
    const queuedBefore = await queuedCopies(env);
    const named = await call(env, 'POST', '/api/runs', { body: { imageId: audio.id, copies: 1, verify: 'off', drives: ['plain-1'] } });
    expect(named.status, named.text).toBe(422);
    expect(named.body.error).toMatchObject({ code: 'CD_TEXT_NOT_DECLARED', field: 'drives' });
    expect(named.body.error.message).toMatch(/none of the run's drives \(plain-1\) is declared to write it: set "cdText": true .* or choose drives that write it/);
    // A run's own CD-TEXT on an image (its TOC then carries it) is held to the same rule, before its TOC is written.
    const own = await call(env, 'POST', '/api/runs', { body: { imageId: audio.id, copies: 1, verify: 'off', drives: ['plain-2'], cdText: { disc: { title: 'X' } } } });
    expect(own.status, own.text).toBe(422);
    expect((await call(env, 'GET', '/api/runs')).body.length).toBe(runsBefore);
    expect(await queuedCopies(env)).toBe(queuedBefore);

    // An ISO run is none of this.
    const iso = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, media: 'cd', drives: ['plain-1'] } });
    expect(iso.status, iso.text).toBe(201);
    expect(iso.body.warnings ?? []).not.toContainEqual(expect.stringMatching(/CD-TEXT/));

    // A declared drive comes into service: the run is served, and a new one (on it or on any drive) has no warning.
    await heartbeat(env, 'agent-t', ['plain-1', 'plain-2', 'text-1']);
    await drive('text-1', true);
    await settle();
    expect((await call(env, 'GET', `/api/runs/${created.body.id}`)).body.statusReason).toBeNull();
    const served = await call(env, 'POST', '/api/runs', { body: { imageId: audio.id, copies: 1, verify: 'off', drives: ['plain-1', 'text-1'] } });
    expect(served.status, served.text).toBe(201);
    expect(served.body.warnings ?? []).toEqual([]);
    expect(served.body.statusReason).toBeNull();
    expect(((await call(env, 'GET', '/api/drives/text-1')).body as { writesCdText?: boolean }).writesCdText).toBe(true);
    for (const id of [created.body.id, iso.body.id, served.body.id]) await call(env, 'POST', `/api/runs/${id}/cancel`);
  });
});
