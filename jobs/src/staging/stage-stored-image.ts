/**
 * One stored image made a local file: the library's compressed file
 * decompressed by the real tool (`zstd -d -c`, which reads the independent
 * frames one after the other as one stream and checks each frame's XXH64
 * checksum as it goes), written into the staging folder while its SHA-256 is
 * computed, and compared with the image's SHA-256 from the library before the
 * file is renamed into place. Any failure (a corrupt stored file, a digest
 * that does not hold, zstd missing, a tool killed, a full staging disk) is an
 * `ImageError`: the copy fails as an image problem, never as a fault of the
 * drive, and nothing is left behind.
 *
 * The bytes go through tools, not JavaScript: `zstd -d -c | tee <part> |
 * openssl dgst -sha256 -r`, three processes on the cores at once (Node's
 * SHA-256 here is 4 to 6 times slower than openssl's, and was the bound).
 * Without `tee` or `openssl` the image is staged as before: zstd's output
 * hashed by Node while Node writes it.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { identityText, ImageError, imageFileIdentity, runTool, ToolMissingError, toolFailure } from 'node-cdrecord-wrapper';
import type { RunImage, StoredImage } from '../run-image.js';
import { digestOfPipeline, hashingTransform, lastLines, teeAndHash } from './hashed-copy.js';
import type { StagingTools } from './hashed-copy.js';
import type { PipedCommand } from './tool-pipeline.js';

/** A stored image staged: the local file, its size and identity (so verify trusts its digest without hashing it again). */
export interface StagedFile {
  readonly path: string;
  readonly bytes: number;
  readonly identity: string;
}

/** How a stored image is staged. */
export interface StageStoredOptions {
  readonly signal?: AbortSignal;
  /** Default `tee` and `openssl`; a program that is not installed makes Node hash the bytes instead. */
  readonly tools?: StagingTools;
}

/** What the staged bytes were: their count and SHA-256 (hex). */
interface Hashed {
  readonly bytes: number;
  readonly sha256: string;
}

/** The command that decompresses `stored` to stdout (argument array). */
export function decompressCommand(stored: StoredImage): string[] {
  return ['zstd', '-d', '-c', '-q', '--', stored.path];
}

/** The pipeline that stages `stored` into `part` and prints the SHA-256 of what it wrote. */
export function stagingPipeline(stored: StoredImage, part: string, tools?: StagingTools): PipedCommand[] {
  const [program = 'zstd', ...args] = decompressCommand(stored);
  return [{ program, args }, ...teeAndHash(part, tools)];
}

/** zstd | tee | openssl into `part`: the bytes written and their SHA-256. */
async function stageByTools(stored: StoredImage, part: string, options: StageStoredOptions): Promise<Hashed> {
  const sha256 = await digestOfPipeline(stagingPipeline(stored, part, options.tools), options.signal === undefined ? {} : { signal: options.signal }, (failed, how, index) =>
    index === 0 && failed.signal === null
      ? new ImageError(`the stored image ${stored.path} could not be decompressed (zstd ${how}): ${lastLines(failed)}`)
      : new ImageError(`the stored image ${stored.path} could not be staged: ${failed.program} ${how} (${lastLines(failed)})`));
  return { bytes: (await stat(part)).size, sha256 };
}

/** The fallback: zstd's output hashed by Node while Node writes it to `part`. */
async function stageByNode(stored: StoredImage, part: string, signal: AbortSignal | undefined): Promise<Hashed> {
  const hash = createHash('sha256');
  let bytes = 0;
  const hashing = hashingTransform(hash, (n) => (bytes += n));
  const [program = 'zstd', ...args] = decompressCommand(stored);
  let written: Promise<void> | undefined;
  const run = await runTool({
    program, args, killGraceMs: 500, keepChars: 8192,
    ...(signal === undefined ? {} : { signal }),
    takeStdout: (stdout: Readable) => {
      written = pipeline(stdout, hashing, createWriteStream(part, { highWaterMark: 1 << 20 }));
      written.catch(() => undefined);
    },
  });
  if (written !== undefined) await written;
  if (run.exitCode !== 0) {
    const text = toolFailure(run, 3).output.replace(/\s+/g, ' ').trim();
    throw new ImageError(`the stored image ${stored.path} could not be decompressed (zstd exit ${run.exitCode ?? run.signal}): ${text || 'no message'}`, { tool: toolFailure(run) });
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Decompress `image` (stored as `stored`) into `dest`, proving its SHA-256.
 * Written to `dest.part`, renamed to `dest` once proven.
 */
export async function stageStoredImage(image: RunImage, stored: StoredImage, dest: string, options: StageStoredOptions = {}): Promise<StagedFile> {
  if (image.format !== 'iso') throw new ImageError(`a ${image.format} image is not stored compressed with zstd: only ISO images are`);
  const part = `${dest}.part`;
  const signal = options.signal;
  try {
    let hashed: Hashed;
    try {
      hashed = await stageByTools(stored, part, options);
    } catch (err) {
      if (!(err instanceof ToolMissingError) || err.program === 'zstd') throw err;
      await rm(part, { force: true });
      hashed = await stageByNode(stored, part, signal);
    }
    const { bytes, sha256 } = hashed;
    if (bytes !== image.sizeBytes || sha256 !== image.sha256) {
      throw new ImageError(`the stored image ${stored.path} decompresses to ${bytes} bytes with SHA-256 ${sha256}, not the image's ${image.sizeBytes} bytes with SHA-256 ${image.sha256}: refused`);
    }
    await rename(part, dest);
    const identity = identityText(imageFileIdentity(await stat(dest, { bigint: true })));
    return { path: dest, bytes, identity };
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof ImageError || signal?.aborted === true) throw err;
    throw new ImageError(`the stored image ${stored.path} could not be staged: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
