/**
 * What every conversion into the library is given (its options), and how it
 * keeps the original file beside the converted image. Shared by the
 * compressed-image path and each format's importer.
 */
import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import type { AddOptions } from './add-options.js';
import { copyAndHash, hashFile } from './hashing-copy.js';
import type { Precheck, StagedFile, Staging } from './image-intake.js';
import { MAX_IMAGE_BYTES } from './image-validator.js';

/** How the conversion goes: the output limit, whether to keep the original, a cancel signal. */
export interface ConversionOptions {
  /** Bytes the converted image may have at most (the library's size limit): more is a decompression bomb. */
  readonly limitBytes: number;
  /** Keep the original beside the converted image (copied from a path, moved from an upload). */
  readonly keepOriginal: boolean;
  /** The original may be moved rather than copied (it is the library's own staged upload). */
  readonly movable?: boolean;
  readonly precheck?: Precheck;
  readonly signal?: AbortSignal;
  /** The source's name for messages and the record (an upload's file name); default its base name. */
  readonly sourceName?: string;
}

/** The original, kept in the staging folder under its final name. */
export async function keepSource(staging: Staging, source: string, name: string, movable: boolean): Promise<StagedFile> {
  const staged = staging.file(name);
  if (movable) await rename(source, staged);
  else await copyAndHash(createReadStream(source), staged);
  const { bytes, sha256 } = await hashFile(staged);
  return { staged, finalName: name, role: 'source', bytes, sha256 };
}

/** How the library converts an image: output capped by its limits (`limit`, its upload limit, the largest disc), the original kept or not. */
export function conversionOptionsOf(
  maxUploadBytes: number, keepOriginals: boolean, options: AddOptions, limit: number, movable: boolean, precheck?: Precheck,
): ConversionOptions {
  const limitBytes = Math.min(limit, maxUploadBytes, MAX_IMAGE_BYTES);
  return { limitBytes, keepOriginal: options.keepOriginal ?? keepOriginals, movable, ...(precheck ? { precheck } : {}) };
}
