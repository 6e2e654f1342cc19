/**
 * An image stored compressed, and back: `compressStored` turns a plain ISO
 * into independent zstd frames, `decompressStored` makes it a plain ISO
 * again. Each proves its result before anything is removed: the compressed
 * file is decompressed by `zstd -d` (every frame's XXH64 checked) and its
 * SHA-256 must be the image's; a decompressed ISO must hash to it too. The
 * record keeps the image's SHA-256 and size; only `files` and `storage` change.
 *
 * Why frames: Debian's zstd has no writer of the seekable format, so the
 * image is cut into fixed-size pieces, each compressed by `zstd --check` as a
 * frame of its own and appended: `zstd -d` reads them as one stream, and
 * byte `n` of the image is in frame `floor(n / frameBytes)`, which a reader
 * reaches by walking frame headers without decompressing what comes before.
 * CUE images are not stored with zstd: a CD image is stored as a CHD (chd-storage.ts).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { decompressImage, identityText, imageFileIdentity } from 'node-cdrecord-wrapper';
import { syncDir, tempPath } from './atomic-file.js';
import { ImageConversionError, LibraryRequestError } from './errors.js';
import { copyAndHash } from './hashing-copy.js';
import type { ImageFile, ImageRecord, ImageStorage } from './image-record.js';
import { chdToPlain } from './chd-storage.js';
import type { StorageChange } from './chd-storage.js';

export type { StorageChange } from './chd-storage.js';

/** Default bytes of image per zstd frame. */
export const DEFAULT_FRAME_BYTES = 64 * 1024 * 1024;

/** The zstd command each frame is made with (the frame's bytes on stdin, the frame on stdout). */
export const ZSTD_FRAME_COMMAND: readonly string[] = ['zstd', '-q', '-c', '-3', '--check'];

/** Compress `length` bytes of `file` from `start` as one zstd frame appended to the open file `out`. */
function compressFrame(file: string, start: number, length: number, out: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const [program = 'zstd', ...args] = ZSTD_FRAME_COMMAND;
    const child = spawn(program, args, { stdio: ['pipe', out, 'pipe'] });
    let said = '';
    child.stderr?.on('data', (d: Buffer) => { said = (said + d.toString()).slice(-400); });
    child.on('error', (err) => reject(new ImageConversionError(`zstd could not be run: ${err.message}`, { cause: err })));
    child.on('close', (code, signal) => code === 0 ? resolve() : reject(new ImageConversionError(`zstd failed (exit ${code ?? signal}): ${said.trim() || 'no message'}`)));
    const input = createReadStream(file, { start, end: start + length - 1, highWaterMark: 1 << 20 });
    input.on('error', (err) => { child.kill(); reject(err); });
    // zstd gone early (its failure is reported by 'close'): the pipe's EPIPE is not the error.
    child.stdin?.on('error', () => undefined);
    if (child.stdin) input.pipe(child.stdin);
  });
}

/** Decompress the zstd file `source` into the new file `dest`, hashing it; rejects when a frame's checksum fails. */
async function unzstd(source: string, dest: string): Promise<{ sha256: string; bytes: number; sourceSha256: string; sourceBytes: number }> {
  const done = await decompressImage(source, { compression: 'zstd', checksum: 'XXH64' }, (output) => copyAndHash(output, dest));
  return { ...done.output, sourceSha256: done.sourceSha256, sourceBytes: done.sourceBytes };
}

/** Store the plain ISO image `record` of library folder `dir` as zstd frames of `frameBytes`. */
export async function compressStored(dir: string, record: ImageRecord, at: string, frameBytes = DEFAULT_FRAME_BYTES): Promise<StorageChange> {
  if (record.storage !== undefined) throw new LibraryRequestError(`image ${record.id} is already stored compressed (${record.storage.compression})`);
  if (record.format !== 'iso') throw new LibraryRequestError(`image ${record.id} is a CUE image: only ISO images are stored compressed with zstd; a CD image is stored as a CHD (--as chd)`);
  const plain = path.join(dir, record.imageFile);
  const file = `${record.imageFile}.zst`;
  const temp = tempPath(dir, '.zst');
  const check = tempPath(dir, '.iso');
  try {
    const out = await open(temp, 'wx');
    try {
      for (let start = 0; start < record.sizeBytes; start += frameBytes) {
        await compressFrame(plain, start, Math.min(frameBytes, record.sizeBytes - start), out.fd);
      }
      await out.sync();
    } finally {
      await out.close();
    }
    const back = await unzstd(temp, check).catch((err: unknown) => {
      throw new ImageConversionError(`the compressed image does not decompress: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    if (back.sha256 !== record.sha256 || back.bytes !== record.sizeBytes) {
      throw new ImageConversionError(`the compressed image decompresses to SHA-256 ${back.sha256} (${back.bytes} bytes), not the image's ${record.sha256}: the plain image is kept`);
    }
    await rename(temp, path.join(dir, file));
    await syncDir(dir);
    const storage: ImageStorage = { compression: 'zstd', file, bytes: back.sourceBytes, frameBytes, command: ZSTD_FRAME_COMMAND, at };
    const stored: ImageFile = { path: file, role: 'stored', bytes: back.sourceBytes, sha256: back.sourceSha256 };
    const { fileIdentity: _gone, ...rest } = record;
    return { record: { ...rest, files: record.files.map((f) => (f.path === record.imageFile ? stored : f)), storage, updatedAt: at }, obsolete: [record.imageFile] };
  } finally {
    await rm(temp, { force: true });
    await rm(check, { force: true });
  }
}

/** Make the stored image `record` of library folder `dir` a plain ISO again. */
export async function decompressStored(dir: string, record: ImageRecord, at: string): Promise<StorageChange> {
  const storage = record.storage;
  if (storage === undefined) throw new LibraryRequestError(`image ${record.id} is stored plain already`);
  if (storage.compression === 'chd') return chdToPlain(dir, record, at);
  const temp = tempPath(dir, '.iso');
  try {
    const back = await unzstd(path.join(dir, storage.file), temp).catch((err: unknown) => {
      throw new ImageConversionError(`the stored image ${storage.file} does not decompress: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    if (back.sha256 !== record.sha256 || back.bytes !== record.sizeBytes) {
      throw new ImageConversionError(`the stored image ${storage.file} decompresses to SHA-256 ${back.sha256} (${back.bytes} bytes), not the image's ${record.sha256}`);
    }
    const dest = path.join(dir, record.imageFile);
    await rename(temp, dest);
    await syncDir(dir);
    const identity = identityText(imageFileIdentity(await stat(dest, { bigint: true })));
    const iso: ImageFile = { path: record.imageFile, role: 'iso', bytes: back.bytes, sha256: back.sha256 };
    const { storage: _gone, ...rest } = record;
    return { record: { ...rest, files: record.files.map((f) => (f.path === storage.file ? iso : f)), fileIdentity: identity, updatedAt: at }, obsolete: [storage.file] };
  } finally {
    await rm(temp, { force: true });
  }
}
