/**
 * A run's verify must be one its drives can do: a CUE image with audio
 * tracks on a drive that reads no audio back, or with Mode 2 Form 2
 * sectors, is refused when the run is created (422 VERIFY_IMPOSSIBLE), not
 * found out after a burn. The drives asked are the run's `drives`, else
 * every drive listed now, each by the kind its id names; a drive that cannot
 * burn the image at all (a `stdio:` target given a multi-track or non
 * MODE1/2048 sheet) is never offered its copies, so it is not asked.
 */
import { cueBurnableOn, cueVerifyProblem, cueVerifyRefusal, driveKindOfStableId, ImageError, readImage } from 'node-cdrecord-wrapper';
import type { CueTrackInfo, DriveKind } from 'node-cdrecord-wrapper';
import { ApiError } from './api-error.js';

/**
 * Throw `ApiError` 422 `VERIFY_IMPOSSIBLE` when a drive among `driveIds` cannot verify the CUE image at `imagePath`.
 * `storedTracks`: the record's tracks of an image stored as a CHD (its BINs are not in the library to read): checked by
 * track mode only; its Mode 2 Form 2 sectors are found by each agent on the staged BINs, before anything is burned.
 */
export async function refuseImpossibleVerify(imageId: string, imagePath: string, driveIds: readonly string[], storedTracks?: readonly CueTrackInfo[]): Promise<void> {
  let tracks: readonly Pick<CueTrackInfo, 'number' | 'mode'>[];
  try {
    tracks = storedTracks ?? (await readImage(imagePath, { expectFormat: 'cue' })).tracks;
  } catch (err) {
    throw new ApiError(422, 'IMAGE_ERROR', `image ${imageId} cannot be read: ${(err as Error).message}`, 'imageId');
  }
  const byKind = new Map<DriveKind, string>();
  for (const id of driveIds) {
    const kind = driveKindOfStableId(id);
    if (cueBurnableOn(tracks, kind) && !byKind.has(kind)) byKind.set(kind, id);
  }
  for (const [kind, drive] of byKind) {
    let problem: string | null;
    try {
      problem = storedTracks === undefined ? await cueVerifyRefusal(imagePath, kind) : cueVerifyProblem(tracks, kind);
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      throw new ApiError(422, 'IMAGE_ERROR', `image ${imageId} cannot be read: ${err.message}`, 'imageId');
    }
    if (problem !== null) {
      throw new ApiError(422, 'VERIFY_IMPOSSIBLE',
        `image ${imageId} cannot be verified on drive ${drive}: ${problem}; create the run with verify off, or with drives that can read it back`, 'verify');
    }
  }
}
