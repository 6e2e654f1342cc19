/**
 * The agent's staging cache (issue 14): an image the library stores
 * compressed is decompressed once into the cache for every drive, proven
 * against its SHA-256, kept under a cap by evicting the least recently used
 * image no copy holds, and a corrupt stored file fails the copy as an image
 * error, never as a drive fault. Real zstd, real Redis, simulated drives.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImageError } from 'node-cdrecord-wrapper';
import { ImageStagingCache } from '../src/index.js';
import type { RunImage, StagedLease } from '../src/index.js';
import { runInput, startRedisEnv, startTower, waitFor } from './support/tower-harness.js';
import type { RedisEnv, Tower } from './support/tower-harness.js';
import { sha256Of, storedIso, writeZstdFrames } from './support/stored-images.js';

let env: RedisEnv;
let tower: Tower | null = null;
let n = 0;

function freshDir(): string {
  return path.join(env.dir, `staging-${++n}`);
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

describe('the staging cache', () => {
  it('decompresses a stored image once for copies that want it at the same time, and proves its SHA-256', async () => {
    const image = storedIso(env.dir, 'once.iso');
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    const leases = await Promise.all([1, 2, 3].map(() => cache.acquire(image)));
    expect(cache.stagings).toBe(1);
    expect(leases.filter((l) => l.staged)).toHaveLength(1);
    const staged = leases[0]!.image;
    for (const l of leases) expect(l.image.path).toBe(staged.path);
    expect(path.dirname(staged.path)).toBe(cache.dir);
    expect(staged.stored).toBeUndefined();
    // Handed over when zstd is done; its identity (verify's trust in the digest) comes with the proof.
    const identity = await leases[0]!.proven;
    expect(identity).toEqual(expect.any(String));
    for (const l of leases) expect(await l.proven).toBe(identity);
    expect(sha256Of(staged.path)).toBe(image.sha256);
    expect({ ...staged, path: image.path, identity: undefined }).toEqual({ ...image, stored: undefined, identity: undefined });
    for (const l of leases) l.release();
    // Staged already: the next copy burns from it without decompressing again.
    const again = await cache.acquire(image);
    expect(again.staged).toBe(false);
    expect(again.image.identity).toBe(identity);
    expect(cache.stagings).toBe(1);
    again.release();
  });

  it('hands a plain image back as it is', async () => {
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 1 });
    const plain: RunImage = { path: env.image.path, format: 'iso', sha256: env.image.sha256, sizeBytes: env.image.bytes, sectors: env.image.bytes / 2048 };
    const lease = await cache.acquire(plain);
    expect(lease.image).toBe(plain);
    expect(cache.stagings).toBe(0);
  });

  it('keeps under its cap by evicting the least recently used image no copy holds, and waits while the held ones leave no room', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => storedIso(env.dir, `lru-${x}.iso`, 512 * 1024));
    const size = a!.sizeBytes;
    expect([b, c, d].every((i) => i!.sizeBytes === size)).toBe(true);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: Math.floor(size * 2.5) });
    const la = await cache.acquire(a!);
    la.release();
    const lb = await cache.acquire(b!);
    const lc = await cache.acquire(c!);
    // a was let go and used least recently: it went; b, held, stays.
    expect(cache.held()).toEqual([b!.sha256, c!.sha256]);
    expect(existsSync(la.image.path)).toBe(false);
    expect(cache.usedBytes).toBeLessThanOrEqual(cache.maxBytes);
    // b and c are both held: d waits for room, then takes the place of the one let go.
    let dReady = false;
    const ld = cache.acquire(d!).then((l) => {
      dReady = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(dReady).toBe(false);
    lb.release();
    const dl = await ld;
    expect(sha256Of(dl.image.path)).toBe(d!.sha256);
    expect(cache.held().sort()).toEqual([c!.sha256, d!.sha256].sort());
    expect(existsSync(lb.image.path)).toBe(false);
    expect(existsSync(lc.image.path)).toBe(true);
    lc.release();
    dl.release();
  });

  it('refuses an image larger than its cap as an image error', async () => {
    const image = storedIso(env.dir, 'big.iso', 512 * 1024);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: image.sizeBytes - 1 });
    await expect(cache.acquire(image)).rejects.toThrow(ImageError);
    await expect(cache.acquire(image)).rejects.toThrow(/larger than the staging cache/);
    expect(cache.stagings).toBe(0);
  });

  it('refuses a stored file that is not the image (SHA-256) or is corrupt (zstd frame checksum), leaving nothing behind', async () => {
    const image = storedIso(env.dir, 'corrupt.iso', 512 * 1024);
    const other = storedIso(env.dir, 'other.iso', 512 * 1024);
    const dir = freshDir();
    const cache = new ImageStagingCache({ dir, maxBytes: 50 * 1024 * 1024 });
    const wrong: RunImage = { ...image, stored: other.stored! };
    // Valid frames of another image of the same size: handed over, and its proof fails; the file goes, and so does its room.
    const lease = await cache.acquire(wrong);
    await expect(lease.proven).rejects.toThrow(/SHA-256 .* not the image's/);
    await waitFor(() => readdirSync(dir).length === 0 && cache.usedBytes === 0, 10_000, 'the disproved file removed');
    expect(cache.held()).toEqual([]);
    lease.release();
    const bytes = readFileSync(image.stored!.path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(image.stored!.path, bytes);
    const err = await cache.acquire(image).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).driveFault).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.usedBytes).toBe(0);
  });
});

describe('a run from a stored image', () => {
  it('burns every copy on simulated drives from one staging and verifies them against the staged bytes', async () => {
    const image = storedIso(env.dir, 'run.iso', 1024 * 1024);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 3, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 6 }), image });
    // The run keeps the stored form, for every copy job and any replacement.
    expect((await tower.planner.store.getRun(run.id))?.image.stored).toEqual(image.stored);
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 60_000, 'the run completed');
    const counted = (await tower.planner.store.listAttempts(run.id)).filter((a) => a.counted === true);
    expect(counted).toHaveLength(6);
    expect(counted.every((a) => a.verifyResult === 'passed' && a.discSha256 === image.sha256 && a.imageSha256 === image.sha256)).toBe(true);
    expect(cache.stagings).toBe(1);
  });

  it('fails the run as an image error, not the drives, when the stored file is corrupt', async () => {
    const image = storedIso(env.dir, 'bad-run.iso', 512 * 1024);
    const bytes = readFileSync(image.stored!.path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(image.stored!.path, bytes);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2 }), image });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'the run failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR/);
    // zstd's frame checksum fails it before anything is handed over: no disc was begun.
    expect(await tower.planner.store.listAttempts(run.id)).toEqual([]);
    for (const w of tower.workers) expect(w.consecutiveFailures).toBe(0);
  });

  it('fails the run as an image error when the stored file decompresses to other bytes: the burns stop, no disc counts', async () => {
    const image = storedIso(env.dir, 'other-run.iso', 512 * 1024);
    writeZstdFrames(Buffer.alloc(image.sizeBytes, 1), image.stored!.path, 128 * 1024);
    const cache = new ImageStagingCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: cache } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2 }), image });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'the run failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR/);
    const attempts = await tower.planner.store.listAttempts(run.id);
    expect(attempts.length).toBeGreaterThan(0);
    for (const a of attempts) {
      expect(a.counted).not.toBe(true);
      expect(a.outcome).toBe('failed');
      expect(a.error?.code).toBe('IMAGE_ERROR');
    }
    for (const w of tower.workers) expect(w.consecutiveFailures).toBe(0);
  });

  it('begins no disc from a staged image already disproved: the copy is refused as an image error with no attempt', async () => {
    const image = storedIso(env.dir, 'disproved.iso', 512 * 1024);
    // The real cache, its proof reported failed, as a drive that comes to the image after another drive's copy learned it.
    class DisprovedCache extends ImageStagingCache {
      override async acquire(img: RunImage, signal?: AbortSignal): Promise<StagedLease> {
        const lease = await super.acquire(img, signal);
        const proven = Promise.reject(new ImageError('the staged image holds other bytes: refused'));
        proven.catch(() => undefined);
        return { ...lease, proven, release: () => lease.release() };
      }
    }
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: new DisprovedCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 }) } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2 }), image });
    const failed = await waitFor(async () => {
      const r = await tower!.planner.store.getRun(run.id);
      return r?.status === 'failed' ? r : null;
    }, 20_000, 'the run failed');
    expect(failed.statusReason).toMatch(/IMAGE_ERROR.*the staged image holds other bytes/);
    expect(await tower.planner.store.listAttempts(run.id)).toEqual([]);
    for (const d of tower.drives) expect(d.disc?.content ?? null).toBeNull();
  });

  it('counts no disc before the staged bytes are proven, and counts them once they are', async () => {
    const image = storedIso(env.dir, 'gated.iso', 512 * 1024);
    // The real cache, its proof held back by the test until the discs are burned.
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    class GatedCache extends ImageStagingCache {
      override async acquire(img: RunImage, signal?: AbortSignal): Promise<StagedLease> {
        const lease = await super.acquire(img, signal);
        return { ...lease, proven: gate.then(() => lease.proven), release: () => lease.release() };
      }
    }
    const gated = new GatedCache({ dir: freshDir(), maxBytes: 50 * 1024 * 1024 });
    tower = await startTower(env.server.url, 2, { worker: { imageStaging: gated } });
    const run = await tower.planner.createRun({ ...runInput(env.image, { copies: 2 }), image });
    const burned = (): boolean => tower!.drives.every((d) => d.disc?.content !== null && d.disc?.content !== undefined);
    const counted = async (): Promise<number> => (await tower!.planner.store.listAttempts(run.id)).filter((a) => a.counted === true).length;
    await waitFor(async () => burned() || await counted() > 0, 20_000, 'both discs burned');
    // Unproven, a burned disc waits: 500 ms is many times a verify and a count at this time scale.
    await new Promise((r) => setTimeout(r, 500));
    expect(await counted()).toBe(0);
    expect((await tower.planner.store.getRun(run.id))?.status).not.toBe('completed');
    open();
    await waitFor(async () => (await tower!.planner.store.getRun(run.id))?.status === 'completed', 20_000, 'the run completed');
    const passed = (await tower.planner.store.listAttempts(run.id)).filter((a) => a.counted === true);
    expect(passed).toHaveLength(2);
    expect(passed.every((a) => a.verifyResult === 'passed' && a.discSha256 === image.sha256)).toBe(true);
  });
});
