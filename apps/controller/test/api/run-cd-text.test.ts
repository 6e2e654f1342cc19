/**
 * A run's own CD-TEXT (`cdText` of POST /api/runs, a JRQ job's CDText…
 * keys) on a real API, Redis and library: an audio image mastered with its
 * TOC file; the run's image names the TOC written for the run, which has the
 * run's CD-TEXT and none of the image's, names the library's BIN through a
 * link beside it, and is what each copy job hands the burner (cdrdao write
 * on real drives); cdrdao show-toc reads it as the image's frames. Refused
 * with nothing written: an ISO, a track past the image's, characters a TOC
 * cannot hold, a set run.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyJob } from '@tower/jobs';
import { parseTocFile, readTocContent, showTocFrames } from 'node-cdrecord-wrapper';
import { cdTextRunsDir } from '../../src/api/run-cd-text.js';
import { startHotFolders } from '../../src/hot-folder/hot-folders.js';
import type { ImageRecord } from '../../src/library/index.js';
import { call, startEnv, waitFor } from './support.js';
import type { Env } from './support.js';

const TOC = readFileSync(fileURLToPath(new URL('../../../../drivers/test/fixtures/toc/mastered-audio.toc', import.meta.url)), 'latin1');
const FRAMES = 1500;
const CUE = [
  'FILE "master.bin" MOTOROLA', '  TRACK 01 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:01:00',
  '  TRACK 02 AUDIO', '    INDEX 00 00:08:00', '    INDEX 01 00:10:00', '',
].join('\n');

let env: Env;
let audio: ImageRecord;
beforeAll(async () => {
  env = await startEnv();
  const dir = path.join(env.library.dir, '.mastering', 'm1');
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path.join(dir, 'master.bin'), 'w');
  ftruncateSync(fd, FRAMES * 2352);
  closeSync(fd);
  writeFileSync(path.join(dir, 'master.toc'), TOC, 'latin1');
  writeFileSync(path.join(dir, 'master.cue'), CUE);
  audio = await env.library.addMasteredImage(path.join(dir, 'master.cue'), {
    format: 'bin-cue', allowDamaged: false, tocFile: path.join(dir, 'master.toc'), provenance: { kind: 'mastered', drive: '/dev/sr0', at: '2026-12-04T02:00:00.000Z' },
  });
});
afterAll(async () => env?.stop());

const CD_TEXT = { disc: { title: 'Live at Café "Blue"', performer: 'Ada & Co', composer: 'A. Lovelace' }, tracks: [{ track: 2, title: 'Second', performer: 'Bo' }] };

describe('a run\'s own CD-TEXT', () => {
  it('writes the image\'s TOC again with the run\'s CD-TEXT; the run and each copy job burn from it', async () => {
    const res = await call(env, 'POST', '/api/runs', { body: { imageId: audio.id, copies: 2, verify: 'off', cdText: CD_TEXT } });
    expect(res.status).toBe(201);
    const runId = res.body.id as string;
    const run = await env.runStore.getRun(runId);
    const toc = path.join(cdTextRunsDir(env.app.services), runId, `${audio.id}.toc`);
    expect(run?.image.tocPath).toBe(toc);
    const jobs = await env.cdQueue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.filter((j) => (j.data as CopyJob).runId === runId).map((j) => (j.data as CopyJob).image.tocPath)).toEqual([toc, toc]);
    const text = readFileSync(toc, 'latin1');
    const content = readTocContent(text);
    expect(content.cdText).toEqual({ TITLE: 'Live at Café "Blue"', PERFORMER: 'Ada & Co', COMPOSER: 'A. Lovelace' });
    expect(content.tracks.map((t) => t.cdText)).toEqual([{}, { TITLE: 'Second', PERFORMER: 'Bo' }]);
    // Everything else of the disc as the image's TOC has it.
    expect(content.catalog).toBe('0724384960650');
    expect(content.tracks.map((t) => [t.isrc, t.pregapFrames, t.copy])).toEqual([['USABC2400001', 75, false], ['USABC2400002', 150, true]]);
    expect(text).not.toMatch(/Intro|Night|DISC_ID/);
    const [bin] = parseTocFile(text).files;
    expect(realpathSync(path.join(path.dirname(toc), bin ?? ''))).toBe(realpathSync(path.join(env.library.dir, audio.files.find((f) => f.role === 'bin')?.path ?? '')));
    expect(await showTocFrames(toc, 2)).toBe(FRAMES);
    // The run's view says what its discs get.
    expect((await call(env, 'GET', `/api/runs/${runId}`)).body.cdText).toEqual(CD_TEXT);
    // The library's own TOC is as it was.
    expect(readTocContent(readFileSync(path.join(env.library.dir, `${audio.id}.toc`), 'latin1')).cdText.TITLE).toBe('Night "Songs"');
  });

  it('refuses CD-TEXT for an ISO, past the image\'s tracks, outside ISO 8859-1, over the limits or with a set, writing nothing', async () => {
    const before = existsSync(cdTextRunsDir(env.app.services)) ? readdirSync(cdTextRunsDir(env.app.services)).length : 0;
    const post = (body: object) => call(env, 'POST', '/api/runs', { body: { copies: 1, verify: 'off', ...body } });
    const iso = await post({ imageId: env.image.id, cdText: { disc: { title: 'X' } } });
    expect(iso).toMatchObject({ status: 422, body: { error: { code: 'CD_TEXT_NEEDS_TOC', field: 'cdText' } } });
    expect(iso.body.error.message).toMatch(/is an ISO image; CD-TEXT is burned only from an audio \(CUE\) image with a TOC file/);
    expect((await post({ imageId: audio.id, cdText: { tracks: [{ track: 3, title: 'X' }] } })).body.error.message).toMatch(/track 3: the image has 2 tracks/);
    expect((await post({ imageId: audio.id, cdText: { disc: { title: 'Ω' } } })).body.error.message).toMatch(/disc title: only printable ISO 8859-1/);
    expect((await post({ imageId: audio.id, cdText: { tracks: [{ track: 1, title: 'a' }, { track: 1, title: 'b' }] } })).body.error.message).toMatch(/track 1 given twice/);
    expect((await post({ imageId: audio.id, cdText: { disc: { title: 'x'.repeat(101) } } })).status).toBe(400);
    expect((await post({ imageId: audio.id, cdText: {} })).body.error.message).toMatch(/no CD-TEXT field given/);
    expect((await post({ imageId: audio.id, cdText: { disc: { title: 'X' } }, set: { imageIds: [audio.id, audio.id] } })).body.error.message).toMatch(/cdText: not with a set run/);
    expect(existsSync(cdTextRunsDir(env.app.services)) ? readdirSync(cdTextRunsDir(env.app.services)).length : 0).toBe(before);
  });

  it('a JRQ job\'s CDText keys become the run\'s CD-TEXT in the TOC its copies burn', async () => {
    const dir = path.join(env.dir, 'hot-cdtext');
    const stop = await startHotFolders([{ dir, errorDir: path.join(dir, 'errors'), settleMs: 300, pollMs: 100 }], env.app.services, () => undefined, 100);
    try {
      writeFileSync(path.join(dir, 'album.jrq'), `ImageId=${audio.id}\nCopies=1\nJobID=album\nCDTextDiscTitle=Album\nCDTextDiscPerformer=Band\nCDTextTrackTitle=First\nCDTextTrackTitle=Second\n`);
      writeFileSync(path.join(dir, 'three.jrq'), `ImageId=${audio.id}\nCopies=1\nCDTextTrackTitle3=Third\n`);
      const status = await waitFor(() => {
        const f = path.join(dir, 'album.jrq.status');
        return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) as { runId: string } : null;
      }, 10_000, 'the status file');
      const run = await env.runStore.getRun(status.runId);
      const content = readTocContent(readFileSync(run?.image.tocPath ?? '', 'latin1'));
      expect(content.cdText).toEqual({ TITLE: 'Album', PERFORMER: 'Band' });
      expect(content.tracks.map((t) => t.cdText.TITLE)).toEqual(['First', 'Second']);
      await waitFor(() => existsSync(path.join(dir, 'errors', 'three.jrq.reason')), 10_000, 'the refused job');
      expect(readFileSync(path.join(dir, 'errors', 'three.jrq.reason'), 'utf8')).toMatch(/cdText: track 3: the image has 2 tracks/);
    } finally {
      await stop();
    }
  });
});
