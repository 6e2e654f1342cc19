/**
 * Recognise an image by its structure (never its name) and validate it before
 * the library accepts it: an ISO 9660 image (sane primary volume descriptor,
 * not truncated; Joliet, Rock Ridge, UDF and El Torito detected) or a CUE
 * sheet whose BIN files exist inside its folder and match its modes.
 */
import { open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageShape, MediaSizeInfo } from 'node-cdrecord-wrapper';
import { MEDIA_SIZES, mediaSizesFor, imageSectors, SECTOR_BYTES } from 'node-cdrecord-wrapper';
import type { CueLayout, CueTrackInfo } from './cue-layout.js';
import { layoutCue } from './cue-layout.js';
import type { CueSheet } from './cue-sheet.js';
import { decodeCueText, parseCueSheet } from './cue-sheet.js';
import { CueMissingFileError, CuePathTraversalError, ImageTooLargeError, UnrecognisedImageError } from './errors.js';
import type { IsoInfo } from './iso9660.js';
import { analyseIso, hasIsoSignature, hasUdfOnlySignature } from './iso9660.js';
import { isInside } from './paths.js';

/** CUE sheets larger than this are not CUE sheets. */
export const MAX_CUE_BYTES = 1024 * 1024;
const HEAD_BYTES = 64 * 1024;
const RAW_SYNC = Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
const CUE_COMMAND_LINE = /^\s*(FILE|TRACK)\s/im;

/** Image formats of the library. */
export type ImageFormat = 'iso' | 'cue';

/** A BIN file of a validated CUE image. */
export interface ValidatedBin {
  /** Name as the sheet writes it. */
  readonly name: string;
  /** Absolute path on disk. */
  readonly path: string;
  readonly bytes: number;
}

interface ValidatedCommon {
  readonly path: string;
  /** Bytes to burn: the ISO file, or all BIN files. */
  readonly sizeBytes: number;
  /** Sectors (2048-byte, or CD frames for CUE) on disc. */
  readonly sectors: number;
  readonly shape: ImageShape;
  readonly mediaSizes: MediaSizeInfo[];
  readonly tracks: CueTrackInfo[];
}

/** A validated ISO 9660 image. */
export interface ValidatedIso extends ValidatedCommon {
  readonly format: 'iso';
  readonly iso: IsoInfo;
}

/** A validated CUE sheet with its BIN files. */
export interface ValidatedCue extends ValidatedCommon {
  readonly format: 'cue';
  readonly sheet: CueSheet;
  readonly layout: CueLayout;
  readonly bins: ValidatedBin[];
}

/** What validation learns about an accepted image. */
export type ValidatedImage = ValidatedIso | ValidatedCue;

async function readHead(file: string): Promise<{ head: Buffer; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}

function looksLikeText(head: Buffer): boolean {
  for (const byte of head.subarray(0, 4096)) {
    if (byte === 0 || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) return false;
  }
  return true;
}

/**
 * Which format a file is, by structure. Throws `UnrecognisedImageError` with
 * the reason for anything else (empty, raw BIN, UDF without ISO 9660, text
 * that is no CUE sheet, unknown binary).
 */
export async function sniffImageFormat(file: string): Promise<ImageFormat> {
  const { head, size } = await readHead(file);
  if (size === 0) throw new UnrecognisedImageError('the file is empty');
  if (hasIsoSignature(head)) return 'iso';
  if (hasUdfOnlySignature(head)) throw new UnrecognisedImageError('UDF image without an ISO 9660 bridge; only ISO 9660 (optionally with UDF) is supported');
  if (head.subarray(0, 12).equals(RAW_SYNC)) throw new UnrecognisedImageError('raw CD sectors (a BIN file): import its CUE sheet instead');
  if (size <= MAX_CUE_BYTES && looksLikeText(head) && CUE_COMMAND_LINE.test(decodeCueText(head))) return 'cue';
  if (size < 17 * SECTOR_BYTES && head.length > 0) {
    throw new UnrecognisedImageError(`the file is ${size} bytes: too short for an ISO 9660 image and not a CUE sheet`);
  }
  throw new UnrecognisedImageError('neither an ISO 9660 image (no CD001 volume descriptor at sector 16) nor a CUE sheet');
}

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

async function validateIso(file: string): Promise<ValidatedIso> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const iso = await analyseIso(handle, size);
    const shape: ImageShape = { format: 'iso', sizeBytes: size };
    const sectors = imageSectors(shape);
    return {
      format: 'iso',
      path: file,
      sizeBytes: size,
      sectors,
      shape,
      mediaSizes: checkFits(shape),
      iso,
      tracks: [
        { number: 1, mode: 'MODE1/2048', frameBytes: SECTOR_BYTES, startFrame: 0, frames: sectors, pregapFrames: 0, postgapFrames: 0, dataFrames: sectors, file: path.basename(file), indexes: [{ number: 1, frame: 0 }] },
      ],
    };
  } finally {
    await handle.close();
  }
}

/**
 * Where a sheet's FILE lives: inside the sheet's folder, and after symlinks
 * inside one of `roots` (default: the sheet's folder).
 */
async function resolveBin(cueDir: string, name: string, roots: readonly string[]): Promise<ValidatedBin> {
  const lexical = path.resolve(cueDir, name.replace(/\\/g, '/'));
  if (!isInside(cueDir, lexical)) throw new CuePathTraversalError(name);
  const info = await stat(lexical).catch(() => null);
  if (!info?.isFile()) throw new CueMissingFileError(name);
  const real = await realpath(lexical);
  if (!roots.some((root) => isInside(root, real))) throw new CuePathTraversalError(name, 'names a file that resolves (through a link) outside its folder');
  return { name, path: real, bytes: info.size };
}

/** Options of `validateImageFile`. */
export interface ValidateOptions {
  /** Real paths BIN files may resolve into (default: the CUE sheet's real folder). */
  readonly binRoots?: readonly string[];
  /** Refuse anything but this format. */
  readonly expectFormat?: ImageFormat;
}

/**
 * Validate an image file completely. Throws an `ImageValidationError`
 * subclass naming the problem; I/O errors pass through.
 */
export async function validateImageFile(file: string, options: ValidateOptions = {}): Promise<ValidatedImage> {
  const format = await sniffImageFormat(file);
  if (options.expectFormat && options.expectFormat !== format) {
    throw new UnrecognisedImageError(`expected ${options.expectFormat === 'iso' ? 'an ISO 9660 image' : 'a CUE sheet'}, found ${format === 'iso' ? 'an ISO 9660 image' : 'a CUE sheet'}`);
  }
  if (format === 'iso') return validateIso(file);
  const sheet = parseCueSheet(decodeCueText(await readFile(file)));
  const cueDir = await realpath(path.dirname(file));
  const roots = options.binRoots ?? [cueDir];
  const bins: ValidatedBin[] = [];
  for (const f of sheet.files) bins.push(await resolveBin(cueDir, f.name, roots));
  const layout = layoutCue(sheet, bins);
  const shape: ImageShape = { format: 'cue', tracks: layout.tracks.map((t) => ({ mode: t.mode, frames: t.frames })) };
  return {
    format: 'cue',
    path: file,
    sizeBytes: layout.dataBytes,
    sectors: layout.totalFrames,
    shape,
    mediaSizes: checkFits(shape),
    sheet,
    layout,
    bins,
    tracks: layout.tracks,
  };
}
