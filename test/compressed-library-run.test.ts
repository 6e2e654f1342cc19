/**
 * A run from an image the library stores compressed (issue 14), end to end
 * with real parts: the library compresses an ISO into zstd frames, the run
 * image carries the stored file, and two cdrskin `stdio:` pseudo drives burn
 * it from one staging in the agents' cache, each disc verified against the
 * staged bytes (the image's SHA-256). And a data+audio CD image the library
 * stores as a CHD, burned on simulated drives (stdio: drives burn no audio)
 * from one chdman extraction per agent, and an ISO the library stores as a
 * CHD, burned as an ISO by the stdio: drives. And a plain library image staged by
 * copying (`plainImages: 'stage'`, a slow library volume): the same stdio:
 * drives burn from the one copy, and go on once the library file is gone.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive, SimulatedDrive } from 'node-cdrecord-wrapper';
import { compressStored, ImageLibrary, runImageOf, storeAsChd } from '../apps/controller/src/library/index.js';
import { StdioBlankDrive } from '../apps/agent/src/stdio-blank-drive.js';
import { DriveWorker, ImageStagingCache, RunPlanner } from '../jobs/src/index.js';
import { startRedisEnv, waitFor } from '../jobs/test/support/tower-harness.js';
import type { RedisEnv } from '../jobs/test/support/tower-harness.js';
import { cdrskinEnv, makeCdrskinHome, makeIso } from '../drivers/test/support/test-images.js';
import { twoTrackDisc } from '../jobs/test/support/stored-chd.js';

/** SHA-256 of the first `bytes` bytes of `file` (a stdio: drive's file holds the disc, maybe padded). */
function sha256Head(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const read = readSync(fd, buf, 0, bytes, 0);
    return createHash('sha256').update(buf.subarray(0, read)).digest('hex');
  } finally {
    closeSync(fd);
  }
}

let env: RedisEnv;
beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());

/** Two cdrskin `stdio:` pseudo drives burning from `cache`, their workers started, and a planner. */
async function stdioTower(name: string, cache: ImageStagingCache): Promise<{ planner: RunPlanner; targets: string[]; errors: Error[]; close(): Promise<void> }> {
  const cdrskin = cdrskinEnv(makeCdrskinHome(env.dir));
  const targets = [0, 1].map((i) => path.join(env.dir, `stdio-${name}-${i}.disc`));
  const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
  await planner.start();
  const workers = targets.map((target) => new DriveWorker({
    drive: new StdioBlankDrive(new CdrecordDrive({ address: `stdio:${target}`, env: cdrskin }), 'CD-R'),
    agentId: `agent-stdio-${name}`, redisUrl: env.server.url, pollIntervalMs: 20, sameDriveRetryDelayMs: 100, putBackDelayMs: 30, lockDurationMs: 10_000,
    imageStaging: cache,
  }));
  const errors: Error[] = [];
  for (const w of workers) w.on('error', (e) => errors.push(e));
  const close = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.close({ cancelInFlight: true })));
    await planner.close();
  };
  await Promise.all(workers.map((w) => w.start())).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return { planner, targets, errors, close };
}

/** The run completed with exactly `copies` counted discs, each passed and verified as the image. */
async function expectVerifiedDiscs(planner: RunPlanner, runId: string, copies: number, sha256: string): Promise<void> {
  await waitFor(async () => (await planner.store.getRun(runId))?.status === 'completed', 120_000, 'the run completed');
  const counted = (await planner.store.listAttempts(runId)).filter((a) => a.counted === true);
  expect(counted).toHaveLength(copies);
  expect(counted.every((a) => a.outcome === 'passed' && a.verifyResult === 'passed' && a.discSha256 === sha256)).toBe(true);
}

/** Each pseudo drive's file that was written holds the image's bytes (and at least one was). */
function expectBurnedFiles(targets: readonly string[], image: { readonly sizeBytes: number; readonly sha256: string }): void {
  const burned = targets.filter((f) => existsSync(f));
  expect(burned.length).toBeGreaterThan(0);
  for (const t of burned) expect(sha256Head(t, image.sizeBytes)).toBe(image.sha256);
}

describe('a run from a compressed library image on cdrskin stdio drives', () => {
  it('stages the image once and burns and verifies every disc from the staged bytes', async () => {
    const incoming = path.join(env.dir, 'incoming');
    const iso = makeIso(incoming, { name: 'stored.iso', payloadBytes: 1536 * 1024, label: 'STAGED' });
    const library = await ImageLibrary.open({ dir: path.join(env.dir, 'library'), importRoots: [incoming] });
    const plain = await library.importFromPath(iso);
    const record = await library.changeStorage(plain.id, (dir, r, at) => compressStored(dir, r, at, 256 * 1024));
    const image = runImageOf(record, library.imagePath(record.id));
    expect(image.stored?.compression).toBe('zstd');

    const cache = new ImageStagingCache({ dir: path.join(env.dir, 'staging'), maxBytes: 64 * 1024 * 1024 });
    const tower = await stdioTower('zstd', cache);
    try {
      const run = await tower.planner.createRun({ image, copies: 4, verify: { mode: 'all' } });
      await expectVerifiedDiscs(tower.planner, run.id, 4, record.sha256);
      // One decompression for all the discs; each drive's file holds the image's bytes.
      expect(cache.stagings).toBe(1);
      expectBurnedFiles(tower.targets, record);
      expect(tower.errors).toEqual([]);
    } finally {
      await tower.close();
    }
  });
});

describe('a run from an ISO the library stores as a CHD, on cdrskin stdio drives', () => {
  it('extracts the CHD once and burns and verifies every disc as an ISO from the extracted file', async () => {
    const incoming = path.join(env.dir, 'incoming-chd-iso');
    const iso = makeIso(incoming, { name: 'chd.iso', payloadBytes: 1024 * 1024, label: 'CHDISO' });
    const library = await ImageLibrary.open({ dir: path.join(env.dir, 'library-chd-iso'), importRoots: [incoming] });
    const plain = await library.importFromPath(iso);
    const record = await library.changeStorage(plain.id, storeAsChd);
    const image = runImageOf(record, library.imagePath(record.id));
    expect(image).toMatchObject({ format: 'iso', stored: { compression: 'chd', bins: [{ name: plain.imageFile, sha256: plain.sha256 }] } });
    expect(existsSync(image.path)).toBe(false);

    const cache = new ImageStagingCache({ dir: path.join(env.dir, 'staging-chd-iso'), maxBytes: 64 * 1024 * 1024 });
    const tower = await stdioTower('chd-iso', cache);
    try {
      const run = await tower.planner.createRun({ image, copies: 3, verify: { mode: 'all' } });
      await expectVerifiedDiscs(tower.planner, run.id, 3, record.sha256);
      expect(cache.stagings).toBe(1);
      expectBurnedFiles(tower.targets, record);
      expect(tower.errors).toEqual([]);
    } finally {
      await tower.close();
    }
  });
});

describe('a run from a plain library image staged by copying, on cdrskin stdio drives', () => {
  it('copies the image once and burns and verifies every disc from the copy, also after the library file is gone', async () => {
    const incoming = path.join(env.dir, 'incoming-plain');
    const iso = makeIso(incoming, { name: 'plain.iso', payloadBytes: 1536 * 1024, label: 'COPIED' });
    const library = await ImageLibrary.open({ dir: path.join(env.dir, 'library-plain'), importRoots: [incoming] });
    const record = await library.importFromPath(iso);
    const image = runImageOf(record, library.imagePath(record.id));
    expect(image.stored).toBeUndefined();

    const cache = new ImageStagingCache({ dir: path.join(env.dir, 'staging-plain'), maxBytes: 64 * 1024 * 1024, plainImages: 'stage' });
    const tower = await stdioTower('plain', cache);
    try {
      await expectVerifiedDiscs(tower.planner, (await tower.planner.createRun({ image, copies: 3, verify: { mode: 'all' } })).id, 3, record.sha256);
      expect(cache.stagings).toBe(1);
      // cdrskin and verify read the staged copy: the library file gone, the next run passes all the same.
      renameSync(image.path, `${image.path}.gone`);
      for (const t of tower.targets) rmSync(t, { force: true });
      await expectVerifiedDiscs(tower.planner, (await tower.planner.createRun({ image, copies: 2, verify: { mode: 'all' } })).id, 2, record.sha256);
      expect(cache.stagings).toBe(1);
      expectBurnedFiles(tower.targets, record);
      expect(tower.errors).toEqual([]);
    } finally {
      await tower.close();
    }
  });
});

describe('a run from a CHD-stored CD image on simulated drives', () => {
  it('extracts the CHD once and burns and verifies every disc from the staged BINs', async () => {
    const incoming = path.join(env.dir, 'incoming-cd');
    const disc = twoTrackDisc(incoming, 'mixed');
    const library = await ImageLibrary.open({ dir: path.join(env.dir, 'library-cd'), importRoots: [incoming] });
    const plain = await library.importFromPath(disc.cue);
    const record = await library.changeStorage(plain.id, storeAsChd);
    expect(record.storage?.compression).toBe('chd');
    const image = runImageOf(record, library.imagePath(record.id));
    expect(image.stored?.bins).toHaveLength(2);
    expect(existsSync(path.join(library.dir, image.stored!.bins![0]!.name))).toBe(false);

    const cache = new ImageStagingCache({ dir: path.join(env.dir, 'staging-cd'), maxBytes: 64 * 1024 * 1024 });
    const planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
    await planner.start();
    const drives = [0, 1].map((index) => new SimulatedDrive({ index, timeScale: 0.0005, progressIntervalMs: 5, autoLoader: { media: 'CD-R' } }));
    const workers = drives.map((drive) => new DriveWorker({
      drive, agentId: 'agent-sim', redisUrl: env.server.url, pollIntervalMs: 20, sameDriveRetryDelayMs: 100, putBackDelayMs: 30, lockDurationMs: 10_000,
      imageStaging: cache,
    }));
    const errors: Error[] = [];
    for (const w of workers) w.on('error', (e) => errors.push(e));
    try {
      await Promise.all(workers.map((w) => w.start()));
      const run = await planner.createRun({ image, copies: 4, verify: { mode: 'all' } });
      await waitFor(async () => (await planner.store.getRun(run.id))?.status === 'completed', 120_000, 'the run completed');
      const counted = (await planner.store.listAttempts(run.id)).filter((a) => a.counted === true);
      expect(counted).toHaveLength(4);
      expect(counted.every((a) => a.outcome === 'passed' && a.verifyResult === 'passed' && a.discSha256 === record.sha256)).toBe(true);
      expect(new Set(counted.map((a) => a.driveId)).size).toBe(2);
      expect(cache.stagings).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.close({ cancelInFlight: true })));
      await planner.close();
      for (const d of drives) d.dispose();
    }
  });
});
