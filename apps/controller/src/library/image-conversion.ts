/**
 * Images given in a form the burners do not take, converted on their way
 * into the library: an ISO compressed with gzip, xz, bzip2 or zstd
 * (recognised by its magic bytes, decompressed by the real tool, its output
 * streamed into the staging folder under the library's size limit), a
 * cdrdao TOC file (toc2cue, then the CUE path: toc-import.ts), a Nero NRG
 * image (its data track, confirmed by iat: nrg-import.ts), a CloneCD image
 * (ccd2iso, held against the raw sectors' user data: ccd-import.ts), an
 * Alcohol MDS/MDF image (mds-import.ts), a MAME CHD (chdman, its SHA-1s
 * verified: chd-import.ts), an Apple DMG (dmg2img, its CRC-32s verified:
 * dmg-import.ts), a DiscJuggler CDI (its data track, confirmed by iat:
 * cdi-import.ts). The
 * converted image is then validated like any other, and the conversion's
 * proof goes into its provenance. Optionally the original is kept beside it
 * (role `source`, never burned). A refusal at any step leaves only the
 * staging folder, which the library removes.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { CompressionInfo } from 'node-cdrecord-wrapper';
import { decompressImage, describeImageProblem, detectCompression, hasCdiFooter, hasDmgTrailer, hasNrgFooter, isChd, isMds, looksLikeCcd, looksLikeToc, MAX_TOC_BYTES } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import { stageCcd } from './ccd-import.js';
import { stageCdi } from './cdi-import.js';
import { stageChd } from './chd-import.js';
import { stageDmg } from './dmg-import.js';
import { stageMds } from './mds-import.js';
import { stageNrg } from './nrg-import.js';
import { stageToc } from './toc-import.js';
import type { ByteBudget } from './hashing-copy.js';
import { copyAndHash } from './hashing-copy.js';
import { keepSource } from './conversion-source.js';
import type { ConversionOptions } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { validateImageFile } from './image-validator.js';

/** A file the library converts before it validates it. */
export type Convertible = { readonly kind: 'compressed'; readonly info: CompressionInfo } | { readonly kind: 'toc' } | { readonly kind: 'nrg' } | { readonly kind: 'ccd' } | { readonly kind: 'mds' } | { readonly kind: 'chd' } | { readonly kind: 'dmg' } | { readonly kind: 'cdi' };

const SUFFIX: Record<CompressionInfo['compression'], string> = { gzip: 'gz', xz: 'xz', bzip2: 'bz2', zstd: 'zst' };

/** What kind of convertible file `file` is, by its first bytes; null for anything else (ISO, CUE, noise). */
export async function detectConvertible(file: string): Promise<Convertible | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    // Before the magic bytes: a bzip2 DMG's data fork starts with BZh.
    if (await hasDmgTrailer(file)) return { kind: 'dmg' };
    if (await hasCdiFooter(file)) return { kind: 'cdi' };
    const info = detectCompression(head.subarray(0, bytesRead));
    if (info) return { kind: 'compressed', info };
    if (await hasNrgFooter(file)) return { kind: 'nrg' };
    if (isMds(head.subarray(0, bytesRead))) return { kind: 'mds' };
    if (isChd(head.subarray(0, bytesRead))) return { kind: 'chd' };
    const text = head.subarray(0, bytesRead);
    const plain = bytesRead > 0 && !text.subarray(0, 4096).some((b) => b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d));
    if (plain && (await handle.stat()).size <= MAX_TOC_BYTES && looksLikeCcd(text.toString('latin1'))) return { kind: 'ccd' };
    if (plain && (await handle.stat()).size <= MAX_TOC_BYTES && looksLikeToc(text.toString('latin1'))) return { kind: 'toc' };
    return null;
  } finally {
    await handle.close();
  }
}

function tooLarge(what: string, limitBytes: number): ConversionTooLargeError {
  return new ConversionTooLargeError(describeImageProblem({ kind: 'conversion-too-large', what, limitBytes }));
}

/**
 * Stage a compressed ISO: decompressed by its tool into the staging folder
 * (at most `limitBytes`, else `ConversionTooLargeError` and the tool
 * stopped), validated as an ISO (or pure UDF) image, with the proof of the
 * decompression. Refusals: `ImageConversionError` (no checksum, a corrupt
 * stream), the validation errors of what came out.
 */
export async function stageDecompressed(
  staging: Staging,
  id: string,
  source: string,
  info: CompressionInfo,
  options: ConversionOptions,
): Promise<StagedImage> {
  const names = finalNames(id);
  const dest = staging.file(names.iso);
  const sourceName = options.sourceName ?? path.basename(source);
  const what = `${info.compression} decompression of ${sourceName}`;
  const budget: ByteBudget = { limitBytes: Infinity, usedBytes: 0, cap: { bytes: options.limitBytes, error: () => tooLarge(what, options.limitBytes) } };
  const done = await decompressImage(source, info, (output) => copyAndHash(output, dest, { budget }), options.signal).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  const validated = await validateImageFile(dest, { expectFormat: 'iso' });
  options.precheck?.(validated);
  const kept = options.keepOriginal ? await keepSource(staging, source, `${names.iso}.${SUFFIX[info.compression]}`, options.movable === true) : undefined;
  const conversion: ConversionProof = {
    from: info.compression,
    sourceSha256: done.sourceSha256,
    sourceBytes: done.sourceBytes,
    command: [...done.command.slice(0, -1), sourceName],
    checksum: info.checksum,
    proof: `the ${info.compression} stream's ${info.checksum} checksum, checked by ${info.compression} -d as it decompressed (exit 0), then the image read and validated`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  const iso: StagedFile = { staged: dest, finalName: names.iso, role: 'iso', bytes: done.output.bytes, sha256: done.output.sha256 };
  return { files: kept ? [iso, kept] : [iso], imageFile: names.iso, validated, sha256: done.output.sha256, conversion };
}

/**
 * Stage a convertible file (`detectConvertible`) by what it is. A TOC file
 * needs `binRoots` (its data files are read from beside it): an upload has
 * none, and is refused.
 */
export async function stageConverted(
  staging: Staging,
  id: string,
  source: string,
  convertible: Convertible,
  options: ConversionOptions & { readonly binRoots?: readonly string[] },
): Promise<StagedImage> {
  if (convertible.kind === 'compressed') return stageDecompressed(staging, id, source, convertible.info, options);
  if (convertible.kind === 'nrg') return stageNrg(staging, id, source, options);
  if (convertible.kind === 'chd') return stageChd(staging, id, source, options);
  if (convertible.kind === 'dmg') return stageDmg(staging, id, source, options);
  if (convertible.kind === 'cdi') return stageCdi(staging, id, source, options);
  const what = { toc: 'a cdrdao TOC file', ccd: 'a CloneCD control file', mds: 'an MDS descriptor' }[convertible.kind];
  if (!options.binRoots) throw new ImageConversionError(`${what} cannot bring its data files in an upload: import it by path, with its data files beside it`);
  if (convertible.kind === 'ccd') return stageCcd(staging, id, source, options.binRoots, options);
  if (convertible.kind === 'mds') return stageMds(staging, id, source, options.binRoots, options);
  return stageToc(staging, id, source, options.binRoots, options);
}
