/**
 * Plain library images staged by the agent (issue 14, `agent.staging.plainImages`):
 * with `stage`, a plain ISO or CUE image is copied once into the staging cache
 * for every copy (`cat | tee | openssl dgst`, or Node without those tools),
 * proven against the image's size and SHA-256, under the cache's cap; the
 * drives burn and verify from the copy, so a run goes on after the library
 * file is gone; a library file changed since import fails the run as an
 * image error with nothing left in the cache. With `direct` (the default) the
 * drives read the library file as before. Real tools, real Redis, simulated drives.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImageError, parseCueSheet } from 'node-cdrecord-wrapper';
import { ImageStagingCache } from '../src/index.js';
import type { RunImage } from '../src/index.js';
import { stagePlainIso } from '../src/staging/stage-plain-image.js';
import { makeIso } from '../../drivers/test/support/test-images.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';
import { sha256Of } from './support/stored-images.js';
import { twoTrackDisc } from './support/stored-chd.js';

let env: RedisEnv;
let tower: Tower | null = null;
let n = 0;

function freshDir(): string {
  return path.join(env.dir, `plain-staging-${++n}`);
}

/** A fresh plain ISO in the "library" folder, as its run image (SHA-256 taken now, as at import). */
function plainIso(name: string, payloadBytes = 512 * 1024): RunImage {
  const file = makeIso(path.join(env.dir, 'library'), { name, payloadBytes });
  const data = readFileSync(file);
  return { path: file, format: 'iso', sha256: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length, sectors: data.length / 2048 };
}

/** Flip one byte in the middle of `file`: same size, other SHA-256. */
function flipByte(file: string): void {
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  writeFileSync(file, bytes);
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

describe('the staging cache with plainImages: stage', () => {
  it('copies a plain ISO once for copies that want it at the same time, proven by SHA-256, and serves it after the library file is gone', async () => {
    const image = plainIso('once.iso');
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    expect(cache.stagesPlainImages).toBe(true);
    const leases = await Promise.all([1, 2, 3].map(() => cache.acquire(image)));
    expect(cache.stagings).toBe(1);
    expect(leases.filter((l) => l.staged)).toHaveLength(1);
    const staged = leases[0]!.image;
    for (const l of leases) expect(l.image.path).toBe(staged.path);
    expect(path.dirname(staged.path)).toBe(cache.dir);
    expect(staged.path).not.toBe(image.path);
    expect(staged.identity).toEqual(expect.any(String));
    expect(sha256Of(staged.path)).toBe(image.sha256);
    expect({ ...staged, path: image.path, identity: undefined }).toEqual({ ...image, identity: undefined });
    for (const l of leases) l.release();
    renameSync(image.path, `${image.path}.moved`);
    const again = await cache.acquire(image);
    expect(again.staged).toBe(false);
    expect(again.image.path).toBe(staged.path);
    expect(cache.stagings).toBe(1);
    again.release();
  });

  it('hands a plain image back as it is with plainImages: direct', async () => {
    const image = plainIso('direct.iso');
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, plainImages: 'direct' });
    expect(cache.stagesPlainImages).toBe(false);
    const lease = await cache.acquire(image);
    expect(lease.image).toBe(image);
    expect(cache.stagings).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a library file changed since import (same size, or another size) as an image error, leaving nothing behind', async () => {
    const image = plainIso('changed.iso');
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    flipByte(image.path);
    const err = await cache.acquire(image).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).driveFault).toBe(false);
    expect((err as Error).message).toMatch(/SHA-256 [0-9a-f]{64}, not the image's .*refused/);
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(image.path, Buffer.concat([readFileSync(image.path), Buffer.alloc(2048)]));
    await expect(cache.acquire(image)).rejects.toThrow(/holds \d+ bytes, not the image's/);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
    expect(cache.held()).toEqual([]);
  });

  it('refuses a library file that is gone or is not a regular file as an image error, leaving nothing behind', async () => {
    const image = plainIso('gone.iso');
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    renameSync(image.path, `${image.path}.moved`);
    const err = await cache.acquire(image).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toMatch(/could not be staged: ENOENT/);
    const made = spawnSync('mkfifo', [image.path]);
    expect(made.status).toBe(0);
    await expect(cache.acquire(image)).rejects.toThrow(/not a regular file/);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
  });

  it('copies through Node when tee or openssl is missing, with the same proof', async () => {
    const image = plainIso('fallback.iso');
    const dir = freshDir();
    const dest = path.join(dir, 'fallback.staged.iso');
    mkdirSync(dir, { recursive: true });
    const staged = await stagePlainIso(image, dest, { tools: { tee: 'tee', openssl: 'no-such-openssl-here' } });
    expect(staged.bytes).toBe(image.sizeBytes);
    expect(sha256Of(dest)).toBe(image.sha256);
    flipByte(image.path);
    await expect(stagePlainIso(image, `${dest}-2`, { tools: { tee: 'no-such-tee-here', openssl: 'openssl' } })).rejects.toThrow(/not the image's/);
    expect(readdirSync(dir)).toEqual(['fallback.staged.iso']);
  });

  it('keeps plain copies under the cap: the least recently used one no copy holds is evicted, one larger than the cap refused', async () => {
    const [a, b] = ['lru-a.iso', 'lru-b.iso'].map((name) => plainIso(name));
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: Math.floor(a!.sizeBytes * 1.5), plainImages: 'stage' });
    const la = await cache.acquire(a!);
    la.release();
    const lb = await cache.acquire(b!);
    expect(cache.held()).toEqual([b!.sha256]);
    expect(existsSync(la.image.path)).toBe(false);
    lb.release();
    const big = plainIso('big.iso', 1024 * 1024);
    await expect(cache.acquire(big)).rejects.toThrow(/larger than the staging cache/);
    expect(cache.stagings).toBe(2);
  });

  it('copies a plain CUE image into a folder of its BINs and rewritten sheet, proven by SHA-256', async () => {
    const { cue, bins } = twoTrackDisc(path.join(env.dir, 'library-cd'), 'disc');
    const all = Buffer.concat(bins.map((b) => b.data));
    const image: RunImage = {
      path: cue, format: 'cue', sha256: createHash('sha256').update(all).digest('hex'), sizeBytes: all.length, sectors: 500, trackModes: ['MODE1/2048', 'AUDIO'],
    };
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    const leases = await Promise.all([1, 2].map(() => cache.acquire(image)));
    expect(cache.stagings).toBe(1);
    const staged = leases[0]!.image;
    const folder = path.dirname(staged.path);
    expect(path.dirname(folder)).toBe(cache.dir);
    expect(readdirSync(folder).sort()).toEqual(['disc-01.bin', 'disc-02.bin', 'disc.cue']);
    expect(parseCueSheet(readFileSync(staged.path, 'latin1')).files.map((f) => f.name)).toEqual(['disc-01.bin', 'disc-02.bin']);
    const hash = createHash('sha256');
    for (const b of bins) hash.update(readFileSync(path.join(folder, b.name)));
    expect(hash.digest('hex')).toBe(image.sha256);
    for (const l of leases) l.release();

    const changed = path.join(path.dirname(cue), bins[1]!.name);
    flipByte(changed);
    const other = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    await expect(other.acquire(image)).rejects.toThrow(ImageError);
    expect(readdirSync(other.dir)).toEqual([]);
  });
});

describe('a run from a plain image', () => {
  it('with stage: burns every copy from one copy in the cache, and a later run goes on with the library file gone', async () => {
    const image = plainIso('run.iso', 1024 * 1024);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    tower = await startTower(env.server.url, 3, { worker: { imageStaging: cache } });
    const first = await tower.planner.createRun({ ...runInput(env.image, { copies: 6 }), image });
    await waitFor(async () => (await tower!.planner.store.getRun(first.id))?.status === 'completed', 60_000, 'the first run completed');
    const counted = (await tower.planner.store.listAttempts(first.id)).filter((a) => a.counted === true);
    expect(counted).toHaveLength(6);
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === image.sha256)).toBe(true);
    expect(new Set(counted.map((a) => a.driveId)).size).toBeGreaterThan(1);
    expect(cache.stagings).toBe(1);
    // The drives read the staged copy: with the library file gone, the next run burns and verifies all the same.
    renameSync(image.path, `${image.path}.moved`);
    const second = await tower.planner.createRun({ ...runInput(env.image, { copies: 3 }), image });
    await waitFor(async () => (await tower!.planner.store.getRun(second.id))?.status === 'completed', 60_000, 'the second run completed');
    const again = (await tower.planner.store.listAttempts(second.id)).filter((a) => a.counted === true);
    expect(again).toHaveLength(3);
    expect(again.every((a) => a.verifyResult === 'passed' && a.discSha256 === image.sha256)).toBe(true);
    expect(cache.stagings).toBe(1);
  });

  it('with stage: fails the run as an image error, not the drives, when the library file changed since import', async () => {
    const image = plainIso('changed-run.iso');
    flipByte(image.path);
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024, plainImages: 'stage' });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2 }), image });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'the run failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR/);
    expect(await tower.planner.store.listAttempts(run.id)).toEqual([]);
    for (const w of tower.workers) expect(w.consecutiveFailures).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('with direct: the drives read the library file, nothing is staged', async () => {
    const image = plainIso('direct-run.iso');
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2 }), image });
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');
    expect((await tower.planner.store.listAttempts(run.id)).filter((a) => a.counted === true && a.verifyResult === 'passed')).toHaveLength(2);
    expect(cache.stagings).toBe(0);
    expect(existsSync(dir)).toBe(false);
    // Without the library file a direct run has nothing to burn from.
    renameSync(image.path, `${image.path}.moved`);
    const gone = await tower.planner.createRun({ ...runInput(env.image, { copies: 1 }), image });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(gone.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'the run without its library file failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR/);
    expect(cache.stagings).toBe(0);
  });
});
