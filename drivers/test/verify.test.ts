import { createReadStream, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageError, ReadError, VerifyMismatchError } from '../src/errors.js';
import { verifyDisc } from '../src/verify.js';
import { makeTempDir } from './support/test-images.js';

/** A "disc" that is a file, read exactly as a pseudo drive's block read would. */
function fileDisc(file: string): { address: string; read: (length: number) => Readable } {
  return {
    address: `stdio:${file}`,
    read: (length) => createReadStream(file, { start: 0, end: length - 1, highWaterMark: 64 * 1024 }),
  };
}

describe('verifyDisc', () => {
  let work: ReturnType<typeof makeTempDir>;
  let image: string;
  let data: Buffer;
  beforeAll(() => {
    work = makeTempDir('verify-');
    data = Buffer.alloc(2048 * 600);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
    image = path.join(work.dir, 'image.iso');
    writeFileSync(image, data);
  });
  afterAll(() => work.cleanup());

  it('passes an identical disc and ignores a longer target tail', async () => {
    const disc = path.join(work.dir, 'longer.img');
    writeFileSync(disc, Buffer.concat([data, Buffer.alloc(8192, 0xee)]));
    const sha = createHash('sha256').update(data).digest('hex');
    const result = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length, sha256: sha });
    expect(result.bytes).toBe(data.length);
    expect(result.sha256).toBe(sha);
  });

  it('names the first differing sector and both digests', async () => {
    const bad = Buffer.from(data);
    for (const at of [2048 * 321 + 17, 2048 * 500]) bad.writeUInt8(bad.readUInt8(at) ^ 0xff, at);
    const disc = path.join(work.dir, 'bad.img');
    writeFileSync(disc, bad);
    const err: unknown = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyMismatchError);
    const mismatch = err as VerifyMismatchError;
    expect(mismatch.firstDifferingSector).toBe(321);
    expect(mismatch.imageSha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(mismatch.discSha256).toBe(createHash('sha256').update(bad).digest('hex'));
  });

  it('fails when the disc is shorter than the image', async () => {
    const disc = path.join(work.dir, 'short.img');
    writeFileSync(disc, data.subarray(0, 2048 * 100));
    const err: unknown = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).sector).toBe(100);
  });

  it('refuses an image that no longer matches its stored digest', async () => {
    const disc = path.join(work.dir, 'same.img');
    writeFileSync(disc, readFileSync(image));
    const err = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length, sha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
  });

  it('keeps memory flat on a large image', async () => {
    const big = path.join(work.dir, 'big.iso');
    const disc = path.join(work.dir, 'big.img');
    const size = 512 * 1024 * 1024;
    for (const file of [big, disc]) {
      writeFileSync(file, '');
      truncateSync(file, size);
    }
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const result = await verifyDisc(
        { address: `stdio:${disc}`, read: (length) => createReadStream(disc, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 }) },
        { path: big, sizeBytes: size },
      );
      expect(result.bytes).toBe(size);
    } finally {
      clearInterval(timer);
    }
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  });
});
