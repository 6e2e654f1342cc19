/**
 * A plain (uncompressed) library image copied once into the staging cache,
 * for a library on a slow volume (`"agent": { "staging": { "plainImages":
 * "stage" } }`): the drives then burn and verify from the local copy. The
 * copy is hashed as it is written and compared with the image's SHA-256 and
 * size from the library before it is renamed into place, so a library file
 * changed since its import is refused (`ImageError`: the copy fails as an
 * image problem, never a drive fault) and nothing is left behind.
 *
 * An ISO goes through tools, not Node, as a zstd-stored one does:
 * `tee -- <part> < <iso> | openssl dgst -sha256 -r` (the bytes never enter
 * JavaScript); without `tee` or `openssl` Node hashes them as it copies.
 * A CUE image becomes a folder: its BIN files copied by Node (one SHA-256 over
 * all of them in sheet order, the library's digest of a CUE image: no tool
 * prints that), the sheet rewritten to name them, its cdrdao TOC beside them.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { identityText, ImageError, imageFileIdentity, readImage, rewriteCueSheet, ToolMissingError } from 'node-cdrecord-wrapper';
import type { RunImage } from '../run-image.js';
import { digestOfPipeline, hashingTransform, lastLines, teeAndHash } from './hashed-copy.js';
import type { StagingTools } from './hashed-copy.js';
import type { StagedFile } from './stage-stored-image.js';

/** How a plain image is staged. */
export interface StagePlainOptions {
  readonly signal?: AbortSignal;
  /** Default `tee` and `openssl`; a program that is not installed makes Node hash the bytes instead. */
  readonly tools?: StagingTools;
}

/** A plain CUE image staged: its folder, CUE sheet and TOC. */
export interface StagedPlainCd {
  readonly dir: string;
  readonly cuePath: string;
  readonly tocPath?: string;
}

function refusal(source: string, image: RunImage, bytes: number, sha256: string | null): ImageError {
  const what = sha256 === null ? `${bytes} bytes` : `${bytes} bytes with SHA-256 ${sha256}`;
  return new ImageError(`the library image ${source} holds ${what}, not the image's ${image.sizeBytes} bytes with SHA-256 ${image.sha256} (changed since it was imported?): refused`);
}

/** tee < source | openssl: the SHA-256 of the bytes copied into `part`. */
function copyByTools(source: string, part: string, options: StagePlainOptions): Promise<string> {
  return digestOfPipeline(teeAndHash(part, options.tools), { input: source, ...(options.signal === undefined ? {} : { signal: options.signal }) }, (failed, how) =>
    new ImageError(`the library image ${source} could not be staged: ${failed.program} ${how} (${lastLines(failed)})`));
}

/** Copy `source` to the new file `dest`, feeding `hash` with every byte. */
async function copyHashing(source: string, dest: string, hash: Hash, signal: AbortSignal | undefined): Promise<void> {
  const hashing = hashingTransform(hash);
  const from = createReadStream(source, { highWaterMark: 1 << 20 });
  const to = createWriteStream(dest, { flags: 'wx', highWaterMark: 1 << 20 });
  await (signal === undefined ? pipeline(from, hashing, to) : pipeline(from, hashing, to, { signal }));
}

/** Copy the plain ISO `image` into `dest`, proving its size and SHA-256. Written to `dest.part`, renamed once proven. */
export async function stagePlainIso(image: RunImage, dest: string, options: StagePlainOptions = {}): Promise<StagedFile> {
  const part = `${dest}.part`;
  const source = image.path;
  try {
    await rm(part, { force: true });
    // A file of the wrong size is refused before a byte is copied; so is anything but a file (a FIFO would block the open).
    const found = await stat(source);
    if (!found.isFile()) throw new ImageError(`the library image ${source} is not a regular file: refused`);
    if (found.size !== image.sizeBytes) throw refusal(source, image, found.size, null);
    let sha256: string;
    try {
      sha256 = await copyByTools(source, part, options);
    } catch (err) {
      if (!(err instanceof ToolMissingError)) throw err;
      await rm(part, { force: true });
      const hash = createHash('sha256');
      await copyHashing(source, part, hash, options.signal);
      sha256 = hash.digest('hex');
    }
    const bytes = (await stat(part)).size;
    if (bytes !== image.sizeBytes || sha256 !== image.sha256) throw refusal(source, image, bytes, sha256);
    await rename(part, dest);
    return { path: dest, bytes, identity: identityText(imageFileIdentity(await stat(dest, { bigint: true }))) };
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof ImageError || options.signal?.aborted === true) throw err;
    throw new ImageError(`the library image ${source} could not be staged: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Copy the plain CUE `image` (sheet, BINs, TOC) into the new folder `dest`, proving the BINs' size and SHA-256. */
export async function stagePlainCue(image: RunImage, dest: string, options: StagePlainOptions = {}): Promise<StagedPlainCd> {
  const part = `${dest}.part`;
  try {
    await rm(part, { recursive: true, force: true });
    const info = await readImage(image.path, { expectFormat: 'cue' });
    if (info.format !== 'cue') throw new ImageError(`${image.path} is not a CUE sheet`);
    const names = info.bins.map((b) => path.basename(b.path));
    if (new Set(names).size !== names.length) throw new ImageError(`the CUE sheet ${path.basename(image.path)} names two BIN files of one name in different folders: it cannot be staged`);
    const size = info.bins.reduce((n, b) => n + b.bytes, 0);
    if (size !== image.sizeBytes) throw refusal(image.path, image, size, null);
    await mkdir(part, { recursive: true });
    const all = createHash('sha256');
    for (const [i, b] of info.bins.entries()) await copyHashing(b.path, path.join(part, names[i]!), all, options.signal);
    const sha256 = all.digest('hex');
    const bytes = (await Promise.all(names.map((n) => stat(path.join(part, n))))).reduce((n, s) => n + s.size, 0);
    if (bytes !== image.sizeBytes || sha256 !== image.sha256) throw refusal(image.path, image, bytes, sha256);
    const cueText = (await readFile(image.path)).toString('latin1');
    await writeFile(path.join(part, path.basename(image.path)), rewriteCueSheet(cueText, (i) => names[i] ?? ''), { encoding: 'latin1', flag: 'wx' });
    const toc = image.tocPath;
    if (toc !== undefined) await copyFile(toc, path.join(part, path.basename(toc)));
    await rename(part, dest);
    return { dir: dest, cuePath: path.join(dest, path.basename(image.path)), ...(toc === undefined ? {} : { tocPath: path.join(dest, path.basename(toc)) }) };
  } catch (err) {
    await rm(part, { recursive: true, force: true });
    if (err instanceof ImageError || options.signal?.aborted === true) throw err;
    throw new ImageError(`the library image ${image.path} could not be staged: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
