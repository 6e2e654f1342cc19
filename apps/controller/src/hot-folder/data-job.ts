/**
 * A `.jrq` job of `Data=` lines: the hot folder builds its image into the
 * library first (library/folder-image-builder.ts: the folder checked inside
 * the import roots, links out and special files refused, measured against
 * the media, written by xorriso with Joliet and Rock Ridge, compared with
 * the sources after), then starts the run from it. Every `Data=` line is a
 * graft: a folder's contents at the disc's root (or in the folder named
 * after `>`), a file at the root under its name (or the name after `>`);
 * two lines putting something at one place are refused. While it builds,
 * the job's status file says `building` with the percent.
 */
import type { MediaClass } from 'node-cdrecord-wrapper/media';
import type { ImageLibrary, ImageRecord } from '../library/index.js';
import { FolderImageBuilder } from '../library/index.js';
import type { DataSource } from './job-request.js';
import { JobFileError } from './job-request.js';

/** What a data job builds. */
export interface DataBuild {
  readonly sources: readonly DataSource[];
  /** Image name and volume label (its ISO 9660 form: capitals, at most 32). */
  readonly volumeName: string;
  /** Media the image must fit (default: the largest, a BD DL). */
  readonly media?: MediaClass | undefined;
  readonly by: string;
}

/** Build a data job's image into `library`; `onProgress` with the percent as the tool prints it. Throws the builder's refusals. */
export async function buildDataImage(library: ImageLibrary, job: DataBuild, onProgress: (percent: number, estimatedBytes: number) => void, signal?: AbortSignal): Promise<ImageRecord> {
  const [first] = job.sources;
  if (first === undefined) throw new JobFileError('Data: no file or folder given');
  const builder = new FolderImageBuilder(library);
  const prepared = await builder.prepare({
    folder: first.source, sources: job.sources.map((d) => ({ path: d.source, discPath: d.discPath })),
    name: job.volumeName, joliet: true, rockRidge: true, by: job.by, ...(job.media === undefined ? {} : { media: job.media }),
  }, signal);
  const estimatedBytes = prepared.sectors * 2048;
  onProgress(0, estimatedBytes);
  return builder.build(prepared, { onProgress: (p) => onProgress(p, estimatedBytes), ...(signal === undefined ? {} : { signal }) });
}
