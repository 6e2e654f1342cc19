/**
 * Verification: read back exactly the image's length from a disc and compare
 * it with the image byte for byte, in lockstep.
 *
 * Exactly the image's length, never the whole disc or file: a target can be
 * longer than the image (a reused pseudo-drive file keeps its old tail, a DVD's
 * readable size is not the image size, xorriso pads), so anything past the
 * image is not part of the copy.
 *
 * Hashing: without a stored digest both sides are hashed. With one, the
 * read-back is hashed until the image file has once been proven to match it
 * (see verified-images.ts); after that a byte-equal disc carries the stored
 * digest and nothing is hashed, which is what keeps a verify as cheap as
 * `cmp`. A differing disc is still given its full digest.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ImageWindow } from './image-window.js';
import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Drive } from './drive-contract.js';
import { CancelledError, ImageError, ReadError, VerifyMismatchError } from './errors.js';
import { SECTOR_BYTES } from './media.js';
import { identityText, imageFileIdentity, sameIdentity, verifiedImages } from './verified-images.js';
import { verifyCueDisc } from './verify-cue.js';

export type { VerifyImage, VerifyOptions, VerifyProgress, VerifyResult } from './verify-types.js';
import type { VerifyImage, VerifyOptions, VerifyResult } from './verify-types.js';

function firstDifference(a: Buffer, b: Buffer, length: number): number {
  if (a.compare(b, 0, length, 0, length) === 0) return -1;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Compare a disc with its image. Resolves when they are identical over the
 * image's length; rejects with `VerifyMismatchError` (first differing sector,
 * both digests), `ReadError`/`NoMediaError`/`DriveGoneError` from the drive,
 * `ImageError` when the image is missing, shorter than said, or no longer
 * matches its stored digest, and `CancelledError` on abort.
 * Memory stays flat: a few 1 MiB chunks on each side.
 */
export async function verifyDisc(
  drive: Pick<Drive, 'read' | 'address'> & Partial<Pick<Drive, 'kind' | 'readAudio'>>,
  image: VerifyImage,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  if (image.format === 'cue') {
    const readAudio = drive.readAudio?.bind(drive);
    return verifyCueDisc({ address: drive.address, kind: drive.kind ?? 'optical', read: drive.read.bind(drive), ...(readAudio === undefined ? {} : { readAudio }) }, image, options);
  }
  const started = Date.now();
  const statImage = (): Promise<BigIntStats> => stat(image.path, { bigint: true }).catch((err: unknown) => {
    throw new ImageError(`cannot open image ${image.path}: ${(err as Error).message}`, { cause: err });
  });
  const info = await statImage();
  if (info.size < BigInt(image.sizeBytes)) {
    throw new ImageError(`image ${image.path} is ${info.size} bytes, expected ${image.sizeBytes}`);
  }
  const identity = imageFileIdentity(info);
  const known = options.verifiedImages === undefined ? verifiedImages : options.verifiedImages;
  // With a stored digest the image is never hashed again (DESIGN: computed
  // once): equal bytes plus a disc digest equal to the stored one prove both.
  // Once the file is proven (its identity as recorded, or a read-back that
  // hashed to the digest), the read-back need not be hashed either.
  const stored = image.sha256?.toLowerCase();
  const trusted = stored !== undefined
    && ((image.identity !== undefined && image.identity === identityText(identity)) || (known !== null && known.has(image.path, identity, stored)));
  const imageHash = stored === undefined ? createHash('sha256') : null;
  let discHash: Hash | null = trusted ? null : createHash('sha256');
  // Both sides read ahead on their own (the image from the file system, the
  // disc from the drive) and are compared in lockstep, each chunk done with
  // before the one after next is read, so both sides reuse their buffers.
  const imageWindow = new ImageWindow(image.path, image.sizeBytes);
  let offset = 0;
  let firstMismatch = -1;
  const stream = drive.read(image.sizeBytes, options.signal === undefined ? { transientChunks: true } : { signal: options.signal, transientChunks: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new CancelledError('verify cancelled', { device: drive.address });
      const expected = await imageWindow.take(offset, chunk.length);
      imageHash?.update(expected);
      if (firstMismatch < 0) {
        const at = firstDifference(chunk, expected, chunk.length);
        if (at >= 0) {
          firstMismatch = offset + at;
          if (options.stopAtFirstMismatch) break;
          // Everything before this chunk equalled the image: its digest starts with the image's first bytes.
          discHash ??= await hashFilePrefix(image.path, offset);
        }
      }
      discHash?.update(chunk);
      offset += chunk.length;
      const seconds = (Date.now() - started) / 1000;
      options.onProgress?.({
        bytesRead: offset,
        bytesTotal: image.sizeBytes,
        speedMBps: seconds > 0 ? offset / 1e6 / seconds : 0,
      });
    }
  } finally {
    stream.destroy();
    await imageWindow.close();
  }
  if (options.signal?.aborted) throw new CancelledError('verify cancelled', { device: drive.address });
  if (firstMismatch < 0 && offset !== image.sizeBytes) {
    throw new ReadError(`disc ended at byte ${offset} of ${image.sizeBytes}`, Math.floor(offset / SECTOR_BYTES), {
      device: drive.address,
    });
  }
  const imageSha = imageHash ? imageHash.digest('hex') : (stored ?? '');
  if (firstMismatch >= 0) {
    const sector = Math.floor(firstMismatch / SECTOR_BYTES);
    const complete = !options.stopAtFirstMismatch;
    throw new VerifyMismatchError(
      `disc differs from image at sector ${sector} (byte ${firstMismatch})`,
      sector,
      complete ? imageSha : '',
      complete && discHash !== null ? discHash.digest('hex') : '',
      { device: drive.address },
    );
  }
  const discSha = discHash === null ? (stored ?? '') : discHash.digest('hex');
  if (stored !== undefined && stored !== discSha) {
    throw new ImageError(`image ${image.path} no longer matches its stored SHA-256 (${image.sha256}); it changed on disk`);
  }
  // The file must not have changed under the compare; only then is it (still) proven.
  if (!sameIdentity(identity, imageFileIdentity(await statImage()))) {
    known?.forget(image.path);
    throw new ImageError(`image ${image.path} changed on disk while the disc was verified`);
  }
  if (stored !== undefined && !trusted) known?.remember(image.path, identity, stored);
  const durationMs = Date.now() - started;
  return {
    bytes: offset,
    sha256: discSha,
    durationMs,
    speedMBps: durationMs > 0 ? offset / 1e6 / (durationMs / 1000) : 0,
  };
}

/** A SHA-256 fed with the first `bytes` bytes of a file. */
async function hashFilePrefix(path: string, bytes: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  try {
    for await (const piece of createReadStream(path, { start: 0, end: bytes - 1, highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
  } catch (err) {
    throw new ImageError(`cannot read image ${path}: ${(err as Error).message}`, { cause: err });
  }
  return hash;
}
