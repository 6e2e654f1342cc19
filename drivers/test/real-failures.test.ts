/**
 * Real failures from the real tool: cdrskin burning to `stdio:` pseudo discs
 * that fail the way media do (too small, read-only, write error mid-burn,
 * no space, unreadable sectors, gone), each mapped by `CdrecordDrive` to the
 * right typed error. Nothing here is simulated: the errors come from cdrskin
 * and the kernel (tmpfs, loop devices, FUSE + nbdkit).
 *
 * Needs root (tmpfs mounts, loop devices) and FUSE with nbdfuse/nbdkit; the
 * blocks skip, saying why, on machines that lack them.
 */
import { openSync, readFileSync, readSync, closeSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CdrecordDrive } from '../src/cdrecord/cdrecord-drive.js';
import type { BurnImage, BurnProgress } from '../src/drive-contract.js';
import { DriveGoneError, MediaTooSmallError, ReadError, WriteError, WriteProtectedError } from '../src/errors.js';
import {
  canMount,
  canUseFuse,
  cleanupAllPseudoMedia,
  loopTarget,
  missingPrograms,
  nbdBadReadTarget,
  nbdFullTarget,
  nbdSlowTarget,
  readOnlyTarget,
  tmpfsTarget,
} from './support/pseudo-media.js';
import { allowCdrskinStdioAsRoot, cdrskinEnv, makeCdrskinHome, makeIso, makeTempDir } from './support/test-images.js';

const MiB = 1024 * 1024;
const SECTOR = 2048;

const missingTools = missingPrograms(['cdrskin', 'genisoimage']);
// As root, cdrskin only accepts stdio: targets with /root/cdrskin_permissions/allow_emulated_drives
// (compiled-in path; $HOME is not consulted), so make sure it exists.
if (missingTools.length === 0) allowCdrskinStdioAsRoot();
const toolsReady = missingTools.length === 0;
const toolsReason = missingTools.length > 0 ? `needs ${missingTools.join(', ')}` : 'cdrskin refuses stdio: targets as root';

const noMount = !toolsReady || !canMount();
const noFuse = !toolsReady || !canUseFuse();
const mountReason = toolsReady ? 'needs root with mount, umount and losetup' : toolsReason;
const fuseReason = toolsReady ? 'needs /dev/fuse, nbdfuse, nbdkit and fusermount3' : toolsReason;

let tmp: { dir: string; cleanup: () => void } | undefined;
let env: NodeJS.ProcessEnv = {};
let iso18: BurnImage; // ~18 MiB: too big for the small "discs"; > 5100 sectors for the bad-read test
let iso30: BurnImage; // ~30 MiB: a burn long enough to break in the middle

function burnImage(isoPath: string): BurnImage {
  const sizeBytes = statSync(isoPath).size;
  return { format: 'iso', path: isoPath, sizeBytes, sectors: Math.ceil(sizeBytes / SECTOR) };
}

function workDir(): string {
  if (!tmp) throw new Error('temp dir not set up');
  return tmp.dir;
}

function driveFor(target: string): CdrecordDrive {
  return new CdrecordDrive({ address: `stdio:${target}`, env });
}

/** The rejection of `promise`, or null when it resolved (so `toBeInstanceOf` fails with a clear message). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

/** Reads a stream to its end or its error; returns the bytes received and the error, if any. */
async function drain(stream: Readable): Promise<{ data: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  let error: unknown = null;
  try {
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  } catch (err) {
    error = err;
  }
  return { data: Buffer.concat(chunks), error };
}

function firstBytes(file: string, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < bytes) {
      const n = readSync(fd, buffer, done, bytes - done, done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

beforeAll(() => {
  if (!toolsReady) return;
  tmp = makeTempDir('tower-real-failures-');
  env = cdrskinEnv(makeCdrskinHome(tmp.dir));
  iso18 = burnImage(makeIso(tmp.dir, { name: 'iso18.iso', payloadBytes: 18 * MiB, label: 'REAL18' }));
  iso30 = burnImage(makeIso(tmp.dir, { name: 'iso30.iso', payloadBytes: 30 * MiB, label: 'REAL30' }));
});

afterAll(async () => {
  try {
    await cleanupAllPseudoMedia();
  } finally {
    tmp?.cleanup();
  }
});

describe.skipIf(noMount)(`real failures on kernel pseudo discs (tmpfs, loop device, read-only mount) (${mountReason})`, () => {
  it('an 18 MB ISO on a 5 MiB tmpfs "disc" is MediaTooSmallError, and nothing is written', async () => {
    const disc = await tmpfsTarget(5 * MiB);
    onTestFinished(() => disc.cleanup());

    const err = await rejectionOf(driveFor(disc.path).burn(iso18, {}));

    expect(err).toBeInstanceOf(MediaTooSmallError);
    const e = err as MediaTooSmallError;
    expect(e.code).toBe('MEDIA_TOO_SMALL');
    expect(e.neededSectors).toBeGreaterThanOrEqual(iso18.sectors);
    // 5 MiB = 2560 sectors; a few may be taken by small files on the "disc" (e.g. a lock file: 2558 seen).
    expect(e.availableSectors).toBeGreaterThanOrEqual((5 * MiB) / SECTOR - 16);
    expect(e.availableSectors).toBeLessThanOrEqual((5 * MiB) / SECTOR);
    expect(e.availableSectors).toBeLessThan(e.neededSectors);
    // Refused up front: the target file was never written.
    expect(existsSync(disc.path) ? statSync(disc.path).size : 0).toBe(0);
  });

  it('an 18 MB ISO on a 4 MiB loop device is MediaTooSmallError, and the device stays blank', async () => {
    const disc = await loopTarget(4 * MiB);
    onTestFinished(() => disc.cleanup());

    const err = await rejectionOf(driveFor(disc.path).burn(iso18, {}));

    expect(err).toBeInstanceOf(MediaTooSmallError);
    const e = err as MediaTooSmallError;
    expect(e.neededSectors).toBeGreaterThanOrEqual(iso18.sectors);
    expect(e.availableSectors).toBe((4 * MiB) / SECTOR);
    const head = firstBytes(disc.device, MiB);
    expect(head.length).toBe(MiB);
    expect(head.every((b) => b === 0)).toBe(true);
  });

  it('a target on a read-only file system is WriteProtectedError', async () => {
    const disc = await readOnlyTarget();
    onTestFinished(() => disc.cleanup());

    const err = await rejectionOf(driveFor(disc.path).burn(iso18, {}));

    expect(err).toBeInstanceOf(WriteProtectedError);
    const e = err as WriteProtectedError;
    expect(e.code).toBe('WRITE_PROTECTED');
    expect(e.retryable).toBe(false);
    expect(e.needsOperator).toBe(true);
    // When cdrskin was the one to refuse, its output says why.
    if (e.tool) expect(e.tool.output).toMatch(/Read-only file system/);
    expect(existsSync(disc.path)).toBe(false);
  });

  it('a target whose directory does not exist is DriveGoneError', async () => {
    const missing = path.join(workDir(), 'no-such-dir', 'disc.img');

    const err = await rejectionOf(driveFor(missing).burn(iso18, {}));

    expect(err).toBeInstanceOf(DriveGoneError);
    const e = err as DriveGoneError;
    expect(e.code).toBe('DRIVE_GONE');
    expect(e.device).toContain(missing);
    expect(existsSync(path.dirname(missing))).toBe(false);
  });
});

describe.skipIf(noFuse)(`real failures on nbdkit pseudo discs behind nbdfuse (${fuseReason})`, () => {
  it('EIO in the middle of a burn is WriteError with the bytes written so far', async () => {
    const disc = await nbdSlowTarget({ sizeBytes: 64 * MiB, rateBits: 40_000_000 });
    onTestFinished(() => disc.cleanup());

    const progress: BurnProgress[] = [];
    let triggeredAt: number | null = null;
    const trigger = (): void => {
      if (triggeredAt !== null) return;
      triggeredAt = Date.now();
      disc.triggerErrors();
    };
    const fallback = setTimeout(trigger, 1000);
    onTestFinished(() => clearTimeout(fallback));

    const started = Date.now();
    const err = await rejectionOf(
      driveFor(disc.path).burn(
        iso30,
        {
          onProgress: (p) => {
            progress.push(p);
            if (p.phase === 'writing' && p.bytesWritten > 0) trigger();
          },
        },
        AbortSignal.timeout(30_000),
      ),
    );
    clearTimeout(fallback);

    expect(err).toBeInstanceOf(WriteError);
    expect(triggeredAt, 'the burn failed before the error was injected').not.toBeNull();
    const e = err as WriteError;
    expect(e.code).toBe('WRITE_ERROR'); // a plain write error, not a buffer underrun
    expect(e.retryable).toBe(true);
    expect(e.driveFault).toBe(true);
    expect(e.bytesWritten).toBeGreaterThan(0);
    expect(e.bytesWritten).toBeLessThan(iso30.sizeBytes);
    expect(e.tool?.output).toMatch(/Input\/output error/);
    expect(progress.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('ENOSPC on every write (nbdkit full plugin) is WriteError', async () => {
    const disc = await nbdFullTarget(100 * MiB);
    onTestFinished(() => disc.cleanup());

    const err = await rejectionOf(driveFor(disc.path).burn(iso18, {}));

    expect(err).toBeInstanceOf(WriteError);
    const e = err as WriteError;
    expect(e.code).toBe('WRITE_ERROR');
    expect(e.driveFault).toBe(true);
    expect(e.bytesWritten ?? 0).toBe(0);
    expect(e.tool?.output).toMatch(/No space left on device/);
  });

  describe('unreadable sectors 5000-5099 on read-back', () => {
    it('the read stream fails with ReadError naming sector 5000, after delivering only good data', async () => {
      const disc = await nbdBadReadTarget(iso18.path, [{ startSector: 5000, sectors: 100 }]);
      onTestFinished(() => disc.cleanup());
      const image = readFileSync(iso18.path);

      const { data, error } = await drain(driveFor(disc.path).read(iso18.sizeBytes, { signal: AbortSignal.timeout(30_000) }));

      expect(error).toBeInstanceOf(ReadError);
      const e = error as ReadError;
      expect(e.code).toBe('READ_ERROR');
      expect(e.sector).toBe(5000);
      expect(data.length).toBeLessThanOrEqual(5000 * SECTOR);
      expect(data.equals(image.subarray(0, data.length))).toBe(true);
    });

    it('the good area before the bad sectors reads back intact (control)', async () => {
      const disc = await nbdBadReadTarget(iso18.path, [{ startSector: 5000, sectors: 100 }]);
      onTestFinished(() => disc.cleanup());
      const image = readFileSync(iso18.path);
      const length = 4000 * SECTOR;

      const { data, error } = await drain(driveFor(disc.path).read(length, { offset: 0, signal: AbortSignal.timeout(30_000) }));

      expect(error).toBeNull();
      expect(data.length).toBe(length);
      expect(data.equals(image.subarray(0, length))).toBe(true);
    });
  });
});
