/**
 * Sequential reads of an image file for verification, into two buffers used
 * in turn: the chunk being compared and the next one, read ahead while the
 * compare runs. A returned chunk is valid until the call after next.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ImageError } from './errors.js';

interface Ahead {
  readonly offset: number;
  readonly length: number;
  readonly buffer: Buffer;
  readonly done: Promise<void>;
}

/** Reads `[offset, offset + length)` ranges of one file, in order. */
export class ImageWindow {
  readonly #path: string;
  readonly #end: number;
  readonly #buffers: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];
  #turn: 0 | 1 = 0;
  #handle: Promise<FileHandle> | null = null;
  #ahead: Ahead | null = null;

  /** @param end bytes of the file that may be read (the image's length). */
  constructor(path: string, end: number) {
    this.#path = path;
    this.#end = end;
  }

  /** The bytes at `[offset, offset + length)`; the next range of the same length is read ahead. */
  async take(offset: number, length: number): Promise<Buffer> {
    let chunk: Buffer;
    const ahead = this.#ahead;
    this.#ahead = null;
    if (ahead !== null && ahead.offset === offset && ahead.length === length) {
      await ahead.done;
      chunk = ahead.buffer;
    } else {
      await ahead?.done.catch(() => undefined);
      chunk = this.#buffer(length);
      await this.#fill(chunk, offset);
    }
    const next = offset + length;
    if (next < this.#end) {
      const nextLength = Math.min(length, this.#end - next);
      const buffer = this.#buffer(nextLength);
      const done = this.#fill(buffer, next);
      done.catch(() => undefined);
      this.#ahead = { offset: next, length: nextLength, buffer, done };
    }
    return chunk;
  }

  /** Close the file (a read ahead still running is awaited first). */
  async close(): Promise<void> {
    await this.#ahead?.done.catch(() => undefined);
    this.#ahead = null;
    const handle = this.#handle;
    this.#handle = null;
    if (handle !== null) await (await handle.catch(() => null))?.close().catch(() => undefined);
  }

  #buffer(length: number): Buffer {
    const i = this.#turn;
    this.#turn = i === 0 ? 1 : 0;
    let buf = this.#buffers[i];
    if (buf.length < length) {
      buf = Buffer.allocUnsafe(length);
      this.#buffers[i] = buf;
    }
    return buf.subarray(0, length);
  }

  async #fill(buffer: Buffer, offset: number): Promise<void> {
    this.#handle ??= open(this.#path, 'r');
    let handle: FileHandle;
    try {
      handle = await this.#handle;
    } catch (err) {
      throw new ImageError(`cannot read image ${this.#path}: ${(err as Error).message}`, { cause: err });
    }
    let got = 0;
    while (got < buffer.length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, got, buffer.length - got, offset + got));
      } catch (err) {
        throw new ImageError(`cannot read image ${this.#path}: ${(err as Error).message}`, { cause: err });
      }
      if (bytesRead === 0) throw new ImageError(`image ${this.#path} ended early at byte ${offset + got}`);
      got += bytesRead;
    }
  }
}
