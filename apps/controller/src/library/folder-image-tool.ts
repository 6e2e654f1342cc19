/**
 * The programs that make an ISO image from a folder, and their arguments.
 *
 * - Without `udf`: xorriso in its mkisofs emulation, ISO 9660 level 3, so a
 *   file of 4 GiB or more is stored as several extents (multi-extent) with
 *   its whole size; Joliet (`-J -joliet-long`: names up to 103 characters)
 *   and Rock Ridge (`-R`: POSIX names up to 255 bytes, modes, times) on request.
 * - With `udf`: genisoimage `-udf`, an ISO 9660 image with a UDF 1.02 bridge
 *   (xorriso writes no UDF). genisoimage cannot store a file of 4 GiB or more
 *   with its true size in ISO 9660, so the builder refuses such a folder with
 *   `udf` (folder-image-builder.ts).
 * - `boot`: an El Torito no-emulation boot entry (BIOS, 4 sectors loaded)
 *   for a file in the folder; the tools add a boot catalog `/boot.catalog`.
 * - Several sources (files and folders, each at its path on the disc): graft
 *   points, `/<disc path>=<real path>` with `\` and `=` escaped.
 *
 * Both run as argument arrays, never through a shell.
 */
import { spawn } from 'node:child_process';
import { BuildToolError } from './build-errors.js';
import { printedSectors, readToolLine } from './image-tool-output.js';

/** What goes into the image besides ISO 9660. */
export interface ImageToolOptions {
  readonly joliet: boolean;
  readonly rockRidge: boolean;
  readonly udf: boolean;
  /** Path of the boot image inside the folder (`/`-separated, relative), or none. */
  readonly boot?: string;
  /** ISO 9660 volume identifier (at most 32 characters). */
  readonly volumeId: string;
}

/** One source of an image built from several: a real path (file or folder) and where it goes on the disc. */
export interface Graft {
  /** Real, absolute path. */
  readonly real: string;
  /** `/`-separated path on the disc, relative (`''`: a folder's contents at the root). */
  readonly discPath: string;
}

/** A graft point `/disc/path=/real/path` (mkisofs syntax: `\` and `=` escaped with `\`). */
export function graftPoint(g: Graft): string {
  const esc = (p: string): string => p.replace(/[\\=]/g, (c) => `\\${c}`);
  return `/${esc(g.discPath)}=${esc(g.real)}`;
}

/**
 * Program and arguments that write the image of `folder`, or of several
 * sources each grafted at its path on the disc (`-graft-points`), to
 * `output` (null: print its size in sectors instead).
 */
export function imageToolCommand(folder: string | readonly Graft[], output: string | null, o: ImageToolOptions): { program: string; args: string[] } {
  const target = output === null ? ['-print-size'] : ['-o', output];
  const names = [...(o.joliet ? ['-J', '-joliet-long'] : []), ...(o.rockRidge ? ['-R'] : [])];
  const boot = o.boot === undefined ? [] : ['-b', o.boot, '-no-emul-boot', '-boot-load-size', '4'];
  // Graft points start with '/', so never an option; a folder is absolute.
  const sources = typeof folder === 'string' ? [folder] : ['-graft-points', ...folder.map(graftPoint)];
  if (o.udf) {
    return { program: 'genisoimage', args: [...target, '-input-charset', 'utf-8', '-udf', '-V', o.volumeId, ...names, ...boot, ...(typeof folder === 'string' ? ['--'] : []), ...sources] };
  }
  // No `--` for xorriso: it would end the mkisofs emulation's arguments.
  return { program: 'xorriso', args: ['-as', 'mkisofs', ...target, '-iso-level', '3', '-V', o.volumeId, ...names, ...boot, ...sources] };
}

/** A volume identifier from an image name: ISO 9660 d-characters (A-Z, 0-9, _), at most 32. */
export function volumeIdOf(name: string): string {
  const id = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return (id === '' ? 'DISC' : id).slice(0, 32);
}

/** How a tool run ended. */
interface ToolResult {
  readonly stdout: string;
  /** Lines of standard error the tool flagged as problems (last 20). */
  readonly problems: readonly string[];
  /** The tool's own messages about files that changed while it read them. */
  readonly changed: readonly string[];
}

/** Hooks of a tool run. */
export interface ToolRunHooks {
  /** Called with each progress figure (0..100) the tool prints. */
  readonly onProgress?: (percent: number) => void;
  readonly signal?: AbortSignal;
}

/** Run a tool to its end; `BuildToolError` with its last problems when it fails or cannot start. */
export function runImageTool(command: { program: string; args: string[] }, hooks: ToolRunHooks = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.program, command.args, { stdio: ['ignore', 'pipe', 'pipe'], ...(hooks.signal ? { signal: hooks.signal } : {}) });
    let stdout = '';
    let pending = '';
    const problems: string[] = [];
    const changed: string[] = [];
    const take = (line: string): void => {
      const read = readToolLine(line);
      if (read.kind === 'progress') hooks.onProgress?.(read.percent);
      else if (read.kind === 'changed') changed.push(read.text);
      else if (read.kind === 'problem') problems.push(read.text);
      if (problems.length > 20) problems.shift();
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    child.on('error', (err) => reject(new BuildToolError(`${command.program} could not run: ${err.message}`, { cause: err })));
    child.on('close', (code, signal) => {
      if (pending !== '') take(pending);
      if (code === 0) {
        resolve({ stdout, problems, changed });
        return;
      }
      const why = problems.length > 0 ? problems.slice(-5).join(' | ') : `exit ${code ?? signal ?? '?'}`;
      reject(new BuildToolError(`${command.program} failed: ${why}`, undefined, changed));
    });
  });
}

/** Sectors (2048 bytes) the image of `folder` (or of grafted sources) will take, asked of the tool itself (`-print-size`). */
export async function estimateSectors(folder: string | readonly Graft[], options: ImageToolOptions, signal?: AbortSignal): Promise<number> {
  const result = await runImageTool(imageToolCommand(folder, null, options), signal ? { signal } : {});
  const sectors = printedSectors(result.stdout);
  if (sectors === null) throw new BuildToolError('the image tool printed no size for -print-size');
  return sectors;
}
