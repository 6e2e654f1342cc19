/**
 * masterDataDisc on real tools and media: ISOs burnt with the real cdrskin to
 * `stdio:` pseudo drives and read back, a hybrid image longer than its ISO
 * 9660 volume, a simulated drive, nbdkit media with unreadable sectors, a
 * tmpfs too small for the image, and cancelling.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import type { BurnImage, Drive, ReadOptions } from '../../src/drive-contract.js';
import { CancelledError, NoMediaError, WrongMediaError } from '../../src/errors.js';
import { DamagedMasterError, InsufficientSpaceError, masterDataDisc } from '../../src/master/index.js';
import type { MasterProgress } from '../../src/master/index.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import { canMount, canUseFuse, ddrescueMapfile, nbdBadReadTarget, tmpfsTarget } from '../support/pseudo-media.js';
import { cdrskinEnv, makeCdrskinHome, makeIso, makeTempDir } from '../support/test-images.js';

let work: ReturnType<typeof makeTempDir>;
let env: NodeJS.ProcessEnv;
let iso: BurnImage;
let n = 0;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function imageOf(file: string): BurnImage {
  const size = statSync(file).size;
  return { format: 'iso', path: file, sizeBytes: size, sectors: Math.ceil(size / 2048) };
}

/** A fresh stdio: pseudo drive with `image` burnt onto it by the real cdrskin. */
async function burntDrive(image: BurnImage): Promise<CdrecordDrive> {
  const target = path.join(work.dir, `drive-${++n}.img`);
  const drive = new CdrecordDrive({ address: `stdio:${target}`, env });
  await drive.burn(image, {});
  return drive;
}

function outDir(): string {
  const dir = path.join(work.dir, `out-${++n}`);
  mkdirSync(dir);
  return dir;
}

/** Wraps a drive, counting read() calls and bytes asked for. */
function countingDrive(drive: Drive): { drive: Pick<Drive, 'address' | 'media' | 'read'>; reads: () => number } {
  let reads = 0;
  return {
    drive: {
      address: drive.address,
      media: (signal?: AbortSignal) => drive.media(signal),
      read: (length: number, options?: ReadOptions): Readable => {
        reads += 1;
        return drive.read(length, options);
      },
    },
    reads: () => reads,
  };
}

beforeAll(() => {
  work = makeTempDir('master-data-');
  env = cdrskinEnv(makeCdrskinHome(work.dir));
  iso = imageOf(makeIso(work.dir, { name: 'master.iso', payloadBytes: 3 * 1024 * 1024 + 6144 }));
});
afterAll(() => work.cleanup());

describe('masterDataDisc from a cdrskin stdio: pseudo drive', () => {
  it('reads back a burnt ISO byte-identically, with its SHA-256, progress and no leftovers', async () => {
    const drive = await burntDrive(iso);
    const media = await drive.media();
    expect(media.tracks).toEqual([{ number: 1, session: 1, kind: 'data', startSector: 0, sectors: iso.sectors }]);
    const dir = outDir();
    const out = path.join(dir, 'copy.iso');
    const progress: MasterProgress[] = [];
    const result = await masterDataDisc(drive, out, { onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    const original = readFileSync(iso.path);
    const copy = readFileSync(out);
    expect(copy.equals(original)).toBe(true);
    expect(result).toMatchObject({
      path: out,
      format: 'iso',
      bytes: iso.sizeBytes,
      sectors: iso.sectors,
      sha256: sha256(original),
      damaged: false,
      track: { kind: 'data', startSector: 0, sectors: iso.sectors },
    });
    expect(result.damageMap.ranges).toEqual([]);
    expect(readdirSync(dir)).toEqual(['copy.iso']);
    expect(progress.length).toBeGreaterThan(1);
    const last = progress.at(-1);
    expect(last).toMatchObject({ bytesRead: iso.sizeBytes, bytesTotal: iso.sizeBytes, unreadableSectors: 0, etaSeconds: 0 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]!.bytesRead);
  });

  it('masters a hybrid image whole: file longer than its ISO 9660 volume (appended EFI partition)', async () => {
    const dir = path.join(work.dir, 'hybrid');
    const content = path.join(dir, 'content');
    mkdirSync(content, { recursive: true });
    writeFileSync(path.join(content, 'payload.bin'), randomBytes(1024 * 1024 + 512));
    const efi = path.join(dir, 'efi.img');
    writeFileSync(efi, randomBytes(1024 * 1024));
    const hybrid = path.join(dir, 'hybrid.iso');
    const made = spawnSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'HYBRID', '-o', hybrid, '-append_partition', '2', '0xef', efi, content], {
      encoding: 'utf8',
    });
    expect(made.status, made.stderr).toBe(0);
    const bytes = readFileSync(hybrid);
    // PVD at sector 16: "CD001", volume space size (LE uint32) at offset 80.
    expect(bytes.subarray(32768 + 1, 32768 + 6).toString('latin1')).toBe('CD001');
    const volumeBytes = bytes.readUInt32LE(32768 + 80) * 2048;
    expect(volumeBytes).toBeLessThan(bytes.length);
    expect(bytes.length - volumeBytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(bytes.length % 2048).toBe(0);
    // The EFI image lies past the volume, at the end of the file.
    expect(bytes.indexOf(readFileSync(efi))).toBeGreaterThanOrEqual(volumeBytes);

    const drive = await burntDrive(imageOf(hybrid));
    const out = path.join(outDir(), 'hybrid-copy.iso');
    const result = await masterDataDisc(drive, out);
    const copy = readFileSync(out);
    expect(copy.length).toBe(bytes.length);
    expect(copy.equals(bytes)).toBe(true);
    expect(result.sha256).toBe(sha256(bytes));
  });

  it('a reused, longer target file masters its whole length (whole sectors): cdrskin does not truncate it', async () => {
    const target = path.join(work.dir, `reused-${++n}.img`);
    const old = randomBytes(iso.sizeBytes + 5 * 2048 + 100);
    writeFileSync(target, old);
    const drive = new CdrecordDrive({ address: `stdio:${target}`, env });
    await drive.burn(iso, {});
    expect(statSync(target).size).toBe(old.length);
    expect((await drive.media()).tracks).toEqual([{ number: 1, session: 1, kind: 'data', startSector: 0, sectors: iso.sectors + 5 }]);
    const out = path.join(outDir(), 'reused.iso');
    const result = await masterDataDisc(drive, out);
    const copy = readFileSync(out);
    expect(copy.length).toBe(iso.sizeBytes + 5 * 2048);
    expect(copy.subarray(0, iso.sizeBytes).equals(readFileSync(iso.path))).toBe(true);
    expect(copy.subarray(iso.sizeBytes).equals(old.subarray(iso.sizeBytes, iso.sizeBytes + 5 * 2048))).toBe(true);
    expect(result.sectors).toBe(iso.sectors + 5);
  });

  it('refuses a blank pseudo drive and a missing one without leaving files', async () => {
    const dir = outDir();
    const blank = new CdrecordDrive({ address: `stdio:${path.join(work.dir, 'never-written.img')}`, env });
    await expect(masterDataDisc(blank, path.join(dir, 'x.iso'))).rejects.toBeInstanceOf(WrongMediaError);
    const empty = new SimulatedDrive({ timeScale: 0.001 });
    try {
      await expect(masterDataDisc(empty, path.join(dir, 'y.iso'))).rejects.toBeInstanceOf(NoMediaError);
    } finally {
      empty.dispose();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('cancels mid-read with CancelledError and leaves no temp file', async () => {
    const big = imageOf(makeIso(work.dir, { name: 'big.iso', payloadBytes: 24 * 1024 * 1024 }));
    const drive = await burntDrive(big);
    const dir = outDir();
    const controller = new AbortController();
    const seen: number[] = [];
    const err = await masterDataDisc(drive, path.join(dir, 'big-copy.iso'), {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen.push(p.bytesRead);
        if (p.bytesRead >= 2 * 1024 * 1024) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(seen.at(-1)).toBeLessThan(big.sizeBytes);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('masterDataDisc from a simulated drive', () => {
  it('reads back an ISO burnt onto a simulated DVD+R byte-identically', async () => {
    const drive = new SimulatedDrive({ timeScale: 0.001, media: 'DVD+R' });
    try {
      await drive.burn(iso, {});
      const media = await drive.media();
      expect(media.tracks).toEqual([{ number: 1, session: 1, kind: 'data', startSector: 0, sectors: iso.sectors }]);
      const out = path.join(outDir(), 'sim-copy.iso');
      const result = await masterDataDisc(drive, out);
      expect(readFileSync(out).equals(readFileSync(iso.path))).toBe(true);
      expect(result.sha256).toBe(sha256(readFileSync(iso.path)));
      expect(result.damaged).toBe(false);
    } finally {
      drive.dispose();
    }
  });
});

describe.skipIf(!canUseFuse())('masterDataDisc from nbdkit media with unreadable sectors 300-319', () => {
  const bad = [{ startSector: 300, sectors: 20 }];

  it('fails with DamagedMasterError naming exactly sectors 300-319 and leaves no file', async () => {
    const media = await nbdBadReadTarget(iso.path, bad);
    try {
      const drive = new CdrecordDrive({ address: `stdio:${media.path}`, env });
      const dir = outDir();
      const counted = countingDrive(drive);
      const err = await masterDataDisc(counted.drive, path.join(dir, 'damaged.iso'), { retries: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DamagedMasterError);
      const damaged = err as DamagedMasterError;
      expect(damaged.map.ranges).toEqual([{ startSector: 300, sectors: 20, status: 'unreadable' }]);
      expect(damaged.map.unreadableSectors).toBe(20);
      expect(damaged).toMatchObject({ code: 'DAMAGED_MASTER', retryable: true, driveFault: false });
      expect(readdirSync(dir)).toEqual([]);
      // retries bound the work: at most (1 + retries) single-sector reads per bad sector plus the streamed reads around them.
      expect(counted.reads()).toBeLessThanOrEqual(20 * 2 + 6);
    } finally {
      await media.cleanup();
    }
  });

  it('with allowDamaged keeps a full-length image: zeros in 300-319, the ISO elsewhere, and a valid ddrescue mapfile', async () => {
    const media = await nbdBadReadTarget(iso.path, bad);
    try {
      const drive = new CdrecordDrive({ address: `stdio:${media.path}`, env });
      const out = path.join(outDir(), 'damaged.iso');
      const progress: MasterProgress[] = [];
      const result = await masterDataDisc(drive, out, { retries: 2, allowDamaged: true, onProgress: (p) => progress.push(p) });
      const copy = readFileSync(out);
      const original = readFileSync(iso.path);
      expect(copy.length).toBe(original.length);
      expect(copy.subarray(300 * 2048, 320 * 2048).every((b) => b === 0)).toBe(true);
      expect(original.subarray(300 * 2048, 320 * 2048).some((b) => b !== 0)).toBe(true);
      expect(copy.subarray(0, 300 * 2048).equals(original.subarray(0, 300 * 2048))).toBe(true);
      expect(copy.subarray(320 * 2048).equals(original.subarray(320 * 2048))).toBe(true);
      expect(result.damaged).toBe(true);
      expect(result.sha256).toBe(sha256(copy));
      expect(result.damageMap.ranges).toEqual([{ startSector: 300, sectors: 20, status: 'unreadable' }]);
      expect(progress.at(-1)?.unreadableSectors).toBe(20);

      const text = result.damageMap.toDdrescueMapfile();
      const dataLines = (t: string): string[] => t.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      // Same blocks as the mapfile nbdkit's ddrescue filter accepted for this very target.
      expect(dataLines(text).slice(1)).toEqual(dataLines(readFileSync(media.mapfile, 'utf8')).slice(1));
      expect(dataLines(text).slice(1)).toEqual(dataLines(ddrescueMapfile(original.length, bad)).slice(1));
      // Format: status line, then blocks covering the image without gaps.
      const [status, ...blocks] = dataLines(text);
      expect(status).toMatch(/^0x[0-9A-F]+\s+[?*/\-FGd+]\s+\d+$/);
      let pos = 0;
      for (const line of blocks) {
        const m = /^0x([0-9A-F]+)\s+0x([0-9A-F]+)\s+([?*/\-+])$/.exec(line);
        expect(m, line).not.toBeNull();
        expect(parseInt(m![1]!, 16)).toBe(pos);
        pos += parseInt(m![2]!, 16);
      }
      expect(pos).toBe(original.length);
    } finally {
      await media.cleanup();
    }
  });
});

describe.skipIf(!canMount())('masterDataDisc into a tmpfs too small for the image', () => {
  it('refuses before reading with InsufficientSpaceError', async () => {
    const drive = await burntDrive(iso);
    const small = await tmpfsTarget(1024 * 1024);
    try {
      const dir = path.dirname(small.path);
      const counted = countingDrive(drive);
      const err = await masterDataDisc(counted.drive, path.join(dir, 'copy.iso')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InsufficientSpaceError);
      expect(err).toMatchObject({ code: 'INSUFFICIENT_SPACE', retryable: false, driveFault: false, neededBytes: iso.sizeBytes });
      expect((err as InsufficientSpaceError).availableBytes).toBeLessThan(iso.sizeBytes);
      expect(counted.reads()).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await small.cleanup();
    }
  });

  it('counts minFreeBytes as a reserve on top of the image', async () => {
    const drive = await burntDrive(iso);
    const roomy = await tmpfsTarget(iso.sizeBytes + 512 * 1024);
    try {
      const dir = path.dirname(roomy.path);
      const err = await masterDataDisc(drive, path.join(dir, 'copy.iso'), { minFreeBytes: 1024 * 1024 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InsufficientSpaceError);
      const result = await masterDataDisc(drive, path.join(dir, 'copy.iso'));
      expect(result.sha256).toBe(sha256(readFileSync(iso.path)));
      expect(readdirSync(dir)).toEqual(['copy.iso']);
    } finally {
      await roomy.cleanup();
    }
  });

  it('with the check skipped, the disk filling up (ENOSPC) is InsufficientSpaceError and no partial file is left', async () => {
    const drive = await burntDrive(iso);
    const small = await tmpfsTarget(1024 * 1024);
    try {
      const dir = path.dirname(small.path);
      const counted = countingDrive(drive);
      const err = await masterDataDisc(counted.drive, path.join(dir, 'copy.iso'), { skipSpaceCheck: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InsufficientSpaceError);
      expect(((err as Error).cause as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
      expect(counted.reads()).toBeGreaterThan(0);
      expect(readdirSync(dir)).toEqual([]);
      expect(existsSync(path.join(dir, 'copy.iso'))).toBe(false);
    } finally {
      await small.cleanup();
    }
  });
});
