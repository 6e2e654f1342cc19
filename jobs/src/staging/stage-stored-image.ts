/**
 * One stored image made a local file: the library's compressed file
 * decompressed by the real tool straight into the staging folder (`zstd -d
 * -o <part>`, which reads the independent frames one after the other as one
 * stream and checks each frame's XXH64 checksum as it goes: a stored file
 * damaged since it was written fails here, before any drive burns), its size
 * checked and the file renamed into place. The drives may burn from it at
 * once, at `zstd -d`'s own speed; its SHA-256 is proven against the image's
 * from the library beside the first burns (`proof`, staged-file-proof.ts),
 * and no disc burned from it counts before that proof holds (copy-processor.ts).
 *
 * Any failure (a corrupt stored file, the wrong size, zstd missing or
 * killed, a full staging disk) is an `ImageError`: the copy fails as an image
 * problem, never as a fault of the drive, and nothing is left behind.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { ImageError, runTool, toolFailure } from 'node-cdrecord-wrapper';
import type { RunImage, StoredImage } from '../run-image.js';
import { proveStagedFile } from './staged-file-proof.js';

/** A stored image staged: the local file, its size and identity (so verify trusts its digest without hashing it again). */
export interface StagedFile {
  readonly path: string;
  readonly bytes: number;
  /** The file's identity, when its SHA-256 was proven before it was handed over. */
  readonly identity?: string;
  /** When the SHA-256 is proven after the file is handed over: resolves with its identity, rejects with `ImageError`. */
  readonly proof?: Promise<string>;
}

/** How a stored image is staged. */
export interface StageStoredOptions {
  readonly signal?: AbortSignal;
  /** Default `openssl`; a program that is not installed makes Node hash the staged file instead. */
  readonly openssl?: string;
}

/** The command that decompresses `stored` into the file `out` (argument array). */
export function decompressCommand(stored: StoredImage, out: string): string[] {
  return ['zstd', '-d', '-q', '-f', '-o', out, '--', stored.path];
}

/**
 * Decompress `image` (stored as `stored`) into `dest` (written as
 * `dest.part`, renamed once zstd is done and the size holds). The returned
 * `proof` is already under way; the caller must handle its rejection.
 */
export async function stageStoredImage(image: RunImage, stored: StoredImage, dest: string, options: StageStoredOptions = {}): Promise<StagedFile & { readonly proof: Promise<string> }> {
  if (image.format !== 'iso') throw new ImageError(`a ${image.format} image is not stored compressed with zstd: only ISO images are`);
  const part = `${dest}.part`;
  const signal = options.signal;
  try {
    const [program = 'zstd', ...args] = decompressCommand(stored, part);
    const run = await runTool({ program, args, killGraceMs: 500, keepChars: 8192, ...(signal === undefined ? {} : { signal }) });
    if (run.exitCode !== 0) {
      const text = toolFailure(run, 3).output.replace(/\s+/g, ' ').trim() || 'no message';
      const how = run.signal === null ? `exit ${run.exitCode}` : `killed by ${run.signal}`;
      throw new ImageError(`the stored image ${stored.path} could not be decompressed (zstd ${how}): ${text}`, { tool: toolFailure(run) });
    }
    const bytes = (await stat(part)).size;
    if (bytes !== image.sizeBytes) {
      throw new ImageError(`the stored image ${stored.path} decompresses to ${bytes} bytes, not the image's ${image.sizeBytes} bytes: refused`);
    }
    await rename(part, dest);
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof ImageError || signal?.aborted === true) throw err;
    throw new ImageError(`the stored image ${stored.path} could not be staged: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const proof = proveStagedFile(dest, image, {
    source: stored.path, ...(signal === undefined ? {} : { signal }), ...(options.openssl === undefined ? {} : { openssl: options.openssl }),
  });
  return { path: dest, bytes: image.sizeBytes, proof };
}
