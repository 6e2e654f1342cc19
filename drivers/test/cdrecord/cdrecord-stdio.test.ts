/**
 * CdrecordDrive on `stdio:` pseudo drives with the real cdrskin (no mocks).
 * As root, cdrskin needs /root/cdrskin_permissions/allow_emulated_drives
 * (compiled-in path, $HOME is not consulted); makeCdrskinHome sees to it.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { lockPathFor } from '../../src/cdrecord/target-lock.js';
import type { BurnImage, BurnProgress } from '../../src/drive-contract.js';
import {
  CancelledError,
  DriveBusyError,
  DriveGoneError,
  ImageError,
  MediaTooSmallError,
  ReadError,
} from '../../src/errors.js';
import { canMount, canUseFuse, loopTarget, nbdBadReadTarget } from '../support/pseudo-media.js';
import { cdrskinEnv, makeCdrskinHome, makeIso, makeTempDir } from '../support/test-images.js';

let work: ReturnType<typeof makeTempDir>;
let env: NodeJS.ProcessEnv;
let small: BurnImage;
let big: BurnImage;
let n = 0;

function imageOf(file: string): BurnImage {
  const size = statSync(file).size;
  return { format: 'iso', path: file, sizeBytes: size, sectors: Math.ceil(size / 2048) };
}

function newDrive(options: { killGraceMs?: number } = {}): { drive: CdrecordDrive; target: string } {
  const target = path.join(work.dir, `drive-${++n}.img`);
  return { drive: new CdrecordDrive({ address: `stdio:${target}`, env, ...options }), target };
}

async function readAll(drive: CdrecordDrive, length: number, offset = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of drive.read(length, { offset }) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Pids of live cdrskin processes whose command line names `target`. */
function cdrskinProcessesFor(target: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      if (path.basename(cmdline[0] ?? '') === 'cdrskin' && cmdline.some((a) => a.includes(target))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

beforeAll(() => {
  work = makeTempDir('cdrecord-stdio-');
  env = cdrskinEnv(makeCdrskinHome(work.dir));
  small = imageOf(makeIso(work.dir, { name: 'small.iso', payloadBytes: 3 * 1024 * 1024 + 4096 }));
  big = imageOf(makeIso(work.dir, { name: 'big.iso', payloadBytes: 20 * 1024 * 1024 }));
});
afterAll(() => work.cleanup());

describe('CdrecordDrive on stdio: with real cdrskin', () => {
  it('describes the pseudo drive', async () => {
    const { drive, target } = newDrive();
    const info = await drive.info();
    expect(info).toEqual({
      address: `stdio:${target}`,
      stableId: target,
      kind: 'stdio',
      vendor: 'YOYODYNE',
      model: 'WARP DRIVE',
      firmware: 'FX01',
      reads: ['file'],
      writes: ['file'],
      canTestWrite: true,
    });
    expect(existsSync(target)).toBe(false);
  });

  it('burns an ISO byte-identically with sane progress, then reports the file as written', async () => {
    const { drive, target } = newDrive();
    const before = await drive.media();
    expect(before).toMatchObject({ status: 'blank', type: 'file', rewritable: true, usedSectors: 0 });
    expect(before.freeSectors).toBeGreaterThan(small.sectors);
    const progress: BurnProgress[] = [];
    const result = await drive.burn(small, { onProgress: (p) => progress.push(p) });
    expect(result.bytesWritten).toBe(small.sizeBytes);
    expect(result.dummy).toBe(false);
    expect(result.minBufferPercent).toBe(50);
    const written = readFileSync(target);
    expect(written.subarray(0, small.sizeBytes).equals(readFileSync(small.path))).toBe(true);
    expect(progress[0]?.phase).toBe('preparing');
    const writing = progress.filter((p) => p.phase === 'writing');
    expect(writing.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p.bytesTotal).toBe(small.sizeBytes);
      expect(p.bytesWritten).toBeLessThanOrEqual(small.sizeBytes);
      expect(p.speedX).toBeGreaterThanOrEqual(0);
      expect(p.speedMBps).toBeCloseTo((p.speedX * 1385000) / 1e6, 1);
    }
    expect(writing[writing.length - 1]!.bytesWritten).toBeGreaterThanOrEqual(3 * 1048576);
    expect(await drive.media()).toMatchObject({ status: 'complete', usedSectors: Math.ceil(written.length / 2048), freeSectors: 0 });
    expect(existsSync(lockPathFor(target))).toBe(false);
  });

  it('writes nothing on a dummy burn, and leaves no file where there was none', async () => {
    const { drive, target } = newDrive();
    expect(existsSync(target)).toBe(false);
    const result = await drive.burn(small, { dummy: true });
    expect(result.dummy).toBe(true);
    expect(existsSync(target)).toBe(false);
    expect((await drive.media()).status).toBe('blank');
  });

  it('passes speed= through: a speed=8 burn takes measurably longer', async () => {
    const fast = newDrive();
    const slow = newDrive();
    const t0 = Date.now();
    await fast.drive.burn(big, {});
    const fastMs = Date.now() - t0;
    const t1 = Date.now();
    const result = await slow.drive.burn(big, { speed: 8 });
    const slowMs = Date.now() - t1;
    // libburn throttles stdio writes to 8 x 1385 kB/s: ~1.9 s for 21 MB.
    expect(slowMs).toBeGreaterThan(1000);
    expect(slowMs).toBeGreaterThan(fastMs + 700);
    expect(result.averageSpeedX).toBeLessThan(12);
    expect(readFileSync(slow.target).subarray(0, big.sizeBytes).equals(readFileSync(big.path))).toBe(true);
  });

  it('cancels a slow burn half-way: CancelledError, no cdrskin left, lock released', async () => {
    const { drive, target } = newDrive({ killGraceMs: 1500 });
    const controller = new AbortController();
    const started = Date.now();
    const err = await drive
      .burn(big, { speed: 1, onProgress: (p) => p.bytesWritten > 0 && controller.abort() }, controller.signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).device).toBe(drive.address);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(cdrskinProcessesFor(target)).toEqual([]);
    expect(existsSync(lockPathFor(target))).toBe(false);
    // The file is incomplete: cdrskin wrote its first burst only.
    expect(statSync(target).size).toBeLessThan(big.sizeBytes);
  });

  it('refuses a missing image without creating the target', async () => {
    const { drive, target } = newDrive();
    const err = await drive.burn({ ...small, path: path.join(work.dir, 'nope.iso') }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(lockPathFor(target))).toBe(false);
  });

  it('says DriveGoneError when the target directory is missing', async () => {
    const drive = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'nodir', 'x.img')}`, env });
    await expect(drive.media()).rejects.toBeInstanceOf(DriveGoneError);
    await expect(drive.burn(small, {})).rejects.toBeInstanceOf(DriveGoneError);
  });

  it('refuses a second simultaneous burn on the same target (also from another drive object)', async () => {
    const { drive, target } = newDrive({ killGraceMs: 1000 });
    const other = new CdrecordDrive({ address: `stdio:${target}`, env });
    const controller = new AbortController();
    const first = drive.burn(big, { speed: 1 }, controller.signal).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    try {
      await expect(other.burn(small, {})).rejects.toBeInstanceOf(DriveBusyError);
      await expect(drive.burn(small, {})).rejects.toBeInstanceOf(DriveBusyError);
      await expect(drive.blank('fast')).rejects.toBeInstanceOf(DriveBusyError);
    } finally {
      controller.abort();
    }
    expect(await first).toBeInstanceOf(CancelledError);
    expect(cdrskinProcessesFor(target)).toEqual([]);
  });

  it('takes over the lock of a dead process', async () => {
    const { drive, target } = newDrive();
    writeFileSync(lockPathFor(target), '999999999\n');
    await drive.burn(small, {});
    expect(existsSync(lockPathFor(target))).toBe(false);
  });

  it('reads exactly the bytes asked for, from an offset, and fails past the end', async () => {
    const { drive } = newDrive();
    await drive.burn(small, {});
    const iso = readFileSync(small.path);
    expect((await readAll(drive, small.sizeBytes)).equals(iso)).toBe(true);
    expect((await readAll(drive, 8192, 32768)).equals(iso.subarray(32768, 32768 + 8192))).toBe(true);
    expect(await readAll(drive, 0)).toHaveLength(0);
    const err = await readAll(drive, small.sizeBytes + 10 * 2048).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).sector).toBe(small.sectors);
    expect(() => drive.read(10, { offset: 100 })).toThrow(RangeError);
  });

  it('fails reads that are cancelled or have no target', async () => {
    const { drive } = newDrive();
    const controller = new AbortController();
    controller.abort();
    await expect(readAll(drive, 2048)).rejects.toBeInstanceOf(DriveGoneError);
    const chunks = drive.read(2048, { signal: controller.signal });
    await expect((async () => { for await (const _ of chunks as AsyncIterable<Buffer>) { /* drain */ } })()).rejects.toBeInstanceOf(CancelledError);
  });

  it('blanks through cdrskin (a no-op on stdio) and has no tray', async () => {
    const { drive, target } = newDrive();
    await drive.burn(small, {});
    await drive.blank('fast');
    await drive.eject();
    await drive.load();
    expect(statSync(target).size).toBe(small.sizeBytes);
  });
});

describe.skipIf(!canMount())('stdio: on a 4 MiB loop device', () => {
  it('reports the device size and refuses an image larger than it before writing', async () => {
    const loop = await loopTarget(4 * 1024 * 1024);
    try {
      const drive = new CdrecordDrive({ address: `stdio:${loop.path}`, env });
      expect(await drive.media()).toEqual({ status: 'blank', type: 'file', rewritable: true, capacitySectors: 2048, usedSectors: 0, freeSectors: 2048 });
      const err = await drive.burn(big, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MediaTooSmallError);
      expect(err).toMatchObject({ neededSectors: big.sectors, availableSectors: 2048 });
      expect(readFileSync(loop.path).every((b) => b === 0)).toBe(true);
    } finally {
      await loop.cleanup();
    }
  });
});

describe.skipIf(!canUseFuse())('read() on a target with unreadable sectors', () => {
  it('names the first unreadable sector', async () => {
    const bad = await nbdBadReadTarget(small.path, [{ startSector: 700, sectors: 20 }]);
    try {
      const drive = new CdrecordDrive({ address: `stdio:${bad.path}`, env });
      const err = await readAll(drive, small.sizeBytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReadError);
      expect((err as ReadError).sector).toBe(700);
      expect((await readAll(drive, 600 * 2048)).equals(readFileSync(small.path).subarray(0, 600 * 2048))).toBe(true);
    } finally {
      await bad.cleanup();
    }
  });
});
