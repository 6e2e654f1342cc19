/**
 * A collated set run's discs from the library (`POST /api/runs` with
 * `set.imageIds`): each image known and safe to burn, disc 1 the run's own
 * image, and every disc going on the run's media class (the class chosen for
 * disc 1, or the one asked for). Checked before anything is written.
 */
import { access } from 'node:fs/promises';
import { MAX_COPIES } from '@tower/jobs';
import type { RunImage } from '@tower/jobs';
import type { MediaClass } from 'node-cdrecord-wrapper/media';
import type { ImageLibrary, ImageRecord, MalwareScanPolicy } from '../library/index.js';
import { runImageOf } from '../library/index.js';
import { ApiError, invalidInput, notFound } from './api-error.js';
import { refuseUnsafeImage } from './run-malware-check.js';
import { classesOfSizes } from './run-media-class.js';
import { refuseImpossibleVerify } from './run-verify-check.js';

/** A set run's discs, resolved. */
export interface SetImages {
  readonly imageIds: readonly string[];
  readonly images: readonly RunImage[];
  readonly records: readonly ImageRecord[];
}

/**
 * Resolve a set's library images; throws `ApiError` naming `set.imageIds[i]`
 * (404 an unknown image, 400 disc 1 not the run's image or more than 10000
 * discs in all, 422 a disc that does not go on `mediaClass`, or an unsafe
 * one as for a plain run).
 */
export function setImagesOf(
  library: ImageLibrary, imageIds: readonly string[], sets: number, runImageId: string, mediaClass: MediaClass, policy: MalwareScanPolicy,
): SetImages {
  if (sets * imageIds.length > MAX_COPIES) throw invalidInput('copies', `${sets} sets of ${imageIds.length} discs is ${sets * imageIds.length} discs; at most ${MAX_COPIES}`);
  if (imageIds[0] !== runImageId) throw invalidInput('set.imageIds', 'set.imageIds[0]: disc 1 of the set is the run\'s image (imageId)');
  const records = imageIds.map((id, i) => {
    const record = library.get(id);
    if (record === undefined) throw notFound('image', id, `set.imageIds[${i}]`);
    refuseUnsafeImage(record, policy);
    const sizes = record.format === 'cue' ? record.mediaSizes.filter((m) => m.startsWith('cd')) : record.mediaSizes;
    const fits = classesOfSizes(sizes);
    if (!fits.includes(mediaClass)) {
      throw new ApiError(422, 'SET_MEDIA_MISMATCH', `set.imageIds[${i}]: disc ${i + 1} (image ${id}) does not go on ${mediaClass} media like disc 1; it fits ${fits.join(', ') || 'no media'}. A set's discs go on one media class: give media for one they all fit`, `set.imageIds[${i}]`);
    }
    return record;
  });
  return { imageIds: [...imageIds], records, images: records.map((r) => runImageOf(r, library.imagePath(r.id))) };
}

/** A set run with per-disc data (`merge`): every disc is an ISO 9660 image (the row's files are added to each); else 400 naming the disc. */
export function refuseSetMerge(set: SetImages): void {
  set.records.forEach((r, i) => {
    if (r.format !== 'iso') throw invalidInput(`set.imageIds[${i}]`, `set.imageIds[${i}]: disc ${i + 1} (image ${r.id}) is a ${r.format.toUpperCase()} image: per-disc data (merge) goes on ISO 9660 images only`);
  });
}

/** A CUE disc of the set whose verify no drive can do: refused as for a plain run. */
export async function refuseImpossibleSetVerify(set: SetImages, library: ImageLibrary, driveIds: readonly string[]): Promise<void> {
  for (const r of set.records) if (r.format === 'cue') await refuseImpossibleVerify(r.id, library.imagePath(r.id), driveIds, r.storage === undefined ? undefined : r.tracks);
}

/** Whether every disc's image is still in the library and on disk. */
export async function setImagesStillThere(set: SetImages, library: ImageLibrary): Promise<boolean> {
  for (const [i, r] of set.records.entries()) {
    if (library.get(r.id) === undefined) return false;
    // A compressed library image is burned from its stored file (when the run image names one).
    const stored = (set.images[i] as { readonly stored?: { readonly path: string } } | undefined)?.stored;
    const file = stored?.path ?? library.imagePath(r.id);
    if (!(await access(file).then(() => true, () => false))) return false;
  }
  return true;
}
