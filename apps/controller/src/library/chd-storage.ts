/**
 * A CUE image (BIN/CUE: data, audio, mixed, one or many BIN files) stored as
 * a MAME CHD, and back. `storeAsChd` makes the CHD with `chdman createcd` and
 * proves it before any BIN goes: `chdman verify` (raw and overall SHA-1
 * recomputed), the SHA-1s `chdman info` reads equal to the header's, and a
 * round trip, `chdman extractcd`, whose BIN bytes cut again per file hash to
 * each BIN's SHA-256 and together to the image's. `chdToPlain` extracts the
 * BINs again by the same proof. The CUE sheet (and a TOC) stay in the
 * library; the record keeps the image's SHA-256, size and tracks. Any failure
 * leaves the image as it was and nothing behind.
 */
import { open, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { chdSha1, extractChdBins, runChdman, verifyChdFile } from '@tower/jobs';
import type { ChdmanOptions, StoredBin } from '@tower/jobs';
import { ImageError, readChdHeader } from 'node-cdrecord-wrapper';
import { syncDir, tempPath } from './atomic-file.js';
import { ImageConversionError, LibraryRequestError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { ChdStorage, ImageFile, ImageRecord } from './image-record.js';

/** A change of an image's files: the record to write, and the files to remove once it is written. */
export interface StorageChange {
  readonly record: ImageRecord;
  readonly obsolete: readonly string[];
}

/** The BIN files of `bins` as the staging and the round trip name them. */
export function storedBins(bins: readonly ImageFile[]): StoredBin[] {
  return bins.map((b) => ({ name: b.path, bytes: b.bytes, sha256: b.sha256 }));
}

/** A chdman failure as the library's conversion error (422), saying what is kept. */
function refused(err: unknown, kept: string): never {
  if (err instanceof ImageError) throw new ImageConversionError(`${err.message}; ${kept}`, { cause: err });
  throw err;
}

/** The SHA-1s of the CHD's header, which `chdman info` must read as they are. */
async function headerSha1(file: string): Promise<{ sha1: string; rawSha1: string }> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(124);
    await handle.read(head, 0, head.length, 0);
    return readChdHeader(head, (await handle.stat()).size);
  } finally {
    await handle.close();
  }
}

/** Store the plain CUE image `record` of library folder `dir` as a CHD, proven before its BIN files go. */
export async function storeAsChd(dir: string, record: ImageRecord, at: string, options: ChdmanOptions = {}): Promise<StorageChange> {
  if (record.storage !== undefined) throw new LibraryRequestError(`image ${record.id} is already stored compressed (${record.storage.compression}): decompress it first`);
  if (record.format !== 'cue') {
    throw new LibraryRequestError(`image ${record.id} is an ISO image: CHD stores CD images (BIN/CUE) only; store an ISO compressed with zstd (tower images compress ${record.id})`);
  }
  const bins = record.files.filter((f) => f.role === 'bin');
  if (bins.length === 0 || bins.some((b) => b.path.includes('/') || b.path.includes('\\'))) throw new LibraryRequestError(`image ${record.id} has no BIN files beside its CUE sheet to store as a CHD`);
  const file = `${record.id}.chd`;
  const temp = tempPath(dir, '.chd');
  const check = tempPath(dir, '.chd-check');
  const kept = 'the image stays uncompressed';
  try {
    const create = ['createcd', '-i', path.join(dir, record.imageFile), '-o', temp];
    const made = await runChdman(create, options).catch((err: unknown) => refused(err, kept));
    if (made.exitCode !== 0) {
      throw new ImageConversionError(`chdman createcd failed (exit ${made.exitCode ?? made.signal}): ${made.stderr.split(/\r|\n/).filter((l) => /error/i.test(l)).slice(-1)[0]?.trim() ?? 'no message'}; ${kept}`);
    }
    const sums = await verifyChdFile(temp, options).then(() => chdSha1(temp, options)).catch((err: unknown) => refused(err, kept));
    const header = await headerSha1(temp);
    if (header.sha1 !== sums.sha1 || header.rawSha1 !== sums.dataSha1) {
      throw new ImageConversionError(`chdman info reads SHA-1 ${sums.sha1} / data ${sums.dataSha1}, the CHD's header ${header.sha1} / ${header.rawSha1}; ${kept}`);
    }
    await mkdir(check);
    await extractChdBins(temp, check, storedBins(bins), record, options).catch((err: unknown) => refused(err, kept));
    const chd = await hashFile(temp);
    await rename(temp, path.join(dir, file));
    await syncDir(dir);
    const storage: ChdStorage = {
      compression: 'chd', file, bytes: chd.bytes, sha1: sums.sha1, dataSha1: sums.dataSha1, bins,
      command: ['chdman', 'createcd', '-i', record.imageFile, '-o', file], at,
    };
    const stored: ImageFile = { path: file, role: 'stored', bytes: chd.bytes, sha256: chd.sha256 };
    const { fileIdentity: _gone, ...rest } = record;
    return { record: { ...rest, files: [...record.files.filter((f) => f.role !== 'bin'), stored], storage, updatedAt: at }, obsolete: bins.map((b) => b.path) };
  } finally {
    await rm(temp, { force: true });
    await rm(check, { recursive: true, force: true });
  }
}

/** Make the CHD-stored image `record` of library folder `dir` a plain CUE image again (its BIN files proven by SHA-256). */
export async function chdToPlain(dir: string, record: ImageRecord, at: string, options: ChdmanOptions = {}): Promise<StorageChange> {
  const storage = record.storage;
  if (storage?.compression !== 'chd') throw new LibraryRequestError(`image ${record.id} is not stored as a CHD`);
  const check = tempPath(dir, '.chd-check');
  const placed: string[] = [];
  try {
    await mkdir(check);
    await extractChdBins(path.join(dir, storage.file), check, storedBins(storage.bins), record, options).catch((err: unknown) => refused(err, 'the image stays stored as a CHD'));
    for (const b of storage.bins) {
      await rename(path.join(check, b.path), path.join(dir, b.path));
      placed.push(b.path);
    }
    await syncDir(dir);
    const { storage: _gone, ...rest } = record;
    const files = record.files.flatMap((f) => (f.path === storage.file ? storage.bins : [f]));
    return { record: { ...rest, files, updatedAt: at }, obsolete: [storage.file] };
  } catch (err) {
    for (const p of placed) await rm(path.join(dir, p), { force: true });
    throw err;
  } finally {
    await rm(check, { recursive: true, force: true });
  }
}
