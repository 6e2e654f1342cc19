/**
 * What a hot folder's job file asks for, whatever its format: the image's
 * source and the run's settings, checked, or the reason it cannot be a run.
 */
import type { CreateRunBody } from '../api/template-store.js';

/** A job file that cannot become a run; `message` says why. */
export class JobFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFileError';
  }
}

/** One source of an image the hot folder builds (a `.jrq`'s `Data=` line). */
export interface DataSource {
  /** The file or folder, as given (resolved inside the import roots when the job is taken). */
  readonly source: string;
  /** Where on the disc, `/`-separated and relative (`''`: a folder's contents at the root, a file under its own name). */
  readonly discPath: string;
}

/** A collated set run's discs in order (set-job.ts): library ids, or paths inside the import roots (imported). */
export type SetSource = { readonly imageIds: readonly string[] } | { readonly imagePaths: readonly string[] };

/** What a job file asks for. */
export interface JobRequest {
  /**
   * Exactly one of these names the image; `data`: files and folders inside
   * the import roots the hot folder builds an image of first (a `.jrq`'s
   * `Data=` lines), named `volumeName`.
   */
  readonly source: { readonly imageId: string } | { readonly imagePath: string } | { readonly template: string }
    | { readonly data: readonly DataSource[]; readonly volumeName: string }
    /** A collated set run: its discs, disc 1 being the run's image; `copies` counts sets. */
    | { readonly set: SetSource };
  /** The run's settings (for a template: its overrides); no `imageId`. */
  readonly settings: Partial<Omit<CreateRunBody, 'imageId'>>;
  /** What of the file was read but not acted on (keys of features not built yet), for the status file. */
  readonly notes: readonly string[];
}

/** A job's image source and settings, checked: one source, and copies unless a template gives them. */
export function checkedJob(
  given: {
    readonly imageId?: string | undefined; readonly imagePath?: string | undefined; readonly template?: string | undefined;
    readonly data?: { readonly sources: readonly DataSource[]; readonly volumeName: string } | undefined;
    readonly set?: SetSource | undefined;
  },
  settings: JobRequest['settings'],
  notes: readonly string[],
): JobRequest {
  const named = (['imageId', 'imagePath', 'template', 'data', 'set'] as const).filter((k) => given[k] !== undefined);
  if (named.length !== 1) {
    throw new JobFileError(named.length === 0 ? 'no image: give imageId, imagePath or template' : `give one of ${named.join(', ')}, not ${named.length}`);
  }
  if (given.set !== undefined) {
    if (settings.copies === undefined) throw new JobFileError('copies: required (1..10000): the complete sets wanted');
    return { source: { set: given.set }, settings, notes };
  }
  if (given.template === undefined && settings.copies === undefined) throw new JobFileError('copies: required (1..10000) unless a template gives it');
  const source: JobRequest['source'] = given.imageId !== undefined ? { imageId: given.imageId } : given.imagePath !== undefined ? { imagePath: given.imagePath }
    : given.data !== undefined ? { data: given.data.sources, volumeName: given.data.volumeName } : { template: given.template as string };
  return { source, settings, notes };
}
