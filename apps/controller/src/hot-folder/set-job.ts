/**
 * A hot-folder job of a collated set run: its discs' images in order, as
 * library ids (`set.imageIds` in a `.json` job, `SetImageId=` lines in a
 * `.jrq`) or as paths inside the library's import roots (`set.imagePaths`,
 * `SetImageFile=` lines), each imported like `imagePath` is. Disc 1 is the
 * run's image, and the job's `copies` counts sets; the run is then checked
 * as `POST /api/runs` checks a set run.
 */
import type { CreateRunBody } from '../api/template-store.js';
import type { ImageLibrary } from '../library/index.js';
import { JobFileError } from './job-request.js';
import type { JobRequest, SetSource } from './job-request.js';

/** Most discs in a set (as the API allows). */
export const MAX_JOB_SET_DISCS = 99;

/** A set source checked: one kind of list (ids or paths), 1..99 discs. Throws `JobFileError`. */
export function checkedSet(set: { readonly imageIds?: readonly string[] | undefined; readonly imagePaths?: readonly string[] | undefined }): SetSource {
  const { imageIds, imagePaths } = set;
  if ((imageIds === undefined) === (imagePaths === undefined)) throw new JobFileError('set: give imageIds or imagePaths (the discs in order), one of them');
  const list = imageIds ?? imagePaths ?? [];
  if (list.length === 0 || list.length > MAX_JOB_SET_DISCS) throw new JobFileError(`set: 1..${MAX_JOB_SET_DISCS} discs, got ${list.length}`);
  return imageIds !== undefined ? { imageIds: [...imageIds] } : { imagePaths: [...list] };
}

/**
 * The create request of a set job: each disc's library image (imported from
 * its path, in order; `onImported` told of each), disc 1 as the run's image.
 */
export async function setJobBody(
  library: ImageLibrary, set: SetSource, settings: JobRequest['settings'], copies: number, onImported: (path: string, imageId: string) => void,
): Promise<CreateRunBody> {
  let ids: string[];
  if ('imageIds' in set) ids = [...set.imageIds];
  else {
    ids = [];
    for (const p of set.imagePaths) {
      const image = await library.importFromPath(p);
      onImported(p, image.id);
      ids.push(image.id);
    }
  }
  const [first] = ids;
  if (first === undefined) throw new JobFileError('set: no disc');
  return { ...settings, copies, imageId: first, set: { imageIds: ids } };
}

/**
 * A `.jrq`'s set: its `SetImageId=` lines (library ids) or `SetImageFile=`
 * lines (paths inside the import roots), in order, one disc each; undefined
 * when it has none. Throws `JobFileError` in the JRQ's words.
 */
export function jrqSet(ids: readonly string[], files: readonly string[]): SetSource | undefined {
  if (ids.length === 0 && files.length === 0) return undefined;
  if (ids.length > 0 && files.length > 0) throw new JobFileError('SetImageId and SetImageFile: give a set\'s discs one way, all by SetImageId= or all by SetImageFile= lines');
  const n = ids.length + files.length;
  if (n > MAX_JOB_SET_DISCS) throw new JobFileError(`SetImageId/SetImageFile: a set has at most ${MAX_JOB_SET_DISCS} discs, got ${n}`);
  for (const id of ids) if (!/^[a-z0-9][a-z0-9-]{2,63}$/.test(id)) throw new JobFileError(`SetImageId: not an image id: '${id.slice(0, 80)}'`);
  for (const f of files) if (f === '' || f.length > 4096) throw new JobFileError('SetImageFile: a path of 1..4096 characters');
  return ids.length > 0 ? { imageIds: [...ids] } : { imagePaths: [...files] };
}
