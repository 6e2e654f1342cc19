/**
 * Mastering a data disc: read the whole first data track of a disc (real
 * drive, `stdio:` pseudo drive or simulated drive, through `Drive.read`) into
 * an image file, hashing it on the way, continuing past unreadable sectors
 * ddrescue-style.
 *
 * How much is read: the data track as the table of contents reports it
 * (`media().tracks`, first data track, `sectors` long, from its start
 * sector), else the recorded area (`usedSectors`). Never the ISO 9660 volume
 * size (a hybrid image with an appended EFI partition is longer than its
 * volume) and nothing after the track (run-out, lead-out), except a DVD or
 * BD recorder's zero ECC padding past the image's declared end (see
 * recorder-padding.ts). For a `stdio:`
 * pseudo drive the track is the whole target file, rounded down to whole
 * 2048-byte sectors: a reused target file that is longer than the image last
 * burnt to it (cdrskin does not truncate) masters its whole length, old tail
 * included. A simulated disc's track is its recorded length.
 *
 * Files: the image is written to a hidden temp file (`.<name>.<random>.part`)
 * in `tempDir` (default: the target's directory, so the final rename stays on
 * one volume) and renamed to `outFile` (replacing it) only when it is complete
 * and hashed. On any failure, cancel included, the temp file is removed: no
 * partial image is ever left.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { DiscTrack, Drive } from '../drive-contract.js';
import { CancelledError, DriveError } from '../errors.js';
import { SECTOR_BYTES } from '../media.js';
import { eccBlockSectors, RecorderPadding } from './recorder-padding.js';
import { DamageMap } from './damage-map.js';
import { DamagedMasterError } from './master-errors.js';
import { dataTrackToMaster } from './master-format.js';
import { assertFreeSpace, moveIntoPlace, outputFailure, removeQuietly, tempNameFor, throwIfCancelled } from './output-file.js';
import { TrackReader } from './track-reader.js';

/** Progress of a master read. */
export interface MasterProgress {
  /** Bytes of the image done (read, or given up and zero-filled). */
  readonly bytesRead: number;
  readonly bytesTotal: number;
  /** Average speed so far, MB/s (10^6 bytes per second). */
  readonly speedMBps: number;
  /** Estimated seconds left at the average speed so far; null before there is a speed. */
  readonly etaSeconds: number | null;
  /** Sectors given up so far (zero-filled in the image). */
  readonly unreadableSectors: number;
}

export interface MasterDataOptions {
  /** Cancels the read: rejects with `CancelledError`, the temp file is removed. */
  readonly signal?: AbortSignal;
  /** Called at most every `progressIntervalMs`, and once at the end. */
  readonly onProgress?: (progress: MasterProgress) => void;
  /**
   * Re-reads of each unreadable sector after its first failed read (single
   * sector reads), before it is given up and zero-filled. Default 3, 0..100.
   */
  readonly retries?: number;
  /** Directory for the temp file. Default: `dirname(outFile)` (same volume, so the final rename is atomic). */
  readonly tempDir?: string;
  /** Bytes that must stay free in `tempDir` besides the image. Default 0. */
  readonly minFreeBytes?: number;
  /**
   * Skip the free-space check before reading (file systems whose statfs
   * misreports, tests of the disk-full path). A full disk is still caught
   * while writing.
   */
  readonly skipSpaceCheck?: boolean;
  /**
   * Keep an image with unreadable (zero-filled) sectors and report them in
   * the result. Default false: such a read fails with `DamagedMasterError`.
   */
  readonly allowDamaged?: boolean;
  /** Minimum milliseconds between progress reports. Default 250. */
  readonly progressIntervalMs?: number;
}

export interface MasterResult {
  /** The image (absolute path). */
  readonly path: string;
  readonly format: 'iso';
  readonly bytes: number;
  readonly sectors: number;
  /** SHA-256 of the image as written, lower-case hex. */
  readonly sha256: string;
  /** The track that was read. */
  readonly track: DiscTrack;
  /** True when sectors stayed unreadable and were zero-filled (only with `allowDamaged`). */
  readonly damaged: boolean;
  /** The unreadable sectors (empty for a clean read); sectors of the image. */
  readonly damageMap: DamageMap;
  readonly durationMs: number;
  /** Average speed, MB/s. */
  readonly speedMBps: number;
}

/**
 * Master the first data track of the disc in `drive` into `outFile`.
 *
 * Resolves with the image's path, size, SHA-256 and damage map. Rejects with
 * `NoMediaError` (no disc), `WrongMediaError` (blank disc, no data track),
 * `InsufficientSpaceError` (not enough free space before reading, or the
 * disk filled up while writing), `MasterOutputError` (the image could not be
 * created or written otherwise), `DamagedMasterError` (unreadable sectors
 * without `allowDamaged`), `CancelledError`, or the drive's own errors
 * (`DriveGoneError`, `DriveBusyError`, ...). Whatever the failure, no image
 * and no temp file are left.
 *
 * Unreadable sectors: when a read fails with `ReadError` (naming the first bad
 * sector), the good sectors before it are read, then sector by sector: each
 * bad sector is re-read up to `retries` times, then zero-filled and recorded
 * in the damage map; at the first good sector the read continues in large
 * chunks.
 */
export async function masterDataDisc(
  drive: Pick<Drive, 'address' | 'media' | 'read'>,
  outFile: string,
  options: MasterDataOptions = {},
): Promise<MasterResult> {
  const started = Date.now();
  const device = drive.address;
  const { signal } = options;
  const retries = options.retries ?? 3;
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > 100) throw new RangeError(`retries must be an integer 0..100, got ${retries}`);
  const minFree = options.minFreeBytes ?? 0;
  if (!Number.isFinite(minFree) || minFree < 0) throw new RangeError(`minFreeBytes must be >= 0, got ${minFree}`);
  const interval = options.progressIntervalMs ?? 250;
  throwIfCancelled(signal, 'mastering', device);

  const target = path.resolve(outFile);
  const tempDir = path.resolve(options.tempDir ?? path.dirname(target));
  const media = await drive.media(signal);
  const track = dataTrackToMaster(media, device);
  const totalSectors = track.sectors;
  const totalBytes = totalSectors * SECTOR_BYTES;
  if (!options.skipSpaceCheck) await assertFreeSpace(tempDir, totalBytes, minFree, device);
  throwIfCancelled(signal, 'mastering', device);

  const temp = tempNameFor(tempDir, target);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o644);
  } catch (err) {
    throw outputFailure(err, `cannot create the image file in ${tempDir}`, device);
  }

  const reader = new TrackReader(drive, track, device, signal);
  const damage = new DamageMap(totalSectors, track.startSector);
  const hash = createHash('sha256');
  const padding = new RecorderPadding(totalSectors, eccBlockSectors(media.type));
  /** The image's end when the track only ran past it by a recorder's ECC padding. */
  let trimmed: { sectors: number; sha256: string } | null;
  /** Image sectors written and hashed, in order. */
  let done = 0;
  let lastReport = 0;

  const report = (force: boolean): void => {
    if (!options.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    const bytesRead = done * SECTOR_BYTES;
    const seconds = (now - started) / 1000;
    const speed = seconds > 0 ? bytesRead / 1e6 / seconds : 0;
    options.onProgress({
      bytesRead,
      bytesTotal: totalBytes,
      speedMBps: speed,
      etaSeconds: speed > 0 ? (totalBytes - bytesRead) / 1e6 / speed : null,
      unreadableSectors: damage.unreadableSectors,
    });
  };

  /** Write and hash whole sectors at the current position. */
  const commit = async (data: Buffer): Promise<void> => {
    const file = handle;
    if (!file) throw new Error('image file closed');
    let written = 0;
    try {
      while (written < data.length) {
        const { bytesWritten } = await file.write(data, written, data.length - written, done * SECTOR_BYTES + written);
        if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
        written += bytesWritten;
      }
    } catch (err) {
      throw outputFailure(err, `cannot write the image ${temp}`, device);
    }
    padding.hash(hash, data, done);
    done += data.length / SECTOR_BYTES;
  };

  const zeros = Buffer.alloc(SECTOR_BYTES);

  try {
    /** End of the next streamed read: the end of the track, or a known bad sector to stop before. */
    let limit = totalSectors;
    /** Sector by sector from `done` (after a read error), until one reads. */
    let careful = false;
    /** The sector at `done` already failed once (the streamed read reported it). */
    let failedOnce = false;
    while (done < totalSectors) {
      throwIfCancelled(signal, 'mastering', device);
      if (careful) {
        const data = await reader.readSector(done, failedOnce ? retries : retries + 1);
        failedOnce = false;
        if (data !== null) {
          await commit(data);
          careful = false;
        } else {
          damage.add(done);
          await commit(zeros);
        }
        report(false);
        continue;
      }
      const failure = await reader.readRange(done, limit, async (data) => {
        await commit(data);
        report(false);
      });
      if (failure === null) {
        if (limit < totalSectors) {
          // Read up to the bad sector the last streamed read named; now that one, carefully.
          careful = true;
          failedOnce = true;
          limit = totalSectors;
        }
        continue;
      }
      const bad = failure.sector - track.startSector;
      if (bad > done && bad < limit) {
        // The good sectors before the bad one were in the failed chunk: read them first.
        limit = bad;
        continue;
      }
      careful = true;
      failedOnce = bad === done;
      limit = totalSectors;
    }
    throwIfCancelled(signal, 'mastering', device);
    trimmed = padding.result(damage.ranges.map((r) => r.startSector + r.sectors - 1));
    try {
      if (trimmed !== null) await handle.truncate(trimmed.sectors * SECTOR_BYTES);
      await handle.datasync();
      await handle.close();
    } catch (err) {
      throw outputFailure(err, `cannot write the image ${temp}`, device);
    } finally {
      handle = undefined;
    }
    report(true);
    const damaged = damage.unreadableSectors > 0;
    if (damaged && !options.allowDamaged) {
      throw new DamagedMasterError(
        `${device}: ${damage.unreadableSectors} sector(s) of the master stayed unreadable after ${retries} retr${retries === 1 ? 'y' : 'ies'} ` +
          `(${damage.ranges.map((r) => (r.sectors === 1 ? `${r.startSector}` : `${r.startSector}-${r.startSector + r.sectors - 1}`)).join(', ')})`,
        damage,
        { device },
      );
    }
    throwIfCancelled(signal, 'mastering', device);
    await moveIntoPlace(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await removeQuietly(temp);
    if (signal?.aborted) throw err instanceof CancelledError ? err : new CancelledError('mastering cancelled', { device, cause: err });
    if (err instanceof DriveError) throw err;
    if (typeof (err as NodeJS.ErrnoException).code === 'string') throw outputFailure(err, `mastering to ${target} failed`, device);
    throw err;
  }

  const durationMs = Date.now() - started;
  return {
    path: target,
    format: 'iso',
    bytes: trimmed === null ? totalBytes : trimmed.sectors * SECTOR_BYTES,
    sectors: trimmed?.sectors ?? totalSectors,
    sha256: trimmed?.sha256 ?? hash.digest('hex'),
    track,
    damaged: damage.unreadableSectors > 0,
    damageMap: damage,
    durationMs,
    speedMBps: durationMs > 0 ? totalBytes / 1e6 / (durationMs / 1000) : 0,
  };
}
