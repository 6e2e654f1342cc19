/**
 * Recognise an image by its structure (not its name) and size it for a burn:
 * an ISO 9660 image, or a CUE sheet with its BIN files.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BurnImage } from './drive-contract.js';
import { ImageError } from './errors.js';
import type { ImageShape, TrackLayout } from './media.js';
import { SECTOR_BYTES } from './media.js';

/** Bytes per frame in a BIN file for each CUE track mode. */
export const CUE_MODE_BYTES: Readonly<Record<string, number>> = {
  AUDIO: 2352,
  CDG: 2448,
  'MODE1/2048': 2048,
  'MODE1/2352': 2352,
  'MODE2/2048': 2048,
  'MODE2/2324': 2324,
  'MODE2/2336': 2336,
  'MODE2/2352': 2352,
  'CDI/2336': 2336,
  'CDI/2352': 2352,
};

/** A probed image: what a burn needs plus what the fit rule needs. */
export interface ProbedImage extends BurnImage {
  readonly shape: ImageShape;
  /** ISO 9660 volume label, when the image has a primary volume descriptor. */
  readonly volumeLabel?: string;
  /** ISO 9660 volume space size in sectors (may be smaller than the file: hybrid images append partitions). */
  readonly isoVolumeSectors?: number;
}

const PVD_OFFSET = 16 * SECTOR_BYTES;

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function probeIso(file: string, size: number, head: Buffer): ProbedImage | null {
  if (head.length < PVD_OFFSET + 2048) return null;
  const pvd = head.subarray(PVD_OFFSET, PVD_OFFSET + 2048);
  if (pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') return null;
  const label = pvd.toString('latin1', 40, 72).trim();
  const volumeSectors = pvd.readUInt32LE(80);
  return {
    format: 'iso',
    path: file,
    sizeBytes: size,
    sectors: Math.ceil(size / SECTOR_BYTES),
    shape: { format: 'iso', sizeBytes: size },
    ...(label ? { volumeLabel: label } : {}),
    isoVolumeSectors: volumeSectors,
  };
}

function msfToFrames(msf: string): number {
  const m = /^(\d+):(\d+):(\d+)$/.exec(msf);
  if (!m) throw new ImageError(`bad MM:SS:FF time '${msf}' in CUE sheet`);
  return (Number(m[1]) * 60 + Number(m[2])) * 75 + Number(m[3]);
}

/**
 * Size a CUE sheet's tracks from its BIN files. FILE names must stay inside
 * the CUE's folder. (The image library has the full CUE parser; this is what a
 * burn needs.)
 */
async function probeCue(file: string, text: string): Promise<ProbedImage> {
  const dir = path.dirname(file);
  const files: { bin: string; bytes: number; modes: string[]; pregap: number }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const fileMatch = /^FILE\s+(?:"([^"]*)"|(\S+))\s+\S+$/i.exec(line);
    if (fileMatch) {
      const name = fileMatch[1] ?? fileMatch[2] ?? '';
      if (path.isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
        throw new ImageError(`CUE sheet names a file outside its folder: ${name}`);
      }
      const bin = path.join(dir, name);
      const info = await stat(bin).catch(() => null);
      if (!info?.isFile()) throw new ImageError(`CUE sheet names a missing file: ${name}`);
      files.push({ bin, bytes: info.size, modes: [], pregap: 0 });
      continue;
    }
    const trackMatch = /^TRACK\s+\d+\s+(\S+)$/i.exec(line);
    if (trackMatch) {
      const mode = (trackMatch[1] ?? '').toUpperCase();
      if (!(mode in CUE_MODE_BYTES)) throw new ImageError(`unknown CUE track mode ${mode}`);
      const current = files[files.length - 1];
      if (!current) throw new ImageError('CUE sheet has a TRACK before any FILE');
      current.modes.push(mode);
      continue;
    }
    const pregap = /^PREGAP\s+(\S+)$/i.exec(line);
    if (pregap && files.length > 0) files[files.length - 1]!.pregap += msfToFrames(pregap[1] ?? '');
  }
  if (files.length === 0 || files.every((f) => f.modes.length === 0)) throw new ImageError('CUE sheet has no tracks');
  const tracks: TrackLayout[] = [];
  for (const f of files) {
    const mode = f.modes[0] ?? 'MODE1/2048';
    const frameBytes = CUE_MODE_BYTES[mode] ?? 2352;
    if (f.bytes % frameBytes !== 0) {
      throw new ImageError(`${path.basename(f.bin)} is ${f.bytes} bytes, not a whole number of ${frameBytes}-byte ${mode} frames`);
    }
    tracks.push({ mode, frames: f.bytes / frameBytes + f.pregap });
  }
  const sizeBytes = files.reduce((s, f) => s + f.bytes, 0);
  return {
    format: 'cue',
    path: file,
    sizeBytes,
    sectors: tracks.reduce((s, t) => s + t.frames, 0),
    shape: { format: 'cue', tracks },
  };
}

/**
 * Recognise and size an image. Throws `ImageError` for a missing, unreadable,
 * truncated-to-nothing or unrecognised file.
 */
export async function probeImage(file: string): Promise<ProbedImage> {
  const absolute = path.resolve(file);
  const info = await stat(absolute).catch((err: NodeJS.ErrnoException) => {
    throw new ImageError(`cannot read image ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
  });
  if (!info.isFile()) throw new ImageError(`image ${file} is not a regular file`);
  if (info.size === 0) throw new ImageError(`image ${file} is empty`);
  const head = await readHead(absolute, 64 * 1024).catch((err: Error) => {
    throw new ImageError(`cannot read image ${file}: ${err.message}`, { cause: err });
  });
  const iso = probeIso(absolute, info.size, head);
  if (iso) return iso;
  const text = head.toString('latin1');
  if (info.size < 64 * 1024 && /^\s*(FILE|REM|CATALOG|PERFORMER|TITLE|SONGWRITER|CDTEXTFILE)\b/im.test(text) && /^\s*TRACK\b/im.test(text)) {
    return probeCue(absolute, text);
  }
  throw new ImageError(`${file} is neither an ISO 9660 image nor a CUE sheet`);
}
