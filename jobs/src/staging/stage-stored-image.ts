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
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { identityText, ImageError, imageFileIdentity, runTool, ToolMissingError, toolFailure } from 'node-cdrecord-wrapper';
import type { RunImage, StoredImage } from '../run-image.js';
import { runPipeline } from './tool-pipeline.js';
import type { PipedCommand, PipedExit } from './tool-pipeline.js';

/** A stored image staged: the local file, its size and identity (so verify trusts its digest without hashing it again). */
export interface StagedFile {
  readonly path: string;
  readonly bytes: number;
  readonly identity: string;
}

/** The programs that copy and hash zstd's output. */
export interface StagingTools {
  readonly tee: string;
  readonly openssl: string;
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
export function stagingPipeline(stored: StoredImage, part: string, tools: StagingTools = { tee: 'tee', openssl: 'openssl' }): PipedCommand[] {
  const [program = 'zstd', ...args] = decompressCommand(stored);
  return [{ program, args }, { program: tools.tee, args: ['--', part] }, { program: tools.openssl, args: ['dgst', '-sha256', '-r'] }];
}

function said(exit: PipedExit): string {
  return exit.stderr.split(/\r|\n/).map((l) => l.trim()).filter((l) => l !== '').slice(-3).join(' ') || 'no message';
}

/** zstd | tee | openssl into `part`: the bytes written and their SHA-256. */
async function stageByTools(stored: StoredImage, part: string, options: StageStoredOptions): Promise<Hashed> {
  const run = await runPipeline(stagingPipeline(stored, part, options.tools), { killGraceMs: 500, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  const failed = run.failed ?? run.exits.find((e) => e.exitCode !== 0 || e.signal !== null);
  if (failed !== undefined && failed !== null) {
    const how = failed.signal === null ? `exit ${failed.exitCode}` : `killed by ${failed.signal}`;
    if (failed === run.exits[0] && failed.signal === null) {
      throw new ImageError(`the stored image ${stored.path} could not be decompressed (zstd ${how}): ${said(failed)}`);
    }
    throw new ImageError(`the stored image ${stored.path} could not be staged: ${failed.program} ${how} (${said(failed)})`);
  }
  const sha256 = /^([0-9a-f]{64}) /.exec(run.stdout)?.[1];
  if (sha256 === undefined) throw new ImageError(`openssl dgst printed no SHA-256 for the staged image: ${run.stdout.trim() || 'nothing'}`);
  return { bytes: (await stat(part)).size, sha256 };
}

/** The fallback: zstd's output hashed by Node while Node writes it to `part`. */
async function stageByNode(stored: StoredImage, part: string, signal: AbortSignal | undefined): Promise<Hashed> {
  const hash = createHash('sha256');
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
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
