/**
 * Verification of a burned CUE/BIN image, track by track (see
 * cue-readback.ts for what each drive kind returns): data tracks byte-exact
 * against the user data of the BIN's frames, audio tracks through
 * `readAudio` with the drive's read offset searched and recorded
 * (audio-track-verify.ts). Stops at the first difference: a CUE disc has no
 * single digest to report for a coaster.
 *
 * The BIN files must still hash to the digest stored when the image entered
 * the library (all BIN files in sheet order); once proven, while their
 * identities stay, they are not hashed again (verified-images.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { verifyAudioTrack } from './audio-track-verify.js';
import { BinFrames, form2Problem } from './cue-bin-frames.js';
import { CueDiscImage } from './cue-disc-image.js';
import type { VerifySegment } from './cue-readback.js';
import { AUDIO_FRAME_BYTES, cueVerifyProblem, isForm2, USER_DATA_BYTES, verifySegments } from './cue-readback.js';
import type { Drive, DriveKind } from './drive-contract.js';
import { CancelledError, ImageError, ReadError, VerifyMismatchError } from './errors.js';
import { ImageReadError } from './image/image-read-error.js';
import type { CueImageInfo } from './image/image-reader.js';
import { readImage } from './image/image-reader.js';
import type { VerifyImage, VerifyOptions, VerifyResult } from './verify-types.js';
import type { ImageFileIdentity } from './verified-images.js';
import { imageFileIdentity, sameIdentity, verifiedImages } from './verified-images.js';

/** What a CUE verify needs of a drive. */
export type CueVerifyDrive = Pick<Drive, 'read' | 'address' | 'kind' | 'readAudio'>;

/** Frames of expected user data prepared at once. */
const BATCH_FRAMES = 256;

/** Read the CUE image for a verify; `ImageError` when it cannot be. */
export async function readCueForVerify(path: string): Promise<CueImageInfo> {
  try {
    const info = await readImage(path, { expectFormat: 'cue' });
    if (info.format !== 'cue') throw new ImageError(`${path} is not a CUE sheet`);
    return info;
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const why = err instanceof ImageReadError || err instanceof Error ? err.message : String(err);
    throw new ImageError(`cannot read image ${path}: ${why}`, { cause: err });
  }
}

/**
 * Compare a disc with the CUE image `image.path`. Resolves with the image's
 * digest as the disc's (they are equal where compared) and, when the image
 * has sound, `audioReadOffsetSamples`; rejects like `verifyDisc`, and with
 * `ImageError` when the drive cannot read back what the image holds (a run
 * refuses such a verify when it is created).
 */
export async function verifyCueDisc(drive: CueVerifyDrive, image: VerifyImage, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const info = await readCueForVerify(image.path);
  if (info.sizeBytes < image.sizeBytes) {
    throw new ImageError(`the BIN files of ${image.path} hold ${info.sizeBytes} bytes, expected ${image.sizeBytes}`);
  }
  const problem = cueVerifyProblem(info.tracks, drive.kind);
  if (problem !== null) throw new ImageError(`${drive.address}: cannot verify ${image.path}: ${problem}`, { device: drive.address });
  const identities = await binIdentities(info);
  const stored = image.sha256?.toLowerCase();
  const known = options.verifiedImages === undefined ? verifiedImages : options.verifiedImages;
  const trusted = stored !== undefined && known !== null && info.bins.every((b, i) => known.has(b.path, identities[i] as ImageFileIdentity, stored));

  const segments = verifySegments(info, drive.kind);
  const total = segments.reduce((sum, s) => sum + s.frames * (s.readBack.kind === 'audio' ? AUDIO_FRAME_BYTES : USER_DATA_BYTES), 0);
  let done = 0;
  const tick = (n: number): void => {
    done += n;
    const seconds = (Date.now() - started) / 1000;
    options.onProgress?.({ bytesRead: done, bytesTotal: total, speedMBps: seconds > 0 ? done / 1e6 / seconds : 0 });
  };
  const disc = new CueDiscImage(info);
  const bins = new BinFrames(info);
  let offset: number | null = null;
  try {
    for (const seg of segments) {
      if (options.signal?.aborted) throw new CancelledError('verify cancelled', { device: drive.address });
      if (seg.readBack.kind === 'audio') {
        const readAudio = drive.readAudio?.bind(drive);
        if (readAudio === undefined) throw new ImageError(`${drive.address}: cannot verify ${image.path}: the drive reads no audio back`, { device: drive.address });
        const stream = readAudio(seg.discFrame, seg.frames, options.signal === undefined ? {} : { signal: options.signal });
        try {
          const counted = countBytes(stream as AsyncIterable<Buffer>, tick);
          const r = await verifyAudioTrack(counted.chunks, disc, seg, offset);
          offset = r.offsetSamples ?? offset;
          // Named by the disc's frame that differs, not where the read offset moved it in the read-back.
          const discByte = r.mismatchAt + (r.offsetSamples ?? 0) * 4;
          if (r.mismatchAt >= 0) throw mismatch(drive, seg, Math.floor(discByte / AUDIO_FRAME_BYTES), discByte, 'audio', stored);
          if (counted.bytes() !== seg.frames * AUDIO_FRAME_BYTES) throw ended(drive, seg, counted.bytes(), AUDIO_FRAME_BYTES);
        } finally {
          stream.destroy();
        }
      } else {
        await verifyDataSegment(drive, seg, bins, image.path, options, tick, stored);
      }
    }
  } finally {
    await Promise.all([disc.close(), bins.close()]);
  }
  if (options.signal?.aborted) throw new CancelledError('verify cancelled', { device: drive.address });

  const sha256 = trusted ? (stored ?? '') : await hashBins(info);
  if (stored !== undefined && sha256 !== stored) {
    throw new ImageError(`image ${image.path} no longer matches its stored SHA-256 (${image.sha256}); a BIN file changed on disk`);
  }
  const after = await binIdentities(info);
  if (after.some((id, i) => !sameIdentity(id, identities[i] as ImageFileIdentity))) {
    for (const b of info.bins) known?.forget(b.path);
    throw new ImageError(`image ${image.path} changed on disk while the disc was verified`);
  }
  if (stored !== undefined && !trusted) info.bins.forEach((b, i) => known?.remember(b.path, identities[i] as ImageFileIdentity, stored));
  const durationMs = Date.now() - started;
  return {
    bytes: done,
    sha256,
    durationMs,
    speedMBps: durationMs > 0 ? done / 1e6 / (durationMs / 1000) : 0,
    ...(offset === null ? {} : { audioReadOffsetSamples: offset }),
  };
}

/** One data track: the disc's user data against the user data of the BIN's frames. */
async function verifyDataSegment(
  drive: CueVerifyDrive, seg: VerifySegment, bins: BinFrames, path: string, options: VerifyOptions, tick: (n: number) => void, stored: string | undefined,
): Promise<void> {
  const rb = seg.readBack;
  if (rb.kind !== 'data') return;
  let expected: Buffer = Buffer.alloc(0);
  let nextFrame = 0;
  const need = async (n: number): Promise<Buffer> => {
    while (expected.length < n && nextFrame < seg.frames) {
      const count = Math.min(BATCH_FRAMES, seg.frames - nextFrame);
      const raw = await bins.read(seg.binFrame + nextFrame, count);
      const size = raw.length / count;
      const user = Buffer.allocUnsafe(count * USER_DATA_BYTES);
      for (let k = 0; k < count; k++) {
        const frame = raw.subarray(k * size, (k + 1) * size);
        if (rb.subheaderAt !== undefined && isForm2(frame, rb.subheaderAt)) {
          throw new ImageError(`${drive.address}: cannot verify ${path}: track ${seg.track} holds a Mode 2 Form 2 sector at LBA ${seg.discFrame + nextFrame + k}, which no data read returns`, { device: drive.address });
        }
        frame.copy(user, k * USER_DATA_BYTES, rb.userOffset, rb.userOffset + USER_DATA_BYTES);
      }
      expected = expected.length === 0 ? user : Buffer.concat([expected, user]);
      nextFrame += count;
    }
    return expected;
  };
  const length = seg.frames * USER_DATA_BYTES;
  const readOptions = { offset: seg.discFrame * USER_DATA_BYTES, transientChunks: true, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  const stream = drive.read(length, readOptions);
  let pos = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new CancelledError('verify cancelled', { device: drive.address });
      const exp = await need(chunk.length);
      if (chunk.compare(exp, 0, chunk.length, 0, chunk.length) !== 0) {
        let d = 0;
        while (chunk[d] === exp[d]) d++;
        throw mismatch(drive, seg, Math.floor((pos + d) / USER_DATA_BYTES), pos + d, 'data', stored);
      }
      expected = expected.subarray(chunk.length);
      pos += chunk.length;
      tick(chunk.length);
    }
  } finally {
    stream.destroy();
  }
  if (pos !== length) throw ended(drive, seg, pos, USER_DATA_BYTES);
}

function mismatch(drive: CueVerifyDrive, seg: VerifySegment, frameInTrack: number, byte: number, kind: string, stored: string | undefined): VerifyMismatchError {
  const sector = seg.discFrame + frameInTrack;
  return new VerifyMismatchError(
    `disc differs from image in ${kind} track ${seg.track} at sector ${sector} (byte ${byte} of the track)`,
    sector, stored ?? '', '', { device: drive.address },
  );
}

function ended(drive: CueVerifyDrive, seg: VerifySegment, bytes: number, frameBytes: number): ReadError {
  return new ReadError(`track ${seg.track} ended at byte ${bytes} of ${seg.frames * frameBytes}`, seg.discFrame + Math.floor(bytes / frameBytes), { device: drive.address });
}

/** The chunks of a stream, counting their bytes as they pass. */
function countBytes(stream: AsyncIterable<Buffer>, tick: (n: number) => void): { chunks: AsyncIterable<Buffer>; bytes: () => number } {
  let bytes = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      bytes += chunk.length;
      tick(chunk.length);
      yield chunk;
    }
  }
  return { chunks: chunks(), bytes: () => bytes };
}

async function binIdentities(info: CueImageInfo): Promise<ImageFileIdentity[]> {
  return Promise.all(info.bins.map(async (b) => imageFileIdentity(await stat(b.path, { bigint: true }).catch((err: unknown) => {
    throw new ImageError(`cannot open ${b.path}: ${(err as Error).message}`, { cause: err });
  }))));
}

/** SHA-256 of all BIN files in sheet order (the library's digest of a CUE image). */
async function hashBins(info: CueImageInfo): Promise<string> {
  const hash = createHash('sha256');
  for (const b of info.bins) {
    try {
      for await (const piece of createReadStream(b.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(piece);
    } catch (err) {
      throw new ImageError(`cannot read ${b.path}: ${(err as Error).message}`, { cause: err });
    }
  }
  return hash.digest('hex');
}

/**
 * Why the CUE image at `cuePath` cannot be verified on a drive of `kind`,
 * or null when it can: a track mode no drive reads back, audio on a drive
 * that reads no audio, Mode 2 Form 2 sectors (read from the BIN files). A
 * run asks this when it is created, and a drive before it burns a copy
 * that is to be verified. `ImageError` when the image cannot be read.
 */
export async function cueVerifyRefusal(cuePath: string, kind: DriveKind): Promise<string | null> {
  const info = await readCueForVerify(cuePath);
  return cueVerifyProblem(info.tracks, kind) ?? (await form2Problem(info, kind));
}
