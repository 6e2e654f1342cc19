/**
 * Reading one track of a disc through `Drive.read`, in whole 2048-byte
 * sectors counted from the track's start: a range streamed to a sink (which
 * tells where an unreadable sector stopped it), or one sector re-read up to
 * a number of times. What mastering a data disc reads with.
 */
import type { Readable } from 'node:stream';
import type { DiscTrack, Drive } from '../drive-contract.js';
import { ReadError } from '../errors.js';
import { SECTOR_BYTES } from '../media.js';
import { throwIfCancelled } from './output-file.js';

/** Wait for a stream's `close` (so a drive that serialises operations is free again), at most `limitMs`. */
function closedPromise(stream: Readable, limitMs = 5_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.closed) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, limitMs);
    timer.unref();
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Reads the sectors of one track of the disc in a drive. */
export class TrackReader {
  /**
   * @param device The drive's address, for errors.
   * @param signal Cancels reads: they reject with `CancelledError`.
   */
  constructor(
    private readonly drive: Pick<Drive, 'read'>,
    private readonly track: DiscTrack,
    private readonly device: string,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Stream the track's sectors [from, to) to `sink` in whole sectors. Resolves null
   * when all arrived, the `ReadError` when the drive could not read one
   * (what arrived before it went to `sink`); other errors reject. Always
   * waits for the drive's stream to close.
   */
  async readRange(from: number, to: number, sink: (data: Buffer) => Promise<void>): Promise<ReadError | null> {
    const { drive, track, device, signal } = this;
    const stream = drive.read((to - from) * SECTOR_BYTES, {
      offset: (track.startSector + from) * SECTOR_BYTES,
      ...(signal === undefined ? {} : { signal }),
    });
    const closed = closedPromise(stream);
    let carry: Buffer = Buffer.alloc(0);
    let received = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        throwIfCancelled(signal, 'mastering', device);
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const whole = data.length - (data.length % SECTOR_BYTES);
        carry = Buffer.from(data.subarray(whole));
        if (whole > 0) {
          await sink(data.subarray(0, whole));
          received += whole / SECTOR_BYTES;
        }
      }
      if (from + received < to) {
        // The contract says a read ends early only with an error; treat a short one as an unreadable sector.
        return new ReadError(`${device}: the read ended at sector ${track.startSector + from + received}`, track.startSector + from + received, { device });
      }
      return null;
    } catch (err) {
      if (err instanceof ReadError && !signal?.aborted) return err;
      throw err;
    } finally {
      stream.destroy();
      await closed;
    }
  }

  /** Read one sector, `attempts` times at most; null when every attempt failed. */
  async readSector(sector: number, attempts: number): Promise<Buffer | null> {
    for (let i = 0; i < attempts; i++) {
      throwIfCancelled(this.signal, 'mastering', this.device);
      const parts: Buffer[] = [];
      const failed = await this.readRange(sector, sector + 1, async (data) => {
        parts.push(Buffer.from(data));
      });
      if (failed === null) return Buffer.concat(parts);
    }
    return null;
  }
}
