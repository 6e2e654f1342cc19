/**
 * The proof of a single-data-track conversion (NRG, CDI) that has no
 * checksums of its own: Debian's `iat` reads the same source into an ISO,
 * which must be byte for byte the track our reader copied out.
 */
import { rm } from 'node:fs/promises';
import { runTool, toolFailure } from 'node-cdrecord-wrapper';
import { ImageConversionError } from './errors.js';
import { hashFile } from './hashing-copy.js';
import type { Staging } from './image-intake.js';

/**
 * Throws `ImageConversionError` unless iat's ISO of `source` has the SHA-256
 * of the copied track (`copy`). `what` names the source in the message
 * (`NRG image disc.nrg`).
 */
export async function confirmWithIat(
  staging: Staging,
  source: string,
  copy: { readonly sha256: string; readonly bytes: number },
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const second = staging.file('iat.iso');
  const run = await runTool({ program: 'iat', args: [source, second], ...(signal ? { signal } : {}), keepChars: 4096 });
  const other = run.exitCode === 0 ? await hashFile(second).catch(() => null) : null;
  await rm(second, { force: true });
  if (!other || other.sha256 !== copy.sha256) {
    const why = other ? `its ISO (${other.bytes} bytes) differs from the track's (${copy.bytes} bytes)` : `it failed (exit ${run.exitCode ?? run.signal}): ${toolFailure(run, 2).output.slice(-200)}`;
    throw new ImageConversionError(`${what}: iat does not confirm the conversion: ${why}`);
  }
}
