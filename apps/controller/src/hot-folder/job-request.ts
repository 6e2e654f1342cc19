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

/** What a job file asks for. */
export interface JobRequest {
  /** Exactly one of these names the image. */
  readonly source: { readonly imageId: string } | { readonly imagePath: string } | { readonly template: string };
  /** The run's settings (for a template: its overrides); no `imageId`. */
  readonly settings: Partial<Omit<CreateRunBody, 'imageId'>>;
  /** What of the file was read but not acted on (keys of features not built yet), for the status file. */
  readonly notes: readonly string[];
}

/** A job's image source and settings, checked: one source, and copies unless a template gives them. */
export function checkedJob(
  given: { readonly imageId?: string | undefined; readonly imagePath?: string | undefined; readonly template?: string | undefined },
  settings: JobRequest['settings'],
  notes: readonly string[],
): JobRequest {
  const named = (['imageId', 'imagePath', 'template'] as const).filter((k) => given[k] !== undefined);
  if (named.length !== 1) {
    throw new JobFileError(named.length === 0 ? 'no image: give imageId, imagePath or template' : `give one of ${named.join(', ')}, not ${named.length}`);
  }
  if (given.template === undefined && settings.copies === undefined) throw new JobFileError('copies: required (1..10000) unless a template gives it');
  const source = given.imageId !== undefined ? { imageId: given.imageId } : given.imagePath !== undefined ? { imagePath: given.imagePath } : { template: given.template as string };
  return { source, settings, notes };
}
