/**
 * Mastering a CD with audio, mixed-mode or several tracks from a real drive:
 * a raw copy with cdrdao (`read-cd --read-raw`), its TOC file converted to a
 * CUE sheet with toc2cue, giving `<base>.bin` (2352-byte frames),
 * `<base>.toc` (cdrdao's table of contents: pregaps, indices, CD-TEXT, ISRC)
 * and `<base>.cue` (the same for CUE-reading burners; no CD-TEXT) in `outDir`.
 *
 * cdrdao runs with stdin closed (it would otherwise wait for a key in some
 * prompts), in a fresh hidden work directory (`outDir/.<base>.master-XXXXXX`)
 * because it refuses to overwrite files; the FILE lines of both sheets are
 * rewritten to the final, relative `<base>.bin`, and the three files are
 * renamed into `outDir` only when both tools succeeded. On any failure or
 * cancel the work directory is removed and nothing is left in `outDir`.
 *
 * Success is exit code 0 plus `Reading of toc and track data finished
 * successfully.`: cdrdao prints `ERROR: Cannot get catalog number.` in
 * successful runs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DriveBusyError,
  DriveError,
  DriveGoneError,
  InvalidDeviceError,
  NoMediaError,
  ReadError,
  ToolError,
} from '../errors.js';
import type { CdrdaoCopyTrack, CdrdaoReadSummary } from '../parse/cdrdao-read-output.js';
import { parseCdrdaoReadOutput, parseCdrdaoReadProgress } from '../parse/cdrdao-read-output.js';
import { splitPieces } from '../parse/progress-pieces.js';
import { runTool, toolFailure } from '../tool-process.js';
import type { Spawner, ToolRun } from '../tool-process.js';
import type { MasterProgress } from './master-data.js';
import { InsufficientSpaceError, MasterOutputError } from './master-errors.js';
import { assertFreeSpace, moveIntoPlace, outputFailure, removeQuietly, throwIfCancelled } from './output-file.js';

/** Bytes of one raw CD frame in the BIN file. */
export const RAW_FRAME_BYTES = 2352;

export interface MasterAudioOptions {
  /** Cancels cdrdao/toc2cue (process group killed); rejects with `CancelledError`, nothing is left. */
  readonly signal?: AbortSignal;
  /** From cdrdao's `MM:SS:00` position reports; bytes are raw frames (2352 bytes). `unreadableSectors` is always 0. */
  readonly onProgress?: (progress: MasterProgress) => void;
  /** Directory for the work directory. Default `outDir` (same volume, atomic renames). */
  readonly tempDir?: string;
  /**
   * Frames the disc holds (e.g. `media().usedSectors`): enables the free-space
   * check (frames × 2352 + `minFreeBytes`) and gives progress a total before
   * cdrdao prints its TOC.
   */
  readonly expectedSectors?: number;
  /** Bytes that must stay free besides the image (with `expectedSectors`). Default 0. */
  readonly minFreeBytes?: number;
  /** Minimum milliseconds between progress reports. Default 250. */
  readonly progressIntervalMs?: number;
  /** Hash the BIN file when it is complete (one extra read of it). Default true. */
  readonly sha256?: boolean;
  /** Process starter (tests). */
  readonly spawner?: Spawner;
  /** Environment of the tools. */
  readonly env?: NodeJS.ProcessEnv;
  /** SIGTERM-to-SIGKILL grace on cancel. */
  readonly killGraceMs?: number;
}

export interface MasterAudioResult {
  readonly format: 'bin-cue';
  readonly binPath: string;
  readonly cuePath: string;
  /** cdrdao's TOC file: keeps CD-TEXT, which the CUE sheet cannot carry. */
  readonly tocPath: string;
  readonly bytes: number;
  /** Frames in the BIN (bytes / 2352). */
  readonly sectors: number;
  /** SHA-256 of the BIN, unless disabled. */
  readonly sha256?: string;
  /** Tracks as cdrdao copied them (`Copying … track` lines). */
  readonly tracks: readonly CdrdaoCopyTrack[];
  /** cdrdao `ERROR:` lines known to be harmless (`Cannot get catalog number.`). */
  readonly harmlessErrors: readonly string[];
  readonly durationMs: number;
}

/** The cdrdao argument array for a raw copy of `device` into `datafile` + `tocFile`. */
export function cdrdaoReadCdArgs(device: string, datafile: string, tocFile: string): string[] {
  return ['read-cd', '--read-raw', '--device', device, '--datafile', datafile, tocFile];
}

/** Replace the data file of every `FILE "…"` line of a CUE sheet with `binName`. */
export function rewriteCueFile(cue: string, binName: string): string {
  return cue.replace(/^(\s*FILE\s+)(?:"[^"]*"|\S+)/gm, (_m, lead: string) => `${lead}"${binName}"`);
}

/** Replace the file of every `DATAFILE "…"` / `FILE "…"` entry of a cdrdao TOC file with `binName`. */
export function rewriteTocFile(toc: string, binName: string): string {
  return toc.replace(/^(\s*(?:DATAFILE|FILE)\s+)"(?:[^"\\]|\\.)*"/gm, (_m, lead: string) => `${lead}"${binName}"`);
}

/** Map a failed `cdrdao read-cd` to a typed error. */
export function classifyCdrdaoReadFailure(run: ToolRun, summary: CdrdaoReadSummary, device: string): DriveError {
  const text = `${run.stdout}\n${run.stderr}`;
  const opts = { device, tool: toolFailure(run) };
  if (summary.unitNotReady || /medium not present|No medium found/.test(text)) {
    return new NoMediaError(`${device}: no disc in the drive (cdrdao: Unit not ready)`, opts);
  }
  if (/Device or resource busy/.test(text)) return new DriveBusyError(`${device} is busy: another process holds the drive`, opts);
  if (/Unable to open SCSI device .*No such file or directory/.test(text)) {
    return new DriveGoneError(`${device}: no such drive (cdrdao cannot open it)`, opts);
  }
  if (/Please use option '--device/.test(text) && /Cannot setup device/.test(text)) {
    return new InvalidDeviceError(`${device}: cdrdao cannot use this device`, opts);
  }
  if (/No space left on device/.test(text)) {
    return new InsufficientSpaceError(`${device}: the disk filled up while cdrdao wrote the image`, undefined, undefined, opts);
  }
  if (/exists, will not overwrite/.test(text)) {
    return new MasterOutputError(`${device}: cdrdao found its output file already there`, opts);
  }
  if (summary.readError || /Read error/.test(text)) {
    return new ReadError(`${device}: cdrdao could not read the disc near sector ${summary.positionSectors}`, summary.positionSectors, opts);
  }
  const last = summary.errors[summary.errors.length - 1] ?? `exit code ${String(run.exitCode)}`;
  return new ToolError(`${device}: cdrdao read-cd failed: ${last}`, opts);
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Master the CD in `device` (a real drive, `/dev/srN`) as `<baseName>.bin`,
 * `.toc` and `.cue` in `outDir`, replacing files of those names.
 *
 * Rejects with `NoMediaError`, `DriveBusyError`, `DriveGoneError`,
 * `ReadError` (cdrdao gave up on a sector; no damaged copy is kept),
 * `InsufficientSpaceError`, `MasterOutputError`, `ToolMissingError`,
 * `CancelledError` or `ToolError`.
 */
export async function masterAudioDisc(
  device: string,
  outDir: string,
  baseName: string,
  options: MasterAudioOptions = {},
): Promise<MasterAudioResult> {
  const started = Date.now();
  const { signal } = options;
  if (baseName === '' || baseName === '.' || baseName === '..' || /[/\0]/.test(baseName)) {
    throw new RangeError(`baseName must be a plain file name, got ${JSON.stringify(baseName)}`);
  }
  throwIfCancelled(signal, 'mastering', device);
  const dir = path.resolve(outDir);
  const binName = `${baseName}.bin`;
  const tocName = `${baseName}.toc`;
  const cueName = `${baseName}.cue`;
  const expected = options.expectedSectors;
  if (expected !== undefined) await assertFreeSpace(path.resolve(options.tempDir ?? dir), expected * RAW_FRAME_BYTES, options.minFreeBytes ?? 0, device);

  let work: string;
  try {
    work = await mkdtemp(path.join(path.resolve(options.tempDir ?? dir), `.${baseName}.master-`));
  } catch (err) {
    throw outputFailure(err, `cannot create a work directory in ${options.tempDir ?? dir}`, device);
  }
  const moved: string[] = [];
  try {
    // --- cdrdao read-cd ------------------------------------------------------
    let totalFrames = expected ?? 0;
    let rest = '';
    let lastReport = 0;
    const report = (frames: number, force: boolean): void => {
      if (!options.onProgress) return;
      const now = Date.now();
      if (!force && now - lastReport < (options.progressIntervalMs ?? 250)) return;
      lastReport = now;
      const bytesRead = frames * RAW_FRAME_BYTES;
      const bytesTotal = Math.max(totalFrames, frames) * RAW_FRAME_BYTES;
      const seconds = (now - started) / 1000;
      const speed = seconds > 0 ? bytesRead / 1e6 / seconds : 0;
      options.onProgress({
        bytesRead,
        bytesTotal,
        speedMBps: speed,
        etaSeconds: speed > 0 ? (bytesTotal - bytesRead) / 1e6 / speed : null,
        unreadableSectors: 0,
      });
    };
    const onOutput = (chunk: string): void => {
      const { pieces, rest: tail } = splitPieces(rest + chunk);
      rest = tail;
      for (const piece of pieces) {
        const leadout = /^Leadout\s+\S+\s+\d+\s+\d+:\d+:\d+\(\s*(\d+)\)/.exec(piece);
        if (leadout?.[1] !== undefined) {
          totalFrames = Number(leadout[1]);
          continue;
        }
        const position = parseCdrdaoReadProgress(piece);
        if (position !== null) report(position, false);
      }
    };
    const common = {
      cwd: work,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(signal === undefined ? {} : { signal }),
      ...(options.spawner === undefined ? {} : { spawner: options.spawner }),
      ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
    };
    const read = await runTool({
      program: 'cdrdao',
      args: cdrdaoReadCdArgs(device, binName, tocName),
      ...common,
      onStderr: onOutput,
      onStdout: onOutput,
    });
    const summary = parseCdrdaoReadOutput(`${read.stderr}\n${read.stdout}`);
    if (read.exitCode !== 0 || !summary.finishedSuccessfully) throw classifyCdrdaoReadFailure(read, summary, device);
    const workBin = path.join(work, binName);
    const workToc = path.join(work, tocName);
    const workCue = path.join(work, cueName);
    const binInfo = await stat(workBin).catch(() => null);
    const tocText = await readFile(workToc, 'latin1').catch(() => null);
    if (!binInfo?.isFile() || tocText === null) {
      throw new ToolError(`${device}: cdrdao reported success but did not leave ${binName} and ${tocName}`, { device, tool: toolFailure(read) });
    }
    throwIfCancelled(signal, 'mastering', device);

    // --- toc2cue ---------------------------------------------------------------
    const convert = await runTool({ program: 'toc2cue', args: [tocName, cueName], ...common });
    const cueText = await readFile(workCue, 'latin1').catch(() => null);
    if (convert.exitCode !== 0 || cueText === null) {
      throw new ToolError(`${device}: toc2cue could not convert the TOC file (exit ${String(convert.exitCode)})`, { device, tool: toolFailure(convert) });
    }
    try {
      await writeFile(workToc, rewriteTocFile(tocText, binName), 'latin1');
      await writeFile(workCue, rewriteCueFile(cueText, binName), 'latin1');
    } catch (err) {
      throw outputFailure(err, `cannot write the TOC/CUE files in ${work}`, device);
    }
    const sha256 = options.sha256 === false ? undefined : await sha256Of(workBin);
    throwIfCancelled(signal, 'mastering', device);

    // --- into place --------------------------------------------------------------
    for (const name of [binName, tocName, cueName]) {
      await moveIntoPlace(path.join(work, name), path.join(dir, name));
      moved.push(path.join(dir, name));
    }
    report(binInfo.size / RAW_FRAME_BYTES, true);
    return {
      format: 'bin-cue',
      binPath: path.join(dir, binName),
      cuePath: path.join(dir, cueName),
      tocPath: path.join(dir, tocName),
      bytes: binInfo.size,
      sectors: Math.floor(binInfo.size / RAW_FRAME_BYTES),
      ...(sha256 === undefined ? {} : { sha256 }),
      tracks: summary.tracks,
      harmlessErrors: summary.harmlessErrors,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    // A half-moved set is no image: take back what was moved.
    for (const file of moved) await removeQuietly(file);
    if (err instanceof DriveError) throw err;
    if (typeof (err as NodeJS.ErrnoException).code === 'string') throw outputFailure(err, `mastering to ${dir} failed`, device);
    throw err;
  } finally {
    await removeQuietly(work);
  }
}
