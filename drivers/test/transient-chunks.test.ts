import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlockReadStream } from '../src/cdrecord/block-read-stream.js';
import { ImageError } from '../src/errors.js';
import { ImageWindow } from '../src/image-window.js';
import { makeTempDir } from './support/test-images.js';

describe('reused read buffers', () => {
  let work: ReturnType<typeof makeTempDir>;
  let file: string;
  let data: Buffer;
  beforeAll(() => {
    work = makeTempDir('transient-');
    data = Buffer.alloc(2048 * 100);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    file = path.join(work.dir, 'disc.img');
    writeFileSync(file, data);
  });
  afterAll(() => work.cleanup());

  it('a block read with reuseBuffers gives the same bytes from a ring of four buffers', async () => {
    const chunkBytes = 2048 * 8;
    const copies: Buffer[] = [];
    const memory: ArrayBufferLike[] = [];
    const stream = createBlockReadStream({ path: file, device: `stdio:${file}`, offset: 0, length: data.length, chunkBytes, reuseBuffers: true });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      copies.push(Buffer.from(chunk));
      memory.push(chunk.buffer);
    }
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    expect(memory.length).toBe(13);
    expect(new Set(memory).size).toBeLessThanOrEqual(4);
    // Without the option every chunk is its own memory.
    const fresh: ArrayBufferLike[] = [];
    for await (const chunk of createBlockReadStream({ path: file, device: `stdio:${file}`, offset: 0, length: data.length, chunkBytes }) as AsyncIterable<Buffer>) fresh.push(chunk.buffer);
    expect(new Set(fresh).size).toBe(fresh.length);
  });

  it('an image window returns any sequence of ranges, reading the next one ahead', async () => {
    const window = new ImageWindow(file, data.length);
    let offset = 0;
    for (const length of [4096, 4096, 10_000, 6384, 2048, 100_000, 4096]) {
      const got = await window.take(offset, length);
      expect(got.equals(data.subarray(offset, offset + length))).toBe(true);
      offset += length;
    }
    await window.close();
  });

  it('an image window fails with ImageError past the end of the file or on a missing file', async () => {
    const window = new ImageWindow(file, data.length + 4096);
    await expect(window.take(data.length - 2048, 4096)).rejects.toBeInstanceOf(ImageError);
    await window.close();
    const missing = new ImageWindow(path.join(work.dir, 'nope.iso'), 4096);
    await expect(missing.take(0, 4096)).rejects.toBeInstanceOf(ImageError);
    await missing.close();
  });
});
