import { createReadStream, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageError, ReadError, VerifyMismatchError } from '../src/errors.js';
import { verifyDisc } from '../src/verify.js';
import { identityText, imageFileIdentity, VerifiedImages } from '../src/verified-images.js';
import type { ImageFileIdentity } from '../src/verified-images.js';
import { stat } from 'node:fs/promises';
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

/** File times come from a coarse kernel clock (a few ms): two writes must not fall in one tick. */
const coarseClockTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('verifyDisc with a set of proven images', () => {
  let work: ReturnType<typeof makeTempDir>;
  let image: string;
  let data: Buffer;
  let sha: string;
  beforeAll(() => {
    work = makeTempDir('verify-proven-');
    data = Buffer.alloc(2048 * 300);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13 + (i >> 9)) & 0xff;
    image = path.join(work.dir, 'image.iso');
    writeFileSync(image, data);
    sha = createHash('sha256').update(data).digest('hex');
  });
  afterAll(() => work.cleanup());

  const identity = async (file: string): Promise<ImageFileIdentity> => imageFileIdentity(await stat(file, { bigint: true }));

  it('remembers an image once a read-back hashed to its stored digest', async () => {
    const known = new VerifiedImages();
    const disc = path.join(work.dir, 'good.img');
    writeFileSync(disc, data);
    expect(known.has(image, await identity(image), sha)).toBe(false);
    const result = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length, sha256: sha }, { verifiedImages: known });
    expect(result.sha256).toBe(sha);
    expect(known.has(image, await identity(image), sha)).toBe(true);
  });

  it('does not hash the read-back of a proven image: the disc carries the stored digest', async () => {
    const known = new VerifiedImages();
    const disc = path.join(work.dir, 'good2.img');
    writeFileSync(disc, data);
    // A digest no hash of these bytes gives: it comes back only if nothing was hashed.
    const claimed = 'ab'.repeat(32);
    known.remember(image, await identity(image), claimed);
    const result = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length, sha256: claimed }, { verifiedImages: known });
    expect(result.sha256).toBe(claimed);
    // Without the set, the same call hashes and finds the claim false.
    const err = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length, sha256: claimed }, { verifiedImages: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
  });

  it('hashes again after the image file was rewritten, and refuses it when it no longer matches', async () => {
    const known = new VerifiedImages();
    const own = path.join(work.dir, 'edited.iso');
    writeFileSync(own, data);
    const disc = path.join(work.dir, 'edited-disc.img');
    writeFileSync(disc, data);
    await verifyDisc(fileDisc(disc), { path: own, sizeBytes: data.length, sha256: sha }, { verifiedImages: known });
    expect(known.size).toBe(1);
    // Same size, new contents (and a disc burned from them): only the stored digest can tell.
    const edited = Buffer.from(data);
    edited[4096] = (edited[4096] ?? 0) ^ 0x55;
    await coarseClockTick();
    writeFileSync(own, edited);
    writeFileSync(disc, edited);
    const err = await verifyDisc(fileDisc(disc), { path: own, sizeBytes: data.length, sha256: sha }, { verifiedImages: known }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(known.has(own, await identity(own), sha)).toBe(false);
  });

  it('still gives a differing disc its full digest when the image is proven', async () => {
    const known = new VerifiedImages();
    known.remember(image, await identity(image), sha);
    const bad = Buffer.from(data);
    bad[2048 * 200 + 5] = (bad[2048 * 200 + 5] ?? 0) ^ 0xff;
    const disc = path.join(work.dir, 'bad-proven.img');
    writeFileSync(disc, bad);
    const err = await verifyDisc(fileDisc(disc), { path: image, sizeBytes: data.length, sha256: sha }, { verifiedImages: known }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyMismatchError);
    const mismatch = err as VerifyMismatchError;
    expect(mismatch.firstDifferingSector).toBe(200);
    expect(mismatch.imageSha256).toBe(sha);
    expect(mismatch.discSha256).toBe(createHash('sha256').update(bad).digest('hex'));
  });

  it('trusts a digest given with the file identity it was computed for, and only while the file keeps it', async () => {
    const own = path.join(work.dir, 'identified.iso');
    writeFileSync(own, data);
    const disc = path.join(work.dir, 'identified-disc.img');
    writeFileSync(disc, data);
    const claimed = 'cd'.repeat(32);
    const known = identityText(await identity(own));
    const result = await verifyDisc(fileDisc(disc), { path: own, sizeBytes: data.length, sha256: claimed, identity: known }, { verifiedImages: null });
    expect(result.sha256).toBe(claimed);
    // Rewritten with the same bytes: a new identity, so it is hashed (and the false claim found out).
    await coarseClockTick();
    writeFileSync(own, data);
    const err = await verifyDisc(fileDisc(disc), { path: own, sizeBytes: data.length, sha256: claimed, identity: known }, { verifiedImages: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
  });

  it('forgets the least recently used image beyond its bound', async () => {
    const known = new VerifiedImages(2);
    const id = await identity(image);
    known.remember('/a', id, sha);
    known.remember('/b', id, sha);
    expect(known.has('/a', id, sha)).toBe(true);
    known.remember('/c', id, sha);
    expect(known.has('/b', id, sha)).toBe(false);
    expect(known.has('/a', id, sha)).toBe(true);
    expect(known.has('/c', id, sha)).toBe(true);
  });
});
