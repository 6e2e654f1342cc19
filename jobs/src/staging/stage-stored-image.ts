/**
 * One stored image made a local file: the library's compressed file
 * decompressed by the real tool (`zstd -d -c`, which checks each frame's
 * XXH64 checksum as it goes), streamed into the staging folder while its
 * SHA-256 is computed, and compared with the image's SHA-256 from the
 * library. Any failure (a corrupt stored file, a digest that does not hold,
 * zstd missing, a full staging disk) is an `ImageError`: the copy fails as
 * an image problem, never as a fault of the drive, and nothing is left behind.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { identityText, ImageError, imageFileIdentity, runTool, toolFailure } from 'node-cdrecord-wrapper';
import type { RunImage, StoredImage } from '../run-image.js';

/** A stored image staged: the local file, its size and identity (so verify trusts its digest without hashing it again). */
export interface StagedFile {
  readonly path: string;
  readonly bytes: number;
  readonly identity: string;
}

/** The command that decompresses `stored` to stdout (argument array). */
export function decompressCommand(stored: StoredImage): string[] {
  return ['zstd', '-d', '-c', '-q', '--', stored.path];
}

/**
 * Decompress `image` (stored as `stored`) into `dest`, proving its SHA-256.
 * Written to `dest.part`, renamed to `dest` once proven.
 */
export async function stageStoredImage(image: RunImage, stored: StoredImage, dest: string, signal?: AbortSignal): Promise<StagedFile> {
  if (image.format !== 'iso') throw new ImageError(`a ${image.format} image is not stored compressed with zstd: only ISO images are`);
  const part = `${dest}.part`;
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
  try {
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
      const said = toolFailure(run, 3).output.replace(/\s+/g, ' ').trim();
      throw new ImageError(`the stored image ${stored.path} could not be decompressed (zstd exit ${run.exitCode ?? run.signal}): ${said || 'no message'}`, { tool: toolFailure(run) });
    }
    const sha256 = hash.digest('hex');
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
