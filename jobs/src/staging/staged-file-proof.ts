/**
 * The proof of a staged file: its size and SHA-256 against the image's from
 * the library, read back from the staging folder by `openssl dgst -sha256`
 * (Node hashes it when openssl is not installed). The file's identity is
 * taken before and after the read: a file that changed meanwhile is not
 * proven. Resolves with that identity, which lets verify trust the digest
 * without hashing the file again; rejects with `ImageError` (or
 * `CancelledError` when `signal` aborts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { CancelledError, identityText, ImageError, imageFileIdentity, sameIdentity, ToolMissingError } from 'node-cdrecord-wrapper';
import type { RunImage } from '../run-image.js';
import { digestOfPipeline, lastLines } from './hashed-copy.js';

/** How a staged file is proven. */
export interface ProofOptions {
  readonly signal?: AbortSignal;
  /** Default `openssl`; a program that is not installed makes Node hash the file instead. */
  readonly openssl?: string;
  /** What the file was staged from, for the refusal's words (default: the image's library path). */
  readonly source?: string;
}

async function sha256ByNode(file: string, signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, ...(signal === undefined ? {} : { signal }) })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Prove the staged file `file` holds `image`'s bytes: the file's identity once proven. */
export async function proveStagedFile(file: string, image: RunImage, options: ProofOptions = {}): Promise<string> {
  const { signal } = options;
  const source = options.source ?? image.stored?.path ?? image.path;
  const refused = (what: string): ImageError =>
    new ImageError(`the stored image ${source} staged as ${file} holds ${what}, not the image's ${image.sizeBytes} bytes with SHA-256 ${image.sha256}: refused`);
  let before: BigIntStats;
  try {
    before = await stat(file, { bigint: true });
    if (before.size !== BigInt(image.sizeBytes)) throw refused(`${before.size} bytes`);
    let sha256: string;
    try {
      sha256 = await digestOfPipeline([{ program: options.openssl ?? 'openssl', args: ['dgst', '-sha256', '-r', file] }], signal === undefined ? {} : { signal }, (failed, how) =>
        new ImageError(`the staged image ${file} could not be proven: ${failed.program} ${how} (${lastLines(failed)})`));
    } catch (err) {
      if (!(err instanceof ToolMissingError)) throw err;
      sha256 = await sha256ByNode(file, signal);
    }
    if (sha256 !== image.sha256) throw refused(`${image.sizeBytes} bytes with SHA-256 ${sha256}`);
    const after = await stat(file, { bigint: true });
    if (!sameIdentity(imageFileIdentity(before), imageFileIdentity(after))) throw new ImageError(`the staged image ${file} changed while it was proven`);
    return identityText(imageFileIdentity(after));
  } catch (err) {
    if (signal?.aborted === true) throw err instanceof CancelledError ? err : new CancelledError('the proof of the staged image was stopped', { cause: err });
    if (err instanceof ImageError) throw err;
    throw new ImageError(`the staged image ${file} could not be proven: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
