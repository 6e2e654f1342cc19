/**
 * The library's view of an image: the drivers' image reader (ISO 9660 with
 * Joliet, Rock Ridge, UDF and El Torito; CUE sheets checked against their BIN
 * files), its refusals as the library's errors (`fromImageReadError`, same
 * messages), and the media sizes the image fits (none: `ImageTooLargeError`).
 */
import type { CueBinFile, CueImageInfo, CueSheet, ImageFormat, ImageShape, IsoImageInfo, MediaSizeInfo, ReadImageOptions } from 'node-cdrecord-wrapper';
import {
  imageSectors, MEDIA_SIZES, mediaSizesFor, parseCueSheet as readCueSheet, readImage, SECTOR_BYTES, sniffImageFormat as sniffFormat,
} from 'node-cdrecord-wrapper';
import { fromImageReadError, ImageTooLargeError } from './errors.js';

export type { ImageFormat } from 'node-cdrecord-wrapper';
export { decodeCueText, rewriteCueSheet } from 'node-cdrecord-wrapper';

/** A BIN file of a validated CUE image. */
export type ValidatedBin = CueBinFile;
/** A validated ISO 9660 image. */
export type ValidatedIso = IsoImageInfo & { readonly mediaSizes: MediaSizeInfo[] };
/** A validated CUE sheet with its BIN files. */
export type ValidatedCue = CueImageInfo & { readonly mediaSizes: MediaSizeInfo[] };
/** What validation learns about an accepted image. */
export type ValidatedImage = ValidatedIso | ValidatedCue;
/** Options of `validateImageFile`. */
export type ValidateOptions = ReadImageOptions;

/** The largest medium of all (BD DL), and the largest CD (what a CUE image may fill). */
const LARGEST = MEDIA_SIZES.reduce((a, m) => (m.sectors > a.sectors ? m : a));
const LARGEST_CD = MEDIA_SIZES.filter((m) => m.mediaClass === 'cd').reduce((a, m) => (m.sectors > a.sectors ? m : a));

/** Bytes of the largest image any disc holds (an ISO filling a BD DL): larger uploads are refused as they arrive. */
export const MAX_IMAGE_BYTES = LARGEST.sectors * SECTOR_BYTES;

/** The refusal of an image of `bytes` (an upload found too large as it arrived, or a file), with the numbers. */
export function imageTooLarge(bytes: number, atLeast = false): ImageTooLargeError {
  return new ImageTooLargeError(
    `the image is ${atLeast ? 'more than ' : ''}${bytes} bytes (${Math.ceil(bytes / SECTOR_BYTES)} sectors of ${SECTOR_BYTES} bytes), more than any disc holds: `
    + `the largest, ${LARGEST.label}, holds ${MAX_IMAGE_BYTES} bytes (${LARGEST.sectors} sectors)`,
  );
}

function checkFits(shape: ImageShape): MediaSizeInfo[] {
  const sizes = mediaSizesFor(shape);
  if (sizes.length === 0) {
    if (shape.format === 'iso') throw imageTooLarge(shape.sizeBytes);
    throw new ImageTooLargeError(
      `the image needs ${imageSectors(shape)} CD frames, more than the largest CD holds: ${LARGEST_CD.label}, ${LARGEST_CD.sectors} frames (a CUE image goes on CD only)`,
    );
  }
  return sizes;
}

/**
 * Which format a file is, by structure. Throws `UnrecognisedImageError` with
 * the reason for anything else (empty, raw BIN, UDF without ISO 9660, text
 * that is no CUE sheet, unknown binary).
 */
export async function sniffImageFormat(file: string): Promise<ImageFormat> {
  return sniffFormat(file).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
}

/**
 * Parse a CUE sheet. Throws `CueSyntaxError` (with the line number),
 * `CueUnknownModeError`, `CuePathTraversalError` or `CueStructureError`.
 */
export function parseCueSheet(text: string): CueSheet {
  try {
    return readCueSheet(text);
  } catch (err) {
    throw fromImageReadError(err);
  }
}

/**
 * Validate an image file completely. Throws an `ImageValidationError`
 * subclass naming the problem; I/O errors pass through.
 */
export async function validateImageFile(file: string, options: ValidateOptions = {}): Promise<ValidatedImage> {
  const image = await readImage(file, options).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  return { ...image, mediaSizes: checkFits(image.shape) };
}
