/**
 * Which blank media a run's copies go on. An operator may name the class;
 * otherwise a small image goes on what the tower holds: the smallest class
 * the image fits among those the drives hold blanks of now (a 4 MB image on
 * a tower loaded with DVD+R goes on DVD), else the smallest class it fits.
 */
import { MEDIA_SIZES, mediaClassOf } from 'node-cdrecord-wrapper/media';
import type { MediaClass } from 'node-cdrecord-wrapper/media';
import type { MediaType } from 'node-cdrecord-wrapper';
import { ApiError } from './api-error.js';

/** The classes an image fits (from the library's media sizes), smallest first. */
export function classesOfSizes(mediaSizes: readonly string[]): MediaClass[] {
  const classes: MediaClass[] = [];
  for (const m of MEDIA_SIZES) if (mediaSizes.includes(m.size) && !classes.includes(m.mediaClass)) classes.push(m.mediaClass);
  return classes;
}

/**
 * The run's media class. `requested` must be one the image fits (else 422);
 * `heldMedia` are the media types the tower's drives hold now (blank or not).
 */
export function chooseMediaClass(imageId: string, mediaSizes: readonly string[], requested: MediaClass | undefined, heldMedia: readonly (string | null)[]): MediaClass {
  const fits = classesOfSizes(mediaSizes);
  if (fits.length === 0) throw new ApiError(422, 'IMAGE_TOO_LARGE', `image ${imageId} fits no media class`, 'imageId');
  if (requested !== undefined) {
    if (!fits.includes(requested)) throw new ApiError(422, 'INVALID_INPUT', `media: image ${imageId} does not go on ${requested} media; it fits ${fits.join(', ')}`, 'media');
    return requested;
  }
  const held = new Set(heldMedia.filter((t): t is string => t !== null).map((t) => mediaClassOf(t as MediaType)));
  return fits.find((c) => held.has(c)) ?? (fits[0] as MediaClass);
}
