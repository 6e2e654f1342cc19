/**
 * ISOs the library stores as a CHD (issue 14: a CD-sized ISO as one MODE1/2048
 * track), staged by the agent: one `chdman extractcd` per image for every
 * copy, the one BIN it writes proven against the ISO's size and SHA-256 and
 * burned as an ISO from a folder `<sha>.staged.iso/`; a damaged CHD or a
 * listing that is not the image refused as an image error with nothing
 * left; a run on simulated drives gives exactly N verified discs from the one
 * staging. Real chdman, real Redis.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImageError } from 'node-cdrecord-wrapper';
import { ImageStagingCache, validateRun } from '../src/index.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';
import { corruptChd, storedChdIso } from './support/stored-chd.js';
import { sha256Of } from './support/stored-images.js';

let env: RedisEnv;
let tower: Tower | null = null;
let n = 0;

function freshDir(): string {
  return path.join(env.dir, `chd-iso-staging-${++n}`);
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

describe('staging a CHD-stored ISO', () => {
  it('extracts it once for two copies into <sha>.staged.iso/, the ISO proven, burned as an ISO', async () => {
    const image = storedChdIso(path.join(env.dir, 'lib-1'), 'data');
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    const leases = await Promise.all([1, 2].map(() => cache.acquire(image)));
    expect(cache.stagings).toBe(1);
    expect(leases.filter((l) => l.staged)).toHaveLength(1);
    const staged = leases[0]!.image;
    expect(leases[1]!.image.path).toBe(staged.path);
    expect(staged).toMatchObject({ format: 'iso', sha256: image.sha256, sizeBytes: image.sizeBytes, sectors: image.sectors });
    expect(staged.stored).toBeUndefined();
    expect(staged.path).toBe(path.join(cache.dir, `${image.sha256}.staged.iso`, 'data.iso'));
    expect(readdirSync(cache.dir)).toEqual([`${image.sha256}.staged.iso`]);
    expect(readdirSync(path.dirname(staged.path))).toEqual(['data.iso']);
    expect(sha256Of(staged.path)).toBe(image.sha256);
    for (const l of leases) l.release();
    expect(cache.usedBytes).toBe(image.sizeBytes);
    // Evicted whole (a folder) for a second image under a cap that holds one.
    const small = new ImageStagingCache({ dir: freshDir(), maxBytes: image.sizeBytes + 2048 });
    (await small.acquire(image)).release();
    const other = storedChdIso(path.join(env.dir, 'lib-1b'), 'other', 500 * 1024);
    const second = await small.acquire(other);
    expect(readdirSync(small.dir)).toEqual([`${other.sha256}.staged.iso`]);
    second.release();
  });

  it('refuses a CHD whose bytes are not the ISO, or a listing that is not the image, leaving nothing', async () => {
    const image = storedChdIso(path.join(env.dir, 'lib-2'), 'data');
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024 });
    const wrongSum = { ...image, sha256: 'ab'.repeat(32), stored: { ...image.stored!, bins: [{ ...image.stored!.bins![0]!, sha256: 'ab'.repeat(32) }] } };
    const err = await cache.acquire(wrongSum).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toMatch(/data\.chd extracts to SHA-256 [0-9a-f]{64}, not the image's (ab){32}: refused/);
    const notTheImage = { ...image, stored: { ...image.stored!, bins: [{ ...image.stored!.bins![0]!, bytes: image.sizeBytes - 2048 }] } };
    await expect(cache.acquire(notTheImage)).rejects.toThrow(/a CHD-stored ISO lists its one file, with the image's size and SHA-256/);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
  });

  it('refuses a damaged CHD (chdman extracts other bytes with exit 0) as an image error, nothing half-written', async () => {
    const image = storedChdIso(path.join(env.dir, 'lib-3'), 'data');
    corruptChd(image.stored!.path);
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, chdmanStallMs: 5_000 });
    const err = await cache.acquire(image).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).driveFault).toBe(false);
    expect((err as Error).message).toMatch(/data\.chd extracts to SHA-256 [0-9a-f]{64}, not the image's/);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
  });

  it('is taken by the planner with its one file listed, refused with none or two', () => {
    const image = storedChdIso(path.join(env.dir, 'lib-4'), 'data');
    expect(validateRun({ image, copies: 1 }).run.image.stored).toEqual(image.stored);
    const { bins: _b, ...noBins } = image.stored!;
    expect(() => validateRun({ image: { ...image, stored: noBins }, copies: 1 })).toThrow(/a CHD stores a CUE image \(BIN\/CUE\) or an ISO listed as its one file/);
    const two = { ...image.stored!, bins: [image.stored!.bins![0]!, { ...image.stored!.bins![0]!, name: 'b.iso' }] };
    expect(() => validateRun({ image: { ...image, stored: two }, copies: 1 })).toThrow(/or an ISO listed as its one file/);
  });
});

describe('a run from a CHD-stored ISO', () => {
  it('burns and verifies exactly N copies on simulated drives from one extraction', async () => {
    const image = storedChdIso(path.join(env.dir, 'lib-5'), 'run');
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput({ path: image.path, sha256: image.sha256, bytes: image.sizeBytes }, { copies: 3 }), image, mediaClass: 'cd', verify: { mode: 'all' } });
    expect((await tower.planner.store.getRun(run.id))?.image).toMatchObject({ format: 'iso', stored: image.stored });
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');
    const attempts = await tower.planner.store.listAttempts(run.id);
    const counted = attempts.filter((a) => a.counted === true);
    expect(counted).toHaveLength(3);
    expect(new Set(counted.map((a) => a.copy)).size).toBe(3);
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === image.sha256)).toBe(true);
    expect(cache.stagings).toBe(1);
    // The library side holds no ISO: every disc came from the staged one.
    expect(readdirSync(path.dirname(image.path)).filter((f) => f.endsWith('.iso'))).toEqual([]);
  });

  it('fails the run as an image error, not the drives, when the CHD is damaged; no disc counts and nothing is left staged', async () => {
    const image = storedChdIso(path.join(env.dir, 'lib-6'), 'bad');
    corruptChd(image.stored!.path);
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, chdmanStallMs: 5_000 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput({ path: image.path, sha256: image.sha256, bytes: image.sizeBytes }, { copies: 2 }), image, mediaClass: 'cd' });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'failed' ? r : null;
    }, 30_000, 'the run failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR/);
    // Refused while it was staged, before any burn: no disc was begun.
    expect(await tower.planner.store.listAttempts(run.id)).toEqual([]);
    for (const w of tower.workers) expect(w.consecutiveFailures).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
