/**
 * The image reader: recognise an image by its structure (never its name) and
 * read what a burn, a fit check or a library record needs from it. An ISO
 * 9660 image (sane primary volume descriptor, not truncated; Joliet, Rock
 * Ridge, UDF and El Torito detected), a pure UDF image (format `iso` too: a
 * data image of 2048-byte sectors, `iso.iso9660` false) or a CUE sheet whose BIN files exist
 * inside its folder and match its modes. Every refusal is an
 * `ImageReadError` naming the problem; I/O errors pass through.
 */
import { open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageShape } from '../media.js';
import { imageSectors, SECTOR_BYTES } from '../media.js';
import type { CueLayout, CueTrackInfo } from './cue-layout.js';
import { layoutCue } from './cue-layout.js';
import type { CueSheet } from './cue-sheet.js';
import { parseCueSheet } from './cue-sheet.js';
import { decodeCueText } from './cue-text.js';
import { looksLikeCcd } from './ccd-image.js';
import { detectCompression } from './compressed-image.js';
import { isChd } from './chd-image.js';
import { isMds } from './mds-image.js';
import { hasNrgFooter } from './nrg-image.js';
import { hasDmgTrailer } from './dmg-image.js';
import { hasCdiFooter } from './cdi-image.js';
import { looksLikeToc } from './toc-file.js';
import { cuePathTraversal, imageProblem, ImageReadError } from './image-read-error.js';
import type { IsoInfo } from './iso9660.js';
import { analyseIso, analyseUdfOnly, hasIsoSignature, hasUdfOnlySignature } from './iso9660.js';

/** CUE sheets larger than this are not CUE sheets. */
export const MAX_CUE_BYTES = 1024 * 1024;
const HEAD_BYTES = 64 * 1024;
const RAW_SYNC = Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
const CUE_COMMAND_LINE = /^\s*(FILE|TRACK)\s/im;

/** Image formats the reader recognises. */
export type ImageFormat = 'iso' | 'cue';

/** A BIN file of a CUE image. */
export interface CueBinFile {
  /** Name as the sheet writes it. */
  readonly name: string;
  /** Absolute real path on disk. */
  readonly path: string;
  readonly bytes: number;
}

interface ImageInfoCommon {
  readonly path: string;
  /** Bytes to burn: the ISO file, or all BIN files. */
  readonly sizeBytes: number;
  /** Sectors (2048-byte, or CD frames for CUE) on disc. */
  readonly sectors: number;
  readonly shape: ImageShape;
  /** Tracks on disc: one MODE1/2048 track for an ISO image. */
  readonly tracks: CueTrackInfo[];
}

/** An ISO 9660 image as read. */
export interface IsoImageInfo extends ImageInfoCommon {
  readonly format: 'iso';
  readonly iso: IsoInfo;
}

/** A CUE sheet with its BIN files as read. */
export interface CueImageInfo extends ImageInfoCommon {
  readonly format: 'cue';
  readonly sheet: CueSheet;
  readonly layout: CueLayout;
  readonly bins: CueBinFile[];
}

/** What the reader learns about an image it accepts. */
export type ImageInfo = IsoImageInfo | CueImageInfo;

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

const unrecognised = (detail: string): ImageReadError => imageProblem('unrecognised', detail);

/**
 * Which format a file is, by structure. Throws `ImageReadError`
 * (`unrecognised`) with the reason for anything else (empty, raw BIN, text
 * that is no CUE sheet, unknown binary). ISO 9660 and pure UDF are `iso`.
 */
export async function sniffImageFormat(file: string): Promise<ImageFormat> {
  const { head, size } = await readHead(file);
  if (size === 0) throw unrecognised('the file is empty');
  if (await hasNrgFooter(file)) throw imageProblem('needs-conversion', 'a Nero NRG image: import it into the library, which converts it');
  if (isChd(head)) throw imageProblem('needs-conversion', 'a MAME CHD image: import it into the library, which verifies and extracts it with chdman');
  if (await hasDmgTrailer(file)) throw imageProblem('needs-conversion', 'an Apple disk image (DMG): import it into the library, which converts it with dmg2img and checks its checksums');
  if (await hasCdiFooter(file)) throw imageProblem('needs-conversion', 'a DiscJuggler CDI image: import it into the library, which converts it');
  if (isMds(head)) throw imageProblem('needs-conversion', 'an Alcohol 120% descriptor (.mds): import it into the library by path (its .mdf beside it), which converts it');
  if (hasIsoSignature(head) || hasUdfOnlySignature(head)) return 'iso';
  const compressed = detectCompression(head);
  if (compressed) throw imageProblem('needs-conversion', `a ${compressed.compression}-compressed image: import it into the library, which decompresses and checks it`);
  if (head.subarray(0, 12).equals(RAW_SYNC)) throw unrecognised('raw CD sectors (a BIN file): import its CUE sheet instead');
  if (size <= MAX_CUE_BYTES && looksLikeText(head) && looksLikeCcd(decodeCueText(head))) {
    throw imageProblem('needs-conversion', 'a CloneCD control file (.ccd): import it into the library by path (its .img beside it), which converts it');
  }
  if (size <= MAX_CUE_BYTES && looksLikeText(head) && looksLikeToc(decodeCueText(head))) {
    throw imageProblem('needs-conversion', 'a cdrdao TOC file, not a CUE sheet: import it into the library by path (its data files beside it), which converts it with toc2cue');
  }
  if (size <= MAX_CUE_BYTES && looksLikeText(head) && CUE_COMMAND_LINE.test(decodeCueText(head))) return 'cue';
  if (size < 17 * SECTOR_BYTES && head.length > 0) {
    throw unrecognised(`the file is ${size} bytes: too short for an ISO 9660 image and not a CUE sheet`);
  }
  throw unrecognised('neither an ISO 9660 image (no CD001 volume descriptor at sector 16) nor a CUE sheet');
}

async function readIso(file: string): Promise<IsoImageInfo> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(17 * SECTOR_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    const iso = hasIsoSignature(head) ? await analyseIso(handle, size) : await analyseUdfOnly(handle, size);
    const shape: ImageShape = { format: 'iso', sizeBytes: size };
    const sectors = imageSectors(shape);
    return {
      format: 'iso',
      path: file,
      sizeBytes: size,
      sectors,
      shape,
      iso,
      tracks: [
        { number: 1, mode: 'MODE1/2048', frameBytes: SECTOR_BYTES, startFrame: 0, frames: sectors, pregapFrames: 0, postgapFrames: 0, dataFrames: sectors, file: path.basename(file), indexes: [{ number: 1, frame: 0 }] },
      ],
    };
  } finally {
    await handle.close();
  }
}

/** True when `child` is `parent` or lies below it (both absolute, already resolved). */
function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Where a sheet's FILE lives: inside the sheet's folder, and after symlinks
 * inside one of `roots` (default: the sheet's folder).
 */
async function resolveBin(cueDir: string, name: string, roots: readonly string[]): Promise<CueBinFile> {
  const lexical = path.resolve(cueDir, name.replace(/\\/g, '/'));
  if (!isInside(cueDir, lexical)) throw cuePathTraversal(name);
  const info = await stat(lexical).catch(() => null);
  if (!info?.isFile()) throw new ImageReadError({ kind: 'cue-missing-file', fileName: name });
  const real = await realpath(lexical);
  if (!roots.some((root) => isInside(root, real))) throw cuePathTraversal(name, 'names a file that resolves (through a link) outside its folder');
  return { name, path: real, bytes: info.size };
}

/** Options of `readImage`. */
export interface ReadImageOptions {
  /** Real paths BIN files may resolve into (default: the CUE sheet's real folder). */
  readonly binRoots?: readonly string[];
  /** Refuse anything but this format. */
  readonly expectFormat?: ImageFormat;
}

async function readCue(file: string, options: ReadImageOptions): Promise<CueImageInfo> {
  const sheet = parseCueSheet(decodeCueText(await readFile(file)));
  const cueDir = await realpath(path.dirname(file));
  const roots = options.binRoots ?? [cueDir];
  const bins: CueBinFile[] = [];
  for (const f of sheet.files) bins.push(await resolveBin(cueDir, f.name, roots));
  const layout = layoutCue(sheet, bins);
  const shape: ImageShape = { format: 'cue', tracks: layout.tracks.map((t) => ({ mode: t.mode, frames: t.frames })) };
  return { format: 'cue', path: file, sizeBytes: layout.dataBytes, sectors: layout.totalFrames, shape, sheet, layout, bins, tracks: layout.tracks };
}

const FORMAT_NAMES: Record<ImageFormat, string> = { iso: 'an ISO 9660 image', cue: 'a CUE sheet' };

/**
 * Recognise and read an image file completely. Throws `ImageReadError`
 * naming the problem; I/O errors pass through.
 */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<ImageInfo> {
  const format = await sniffImageFormat(file);
  if (options.expectFormat && options.expectFormat !== format) {
    throw unrecognised(`expected ${FORMAT_NAMES[options.expectFormat]}, found ${FORMAT_NAMES[format]}`);
  }
  return format === 'iso' ? readIso(file) : readCue(file, options);
}
