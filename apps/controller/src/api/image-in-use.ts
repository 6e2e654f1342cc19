/**
 * Whether an unfinished run uses an image: the library asks before deleting.
 *
 * The fact that decides it is kept in Redis, with the runs: the run store
 * writes a run and its image's run set in one script, and a delete first
 * claims the image in one script that finds no unfinished run in that set
 * (`claimImageForDelete`); while the claim is held the run store refuses runs
 * of the image. So a delete and a run creation racing for one image never
 * both go ahead. `imagesInUse` also looks at every run (their meta and image
 * paths), for runs stored before the image run sets existed.
 */
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { RunStore } from '@tower/jobs';
import { ImageInUseError } from '../library/index.js';
import { conflict } from './api-error.js';
import { RedisSchema } from '@tower/jobs';
import { RunMetaStore } from './run-meta.js';
import { isRunActive } from './views/run-view.js';

/** The ids of images used by unfinished runs (by the run's meta, or its image file name `{imageId}.iso|.cue`). */
export async function imagesInUse(runStore: RunStore, redis: Redis, keys = new RedisSchema(runStore.keys.prefix)): Promise<Set<string>> {
  const ids = await runStore.listRunIds();
  const runs = await Promise.all(ids.map((id) => runStore.getRun(id)));
  const active = runs.filter((r): r is NonNullable<typeof r> => r !== null && isRunActive(r));
  const metas = await new RunMetaStore(redis, keys).getMany(active.map((r) => r.id));
  const used = new Set<string>();
  for (const run of active) {
    const meta = metas.get(run.id);
    if (meta !== undefined && meta.imageId !== '') used.add(meta.imageId);
    const stem = /^(.+)\.(iso|cue)$/.exec(path.basename(run.image.path))?.[1];
    if (stem !== undefined) used.add(stem);
  }
  return used;
}

/**
 * `isInUse` for `ImageLibrary`: true when any unfinished run (queued,
 * running, paused) uses the image. Give it to the library in main.ts:
 * `ImageLibrary.open({ ..., isInUse: imageInUse(runStore, redis) })`.
 */
export function imageInUse(runStore: RunStore, redis: Redis): (imageId: string) => Promise<boolean> {
  return async (imageId) => (await imagesInUse(runStore, redis)).has(imageId);
}

/**
 * `claimForDelete` for `ImageLibrary`: claim the image in Redis, refused with
 * `ImageInUseError` while an unfinished run uses it (409 IMAGE_IN_USE) or
 * 409 IMAGE_DELETING while another delete holds it; resolves with the release.
 * `ImageLibrary.open({ ..., claimForDelete: claimImageForDelete(runStore) })`.
 */
export function claimImageForDelete(runStore: RunStore): (imageId: string) => Promise<() => Promise<void>> {
  return async (imageId) => {
    const claim = await runStore.claimImageDelete(imageId);
    if (!claim.ok) {
      if (claim.reason === 'in-use') throw new ImageInUseError(imageId);
      throw conflict(`image ${imageId} is already being deleted`, 'IMAGE_DELETING');
    }
    return () => runStore.releaseImageDelete(imageId, claim.token);
  };
}
