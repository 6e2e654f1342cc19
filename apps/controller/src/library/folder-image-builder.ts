/**
 * Images built from a folder inside the import roots: checked first (the
 * folder and every link in it resolve inside the roots, no special files,
 * options that can be honoured, a size that fits the chosen media, asked of
 * the image tool itself), then written by xorriso or genisoimage
 * (folder-image-tool.ts) to a temporary file in the library's folder, then
 * the folder compared with the snapshot taken before: any change (or the
 * tool's own message about a changed file) refuses the image with
 * `FolderChangedError`. Only then does the library take the file, validated
 * and hashed like a mastered image; on any failure nothing is kept.
 */
import { lstat, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { MEDIA_SIZES } from 'node-cdrecord-wrapper/media';
import type { MediaClass } from 'node-cdrecord-wrapper/media';
import { tempPath } from './atomic-file.js';
import { BuildFolderError, BuildOptionsError, BuildToolError, BuildTooLargeForMediaError, FolderChangedError } from './build-errors.js';
import { ImportPathError } from './errors.js';
import type { Graft, ImageToolOptions } from './folder-image-tool.js';
import { estimateSectors, imageToolCommand, runImageTool, volumeIdOf } from './folder-image-tool.js';
import type { TreeSnapshot } from './folder-tree.js';
import { snapshotGrafts, snapshotTree, treeChanges } from './folder-tree.js';
import type { ImageLibrary } from './image-library.js';
import type { ImageRecord } from './image-record.js';
import { checkImageName } from './image-record.js';
import { InvalidImageNameError } from './errors.js';
import { hasDotDot, isInside } from './paths.js';

/** Largest file genisoimage can store with its true size in ISO 9660 (so with `udf`). */
export const MAX_UDF_BRIDGE_FILE_BYTES = 0xffff_ffff;
/** Longest Joliet name with `-joliet-long`, in UTF-16 code units. */
export const MAX_JOLIET_NAME = 103;

/** What to build. */
export interface FolderBuildRequest {
  /** The folder, absolute or relative to the first import root (with `sources`: only for messages). */
  readonly folder: string;
  /**
   * Instead of `folder`: files and folders inside the import roots, each at
   * its path on the disc (`''`: a folder's contents at the root, a file
   * under its own name). Not with `boot`; two sources at one place refused.
   */
  readonly sources?: readonly { readonly path: string; readonly discPath: string }[];
  readonly name: string;
  readonly joliet?: boolean;
  readonly rockRidge?: boolean;
  readonly udf?: boolean;
  /** The boot image, a file inside the folder (relative path). */
  readonly boot?: string;
  /** Media the image must fit (default: the largest, a BD DL). */
  readonly media?: MediaClass;
  /** Who asked, for the record. */
  readonly by?: string;
}

/** A request checked and measured, ready to build. */
export interface PreparedBuild {
  readonly request: FolderBuildRequest;
  /** Real path of the folder (with sources: the real paths, comma-separated). */
  readonly folder: string;
  /** With `sources`: each real path and where it goes on the disc. */
  readonly grafts?: readonly Graft[];
  readonly tool: ImageToolOptions;
  readonly snapshot: TreeSnapshot;
  /** The image's size in 2048-byte sectors, as the tool estimated it. */
  readonly sectors: number;
}

/** What a build reports while it goes. */
export interface BuildHooks {
  /** Percent done (0..100) as the tool prints it. */
  readonly onProgress?: (percent: number) => void;
  readonly signal?: AbortSignal;
}

/** Capacity in sectors of a media class: its largest size (the rule by which the library gives an image its class). */
export function capacityOf(media: MediaClass): number {
  return Math.max(...MEDIA_SIZES.filter((m) => m.mediaClass === media).map((m) => m.sectors));
}

/** Builds images from folders into one library. */
export class FolderImageBuilder {
  constructor(private readonly library: ImageLibrary) {}

  /** Check and measure a request; throws the refusal, having built nothing. */
  async prepare(request: FolderBuildRequest, signal?: AbortSignal): Promise<PreparedBuild> {
    const name = checkImageName(request.name);
    if (!name.ok) throw new InvalidImageNameError(`bad name: ${name.reason}`);
    const roots = await this.library.roots.realRoots();
    const grafts = request.sources === undefined ? undefined : await this.resolveSources(request.sources, request.boot);
    const folder = grafts === undefined ? await this.resolveFolder(request.folder) : grafts.map((g) => g.real).join(', ');
    const snapshot = grafts === undefined ? await snapshotTree(folder, roots, request.folder) : await snapshotGrafts(grafts, roots);
    if (snapshot.files === 0) throw new BuildFolderError(request.folder, 'the folder holds no files');
    const tool: ImageToolOptions = {
      joliet: request.joliet ?? false, rockRidge: request.rockRidge ?? false, udf: request.udf ?? false,
      volumeId: volumeIdOf(name.name), ...(request.boot === undefined ? {} : { boot: checkBoot(request.boot, snapshot) }),
    };
    checkNames(tool, snapshot);
    if (tool.udf && snapshot.largest !== null && snapshot.largest.bytes > MAX_UDF_BRIDGE_FILE_BYTES) {
      throw new BuildOptionsError(
        `${snapshot.largest.path} is ${snapshot.largest.bytes} bytes: with --udf (genisoimage's UDF bridge) a file of 4 GiB or more would get a wrong size in ISO 9660; `
        + 'build without --udf: ISO 9660 level 3 stores it whole, in several extents',
      );
    }
    const sectors = await estimateSectors(grafts ?? folder, tool, signal);
    const media = request.media ?? 'bd-dl';
    if (sectors > capacityOf(media)) throw new BuildTooLargeForMediaError(sectors, capacityOf(media), media);
    return { request: { ...request, name: name.name }, folder, ...(grafts === undefined ? {} : { grafts }), tool, snapshot, sectors };
  }

  /** Build a prepared image into the library. Refusals: `FolderChangedError`, `BuildToolError`, the library's own. */
  async build(prepared: PreparedBuild, hooks: BuildHooks = {}): Promise<ImageRecord> {
    const output = tempPath(await this.library.realDir(), '.iso');
    try {
      const command = imageToolCommand(prepared.grafts ?? prepared.folder, output, prepared.tool);
      // A failed tool is reported after the folder is compared: a change is the better reason.
      const result = await runImageTool(command, hooks).catch((err: unknown) => {
        if (err instanceof BuildToolError) return err;
        throw err;
      });
      const roots = await this.library.roots.realRoots();
      const after = await (prepared.grafts === undefined ? snapshotTree(prepared.folder, roots, prepared.request.folder) : snapshotGrafts(prepared.grafts, roots)).catch((err: unknown) => {
        if (err instanceof BuildFolderError || (err as NodeJS.ErrnoException).code === 'ENOENT') throw new FolderChangedError([(err as Error).message]);
        throw err;
      });
      const changes = [...result.changed, ...treeChanges(prepared.snapshot, after)];
      if (changes.length > 0) throw new FolderChangedError(changes);
      if (result instanceof BuildToolError) throw result;
      const { joliet, rockRidge, udf, boot } = prepared.tool;
      return await this.library.addMasteredImage(output, {
        format: 'iso',
        name: prepared.request.name,
        allowDamaged: false,
        provenance: {
          kind: 'built', folder: prepared.folder, at: new Date().toISOString(), command: [command.program, ...command.args],
          options: { joliet, rockRidge, udf, ...(boot === undefined ? {} : { boot }) }, ...(prepared.request.by === undefined ? {} : { by: prepared.request.by }),
        },
      });
    } finally {
      await rm(output, { force: true });
    }
  }

  private async resolveSources(sources: NonNullable<FolderBuildRequest['sources']>, boot: string | undefined): Promise<Graft[]> {
    if (boot !== undefined) throw new BuildOptionsError('--boot goes only with one folder, not with several sources');
    if (sources.length === 0) throw new BuildOptionsError('no file or folder to build from');
    const libraryDir = await this.library.realDir();
    const grafts: Graft[] = [];
    for (const s of sources) {
      if (s.discPath.split('/').some((p) => p === '..' || p === '.' || p === '') && s.discPath !== '') throw new BuildOptionsError(`'${s.discPath}' is not a path on the disc`);
      const real = await this.library.roots.resolve(s.path).catch((err: unknown) => {
        throw err instanceof ImportPathError ? new BuildFolderError(s.path, err.message.replace(/^cannot import [^:]*: /, '')) : err;
      });
      const info = await lstat(real);
      if (!info.isDirectory() && !info.isFile()) throw new BuildFolderError(s.path, 'not a file or folder');
      if (isInside(real, libraryDir) || isInside(libraryDir, real)) throw new BuildFolderError(s.path, "it holds the image library's folder or lies in it");
      // A file at the root goes under its own name.
      grafts.push({ real, discPath: info.isFile() && s.discPath === '' ? path.basename(real) : s.discPath });
    }
    return grafts;
  }

  private async resolveFolder(requested: string): Promise<string> {
    const folder = await this.library.roots.resolve(requested).catch((err: unknown) => {
      throw err instanceof ImportPathError ? new BuildFolderError(requested, err.message.replace(/^cannot import [^:]*: /, '')) : err;
    });
    if (!(await stat(folder)).isDirectory()) throw new BuildFolderError(requested, 'not a folder');
    const libraryDir = await this.library.realDir();
    if (isInside(folder, libraryDir) || isInside(libraryDir, folder)) throw new BuildFolderError(requested, "it holds the image library's folder or lies in it");
    return folder;
  }
}

function checkBoot(boot: string, snapshot: TreeSnapshot): string {
  const rel = boot.replace(/^\.\//, '');
  if (rel === '' || rel.startsWith('/') || rel.startsWith('-') || rel.includes('\\') || rel.includes('\0') || hasDotDot(rel)) {
    throw new BuildOptionsError(`--boot must be a relative path of a file inside the folder, got '${boot}'`);
  }
  if (snapshot.entries.get(rel)?.kind !== 'file') throw new BuildOptionsError(`--boot: ${rel} is not a file in the folder`);
  if (snapshot.entries.has('boot.catalog')) throw new BuildOptionsError('--boot: the folder holds a boot.catalog at its top, the name the El Torito catalog takes');
  return rel;
}

/** Joliet without Rock Ridge would cut longer names short: refused, so names come through intact. */
function checkNames(tool: ImageToolOptions, snapshot: TreeSnapshot): void {
  if (!tool.joliet || tool.rockRidge) return;
  for (const rel of snapshot.entries.keys()) {
    const base = rel.split('/').pop() ?? rel;
    if (base.length > MAX_JOLIET_NAME) {
      throw new BuildOptionsError(`${rel}: a name longer than ${MAX_JOLIET_NAME} characters does not fit Joliet; add Rock Ridge (--rock-ridge) or shorten it`);
    }
  }
}
