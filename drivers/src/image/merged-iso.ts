/**
 * One disc's own image for a merged run: the master ISO plus files of its
 * own (a `SERIAL.TXT`, a recipient's folder), built with xorriso. A file is
 * given as its text or as a local file (`sources`) that xorriso reads. The
 * master's tree is loaded and written out whole with the new files mapped
 * in, so its volume label, file dates, Rock Ridge and (when the master has
 * them) Joliet names and boot records are kept: `-boot_image any replay`
 * writes the El Torito entries and system area the master had.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, ImageError } from '../errors.js';
import { runTool, toolFailure } from '../tool-process.js';
import type { Spawner } from '../tool-process.js';
import { readImage } from './image-reader.js';

/** A file a disc gets beside the master's: its path on the disc and its content. */
export interface MergedFile {
  /** Absolute path on the disc, e.g. `/SERIAL.TXT` (no `..`, no empty parts). */
  readonly discPath: string;
  /** The file's text (UTF-8). */
  readonly text: string;
}

/** A file a disc gets beside the master's, copied from a local file. */
export interface SourcedFile {
  /** Absolute path on the disc, e.g. `/RECIPIENT/letter.pdf` (as for {@link MergedFile}). */
  readonly discPath: string;
  /** Absolute local path of a regular file (not a link) whose bytes the disc gets. */
  readonly source: string;
}

/** What {@link buildMergedIso} is asked for. */
export interface MergedIsoRequest {
  /** The master ISO. */
  readonly master: string;
  /** Where the disc's image is written (replaced when there). */
  readonly out: string;
  readonly files: readonly MergedFile[];
  /** Files copied from local files, beside `files`; no disc path may be given twice. */
  readonly sources?: readonly SourcedFile[];
  readonly signal?: AbortSignal;
  /** xorriso's path; default `xorriso`. */
  readonly xorriso?: string;
  readonly spawner?: Spawner;
}

/** The image built: what a burn and a verify take. */
export interface MergedIso {
  readonly path: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly sectors: number;
}

/** Whether a path on the disc is one a merge may write: absolute, no `.`/`..` parts, no control characters. */
export function isSafeDiscPath(p: string): boolean {
  if (!p.startsWith('/') || p.length > 240 || /[\p{Cc}\\]/u.test(p)) return false;
  const parts = p.slice(1).split('/');
  return parts.every((s) => s !== '' && s !== '.' && s !== '..' && s.length <= 200);
}

/** Build one disc's image; throws `ImageError` (xorriso's output in `tool`) or `CancelledError`. */
export async function buildMergedIso(req: MergedIsoRequest): Promise<MergedIso> {
  const seen = new Set<string>();
  for (const f of [...req.files, ...(req.sources ?? [])]) {
    if (!isSafeDiscPath(f.discPath)) throw new ImageError(`a merged file's path on the disc is not allowed: ${JSON.stringify(f.discPath)}`);
    if (seen.has(f.discPath)) throw new ImageError(`a merged file's path on the disc is given twice: ${f.discPath}`);
    seen.add(f.discPath);
  }
  for (const f of req.sources ?? []) await checkSource(f);
  const master = await readImage(req.master);
  if (master.format !== 'iso') throw new ImageError(`a merged run needs an ISO 9660 master; ${req.master} is a CUE image`);
  await mkdir(path.dirname(req.out), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(req.out), '.merge-'));
  try {
    const maps: string[] = [];
    for (const [i, f] of req.files.entries()) {
      const local = path.join(work, `file-${i}`);
      await writeFile(local, f.text);
      maps.push('-map', local, f.discPath);
    }
    for (const f of req.sources ?? []) maps.push('-map', f.source, f.discPath);
    await rm(req.out, { force: true });
    const run = await runTool({
      program: req.xorriso ?? 'xorriso',
      args: [
        '-abort_on', 'FAILURE', '-return_with', 'SORRY', '32',
        '-indev', req.master, '-outdev', req.out,
        ...(master.iso.joliet ? ['-joliet', 'on'] : []),
        ...maps,
        '-boot_image', 'any', 'replay',
        '-commit',
      ],
      ...(req.signal === undefined ? {} : { signal: req.signal }),
      ...(req.spawner === undefined ? {} : { spawner: req.spawner }),
    });
    if (run.exitCode !== 0) {
      throw new ImageError(`xorriso could not build the disc's image from ${req.master} (exit ${run.exitCode ?? run.signal})`, { tool: toolFailure(run) });
    }
    const sizeBytes = (await stat(req.out)).size;
    const sha256 = await sha256Of(req.out, req.signal);
    return { path: req.out, sha256, sizeBytes, sectors: Math.ceil(sizeBytes / 2048) };
  } catch (err) {
    await rm(req.out, { force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A source must be an absolute path to a regular file: a link or a folder would map more (or other) than one file's bytes. */
async function checkSource(f: SourcedFile): Promise<void> {
  if (!path.isAbsolute(f.source) || /\p{Cc}/u.test(f.source)) throw new ImageError(`the source of ${f.discPath} is not an absolute local path: ${JSON.stringify(f.source)}`);
  const info = await lstat(f.source).catch((err: NodeJS.ErrnoException) => {
    throw new ImageError(`the source of ${f.discPath} cannot be read: ${f.source} (${err.code ?? err.message})`);
  });
  if (!info.isFile()) throw new ImageError(`the source of ${f.discPath} is not a regular file: ${f.source}`);
}

async function sha256Of(file: string, signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    if (signal?.aborted === true) throw new CancelledError('cancelled while hashing the disc\'s image');
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
