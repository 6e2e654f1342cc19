/**
 * A CD image stored as a MAME CHD, and back: a CUE image (BIN/CUE: data,
 * audio, mixed, one or many BIN files), or an ISO that fits a CD. `storeAsChd`
 * makes the CHD with `chdman createcd` (an ISO from a one-track MODE1/2048 CUE
 * sheet written in a temp folder beside it, naming a link to it) and proves
 * it before any file goes: `chdman verify` (raw and overall SHA-1
 * recomputed), the SHA-1s `chdman info` reads equal to the header's, and a
 * round trip, `chdman extractcd`, whose bytes cut again per file hash to each
 * BIN's SHA-256 and together to the image's (an ISO: the one BIN is the ISO).
 * `chdToPlain` extracts the files again by the same proof. The CUE sheet (and
 * a TOC) stay in the library; the record keeps the image's SHA-256, size and
 * tracks. Any failure leaves the image as it was and nothing behind.
 */
import { open, mkdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chdSha1, extractChdBins, runChdman, verifyChdFile } from '@tower/jobs';
import type { ChdmanOptions, StoredBin } from '@tower/jobs';
import { identityText, ImageError, imageFileIdentity, MEDIA_SIZES, readChdHeader, SECTOR_BYTES } from 'node-cdrecord-wrapper';
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

/** The largest CD (frames of 2048 bytes for an ISO): the most a CHD of an ISO may hold. */
const LARGEST_CD = MEDIA_SIZES.filter((m) => m.mediaClass === 'cd').reduce((a, m) => (m.sectors > a.sectors ? m : a));

/** The one-track CUE sheet an ISO is given to `chdman createcd` by: its bytes as MODE1/2048 sectors, through a link named `image.iso`. */
export const ISO_CUE_SHEET = 'FILE "image.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n';

/** Why the plain image `record` cannot be stored as a CHD (a 400), or nothing. */
function refusal(record: ImageRecord): string | undefined {
  if (record.storage !== undefined) return `image ${record.id} is already stored compressed (${record.storage.compression}): decompress it first`;
  if (record.format === 'cue') {
    const bins = record.files.filter((f) => f.role === 'bin');
    return bins.length === 0 || bins.some((b) => /[/\\]/.test(b.path)) ? `image ${record.id} has no BIN files beside its CUE sheet to store as a CHD` : undefined;
  }
  const most = LARGEST_CD.sectors * SECTOR_BYTES;
  if (record.sizeBytes > most) {
    return `image ${record.id} is an ISO of ${record.sizeBytes} bytes (${Math.ceil(record.sizeBytes / SECTOR_BYTES)} sectors), more than a CD holds `
      + `(${LARGEST_CD.label}: ${most} bytes, ${LARGEST_CD.sectors} sectors): CHD stores CD images only; store it compressed with zstd (tower images compress ${record.id})`;
  }
  if (record.sizeBytes % SECTOR_BYTES !== 0) return `image ${record.id} is an ISO of ${record.sizeBytes} bytes, not whole ${SECTOR_BYTES}-byte sectors: a CHD track holds whole sectors; store it compressed with zstd`;
  if (/[/\\]/.test(record.imageFile)) return `image ${record.id}'s ISO ${record.imageFile} is not a plain file of the library folder`;
  return undefined;
}

/** Store the plain CUE image, or CD-sized ISO, `record` of library folder `dir` as a CHD, proven before its files go. */
export async function storeAsChd(dir: string, record: ImageRecord, at: string, options: ChdmanOptions = {}): Promise<StorageChange> {
  const refused400 = refusal(record);
  if (refused400 !== undefined) throw new LibraryRequestError(refused400);
  const iso = record.format === 'iso';
  const bins = iso ? record.files.filter((f) => f.path === record.imageFile) : record.files.filter((f) => f.role === 'bin');
  const file = `${record.id}.chd`;
  const temp = tempPath(dir, '.chd');
  const check = tempPath(dir, '.chd-check');
  // An ISO goes in by a one-track sheet in a folder of its own, naming a link to the ISO (no file name is quoted in the sheet).
  const sheetDir = iso ? tempPath(dir, '.chd-sheet') : undefined;
  const kept = 'the image stays uncompressed';
  try {
    let input = path.join(dir, record.imageFile);
    if (sheetDir !== undefined) {
      await mkdir(sheetDir);
      await symlink(path.resolve(dir, record.imageFile), path.join(sheetDir, 'image.iso'));
      input = path.join(sheetDir, 'image.cue');
      await writeFile(input, ISO_CUE_SHEET, { flag: 'wx' });
    }
    const made = await runChdman(['createcd', '-i', input, '-o', temp], options).catch((err: unknown) => refused(err, kept));
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
      command: ['chdman', 'createcd', '-i', iso ? 'image.cue' : record.imageFile, '-o', file], ...(iso ? { sheet: ISO_CUE_SHEET } : {}), at,
    };
    const stored: ImageFile = { path: file, role: 'stored', bytes: chd.bytes, sha256: chd.sha256 };
    const { fileIdentity: _gone, ...rest } = record;
    const files = iso ? record.files.map((f) => (f.path === record.imageFile ? stored : f)) : [...record.files.filter((f) => f.role !== 'bin'), stored];
    return { record: { ...rest, files, storage, updatedAt: at }, obsolete: bins.map((b) => b.path) };
  } finally {
    await rm(temp, { force: true });
    await rm(check, { recursive: true, force: true });
    if (sheetDir !== undefined) await rm(sheetDir, { recursive: true, force: true });
  }
}

/** Make the CHD-stored image `record` of library folder `dir` plain again: a CUE image's BIN files, or the ISO, proven by SHA-256. */
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
    // An ISO is plain again as zstd's decompress leaves one: with the identity that lets a verify skip hashing it.
    const identity = record.format === 'iso' ? { fileIdentity: identityText(imageFileIdentity(await stat(path.join(dir, record.imageFile), { bigint: true }))) } : {};
    return { record: { ...rest, files, ...identity, updatedAt: at }, obsolete: [storage.file] };
  } catch (err) {
    for (const p of placed) await rm(path.join(dir, p), { force: true });
    throw err;
  } finally {
    await rm(check, { recursive: true, force: true });
  }
}
