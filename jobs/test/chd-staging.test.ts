/**
 * CD images the library stores as a CHD, staged by the agent (issue 14):
 * one `chdman extractcd` per image for every copy, the BINs cut again and
 * proven by SHA-256, the CUE sheet rewritten to them; a stored file that is
 * not the image, or a damaged CHD (on which chdman hangs), refused as an
 * image error with nothing left; a run on simulated drives burns and
 * verifies every copy from the one staging. Real chdman, real Redis.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImageError, parseCueSheet } from 'node-cdrecord-wrapper';
import { ImageStagingCache, validateRun } from '../src/index.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';
import { corruptChd, storedChd } from './support/stored-chd.js';

let env: RedisEnv;
let tower: Tower | null = null;
let n = 0;

function freshDir(): string {
  return path.join(env.dir, `chd-staging-${++n}`);
}

function sha256Of(files: string[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(readFileSync(f));
  return hash.digest('hex');
}

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(tower?.errors ?? []).toEqual([]);
  await tower?.stop({ cancelInFlight: true });
  tower = null;
});

describe('staging a CHD-stored CD image', () => {
  it('extracts it once for two copies into a folder of its BINs and rewritten sheet, proven by SHA-256', async () => {
    const image = storedChd(path.join(env.dir, 'lib-1'), 'disc');
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    const leases = await Promise.all([1, 2].map(() => cache.acquire(image)));
    expect(cache.stagings).toBe(1);
    expect(leases.filter((l) => l.staged)).toHaveLength(1);
    const staged = leases[0]!.image;
    expect(leases[1]!.image.path).toBe(staged.path);
    expect(staged.stored).toBeUndefined();
    expect(staged.format).toBe('cue');
    const folder = path.dirname(staged.path);
    expect(path.dirname(folder)).toBe(cache.dir);
    expect(readdirSync(folder).sort()).toEqual(['disc-01.bin', 'disc-02.bin', 'disc.cue']);
    const sheet = parseCueSheet(readFileSync(staged.path, 'latin1'));
    expect(sheet.files.map((f) => f.name)).toEqual(['disc-01.bin', 'disc-02.bin']);
    expect(sheet.tracks.map((t) => t.mode)).toEqual(['MODE1/2048', 'AUDIO']);
    expect(sha256Of(sheet.files.map((f) => path.join(folder, f.name)))).toBe(image.sha256);
    for (const b of image.stored!.bins!) expect(sha256Of([path.join(folder, b.name)])).toBe(b.sha256);
    for (const l of leases) l.release();
    expect(cache.usedBytes).toBe(image.sizeBytes);
    // Evicted for a second image under a cap that holds one: the folder goes whole.
    const small = new ImageStagingCache({ dir: freshDir(), maxBytes: image.sizeBytes + 1024 });
    const first = await small.acquire(image);
    first.release();
    const other = storedChd(path.join(env.dir, 'lib-1b'), 'other', 99);
    const second = await small.acquire(other);
    expect(readdirSync(small.dir)).toEqual([path.basename(path.dirname(second.image.path))]);
    second.release();
    expect(small.stagings).toBe(2);
  });

  it('stages the image\'s cdrdao TOC beside its BINs, the run image naming the staged one', async () => {
    const image = storedChd(path.join(env.dir, 'lib-toc'), 'disc');
    const toc = path.join(path.dirname(image.path), 'disc.toc');
    const tocText = 'CD_DA\nTRACK MODE1\nDATAFILE "disc-01.bin"\nTRACK AUDIO\nFILE "disc-02.bin" 0\n';
    writeFileSync(toc, tocText);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    const lease = await cache.acquire({ ...image, tocPath: toc });
    expect(lease.image.tocPath).toBe(path.join(path.dirname(lease.image.path), 'disc.toc'));
    expect(readFileSync(lease.image.tocPath!, 'latin1')).toBe(tocText);
    lease.release();
  });

  it('refuses a CHD that does not hold the image (SHA-256), leaving nothing behind', async () => {
    const image = storedChd(path.join(env.dir, 'lib-2'), 'disc');
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024 });
    const wrongSum = { ...image, sha256: 'ab'.repeat(32) };
    const err = await cache.acquire(wrongSum).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toMatch(/SHA-256 .* not the image's/);
    const wrongBin = { ...image, stored: { ...image.stored!, bins: image.stored!.bins!.map((b, i) => (i === 1 ? { ...b, sha256: 'cd'.repeat(32) } : b)) } };
    await expect(cache.acquire(wrongBin)).rejects.toThrow(/disc-02\.bin cut from disc\.chd has SHA-256/);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
  });

  it('refuses a damaged CHD whose bytes chdman extracts wrong without a word (exit 0): the SHA-256 does not hold', async () => {
    const image = storedChd(path.join(env.dir, 'lib-3a'), 'disc');
    corruptChd(image.stored!.path);
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024 });
    const err = await cache.acquire(image).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).driveFault).toBe(false);
    expect((err as Error).message).toMatch(/cut from disc\.chd has SHA-256 [0-9a-f]{64}, not its/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a damaged CHD chdman hangs on with an image error once chdman stalls, nothing half-written', async () => {
    const image = storedChd(path.join(env.dir, 'lib-3b'), 'disc', 7, true);
    corruptChd(image.stored!.path, 3000);
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, chdmanStallMs: 3_000 });
    const err = await cache.acquire(image).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).driveFault).toBe(false);
    expect((err as Error).message).toMatch(/chdman extractcd printed nothing for 3 s and was stopped: the CHD is corrupt/);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
  });

  it('is refused by the planner when its BIN list is missing, or for an ISO listing more than one file', () => {
    const image = storedChd(path.join(env.dir, 'lib-4'), 'disc');
    const { bins: _b, ...noBins } = image.stored!;
    expect(() => validateRun({ image: { ...image, stored: noBins }, copies: 1 })).toThrow(/lists its BIN files/);
    expect(() => validateRun({ image: { ...image, format: 'iso', trackModes: undefined, stored: image.stored }, copies: 1 })).toThrow(/CHD stores a CUE image/);
    const badName = { ...image.stored!, bins: [{ ...image.stored!.bins![0]!, name: '../x.bin' }] };
    expect(() => validateRun({ image: { ...image, stored: badName }, copies: 1 })).toThrow(/plain file name/);
  });
});

describe('a run from a CHD-stored image', () => {
  it('burns and verifies every copy on simulated drives from one extraction', async () => {
    const image = storedChd(path.join(env.dir, 'lib-5'), 'run');
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput({ path: image.path, sha256: image.sha256, bytes: image.sizeBytes }, { copies: 4 }), image, mediaClass: 'cd', verify: { mode: 'all' } });
    expect((await tower.planner.store.getRun(run.id))?.image.stored).toEqual(image.stored);
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');
    const counted = (await tower.planner.store.listAttempts(run.id)).filter((a) => a.counted === true);
    expect(counted).toHaveLength(4);
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === image.sha256)).toBe(true);
    expect(cache.stagings).toBe(1);
    // The library side still holds no BIN: every disc came from the staged copy.
    expect(readdirSync(path.dirname(image.path)).filter((f) => f.endsWith('.bin'))).toEqual([]);
  });
});
