/**
 * Plain block reads of a disc (device node) or a pseudo drive's file:
 * exactly `length` bytes from `offset`, in fixed chunks so memory stays flat,
 * with read failures turned into typed errors that name the first bad sector.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CancelledError, DriveBusyError, DriveGoneError, NoMediaError, ReadError } from '../errors.js';
import type { DriveError } from '../errors.js';
import { SECTOR_BYTES } from '../media.js';

export interface BlockReadOptions {
  /** Device node or file to read. */
  readonly path: string;
  /** Address for error messages. */
  readonly device: string;
  /** First byte, a multiple of 2048. */
  readonly offset: number;
  readonly length: number;
  readonly signal?: AbortSignal;
  /** Bytes per read() call. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Read into a ring of buffers instead of a fresh one per chunk (see `ReadOptions.transientChunks`). */
  readonly reuseBuffers?: boolean;
}

/**
 * Buffers in the ring: one the consumer holds, one queued in the stream
 * (its high-water mark is one chunk), one being read, one to spare.
 */
const RING_SIZE = 4;

// libuv has no name for ENOMEDIUM: node reports errno -123, code 'Unknown system error -123'.
const ENOMEDIUM = 123;

function isNoMedium(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ENOMEDIUM' || err.errno === -ENOMEDIUM || /-123\b/.test(err.code ?? '');
}

/** Map an open/read failure to a drive error. `sector` is where the failing read started. */
export function mapReadFailure(err: unknown, device: string, sector: number): DriveError {
  const e = err as NodeJS.ErrnoException;
  if (isNoMedium(e)) return new NoMediaError(`${device}: no disc in the drive`, { device, cause: err });
  if (e.code === 'ENOENT' || e.code === 'ENXIO' || e.code === 'ENODEV') {
    return new DriveGoneError(`${device}: the drive or target is gone (${e.code})`, { device, cause: err });
  }
  if (e.code === 'EBUSY') return new DriveBusyError(`${device} is busy: another process holds it`, { device, cause: err });
  return new ReadError(`${device}: cannot read sector ${sector}: ${e.message}`, sector, { device, cause: err });
}

class BlockReadStream extends Readable {
  private handle: FileHandle | undefined;
  private position = 0;
  private readonly onAbort = (): void => {
    this.destroy(new CancelledError(`${this.options.device}: read cancelled`, { device: this.options.device }));
  };

  constructor(private readonly options: BlockReadOptions) {
    super({ highWaterMark: options.chunkBytes ?? 1024 * 1024 });
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.options.signal?.aborted) {
      callback(new CancelledError(`${this.options.device}: read cancelled`, { device: this.options.device }));
      return;
    }
    open(this.options.path, 'r').then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (err: unknown) => callback(mapReadFailure(err, this.options.device, this.options.offset / SECTOR_BYTES)),
    );
  }

  override _read(): void {
    void this.readChunk();
  }

  private async readChunk(): Promise<void> {
    const { length, offset, device } = this.options;
    const remaining = length - this.position;
    if (remaining <= 0) {
      this.push(null);
      return;
    }
    const handle = this.handle;
    if (!handle) return;
    const want = Math.min(remaining, this.options.chunkBytes ?? 1024 * 1024);
    const buffer = this.nextBuffer(want);
    const at = offset + this.position;
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, want, at));
    } catch (err) {
      if (this.destroyed) return;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EIO') {
        const bad = await this.firstBadSector(at, want);
        this.destroy(new ReadError(`${device}: unreadable sector ${bad} (I/O error)`, bad, { device, cause: err }));
      } else {
        this.destroy(mapReadFailure(err, device, Math.floor(at / SECTOR_BYTES)));
      }
      return;
    }
    if (this.destroyed) return;
    if (bytesRead === 0) {
      const sector = Math.floor(at / SECTOR_BYTES);
      this.destroy(new ReadError(`${device}: the disc ends at sector ${sector}, before the ${length} bytes asked for`, sector, { device }));
      return;
    }
    this.position += bytesRead;
    this.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
  }

  private readonly ring: Buffer[] = [];
  private ringNext = 0;

  private nextBuffer(size: number): Buffer {
    if (this.options.reuseBuffers !== true) return Buffer.allocUnsafe(size);
    const chunk = this.options.chunkBytes ?? 1024 * 1024;
    const i = this.ringNext;
    this.ringNext = (i + 1) % RING_SIZE;
    const buf = (this.ring[i] ??= Buffer.allocUnsafe(chunk));
    return size === buf.length ? buf : buf.subarray(0, size);
  }

  /** Re-read a failed chunk sector by sector to name the first unreadable one. */
  private async firstBadSector(at: number, bytes: number): Promise<number> {
    const first = Math.floor(at / SECTOR_BYTES);
    const count = Math.ceil(bytes / SECTOR_BYTES);
    const handle = this.handle;
    if (!handle) return first;
    const sector = Buffer.allocUnsafe(SECTOR_BYTES);
    for (let i = 0; i < count; i++) {
      if (this.destroyed) return first + i;
      try {
        await handle.read(sector, 0, SECTOR_BYTES, (first + i) * SECTOR_BYTES);
      } catch {
        return first + i;
      }
    }
    // The chunk failed but every sector read alone: report the chunk start.
    return first;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) {
      callback(error);
      return;
    }
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}

/**
 * A stream of exactly `length` bytes from `offset`. Fails with `ReadError`
 * (first unreadable sector, or where the target ended), `NoMediaError`,
 * `DriveGoneError`, `DriveBusyError` or `CancelledError`.
 */
export function createBlockReadStream(options: BlockReadOptions): Readable {
  if (!Number.isInteger(options.offset) || options.offset < 0 || options.offset % SECTOR_BYTES !== 0) {
    throw new RangeError(`read offset ${options.offset} is not a multiple of ${SECTOR_BYTES}`);
  }
  if (!Number.isInteger(options.length) || options.length < 0) throw new RangeError(`read length ${options.length} is invalid`);
  return new BlockReadStream(options);
}
