/**
 * A library image's delete against the runs that use it: a delete claims the
 * image (refused while an unfinished run uses it), and a run of an image
 * being or already deleted is refused with `RunImageGoneError`.
 */

/** A run was asked for a library image that is being deleted, or was deleted meanwhile. */
export class RunImageGoneError extends Error {
  readonly code = 'IMAGE_GONE';
  constructor(readonly imageId: string, readonly reason: 'deleting' | 'deleted') {
    super(reason === 'deleting' ? `image ${imageId} is being deleted` : `image ${imageId} was deleted`);
    this.name = 'RunImageGoneError';
  }
}

/** Result of `claimImageDelete`. */
export type ImageDeleteClaim =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly reason: 'in-use'; readonly runId: string }
  | { readonly ok: false; readonly reason: 'deleting' };

/** How long a delete's claim on an image outlives a controller that died holding it, ms. */
export const IMAGE_DELETE_CLAIM_TTL_MS = 10 * 60_000;
