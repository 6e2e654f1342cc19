/**
 * Whether an unfinished run uses an image: the library asks before deleting.
 */
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { RunStore } from '@tower/jobs';
import { ControllerKeys } from './controller-keys.js';
import { RunMetaStore } from './run-meta.js';
import { isRunActive } from './views/run-view.js';

/** The ids of images used by unfinished runs (by the run's meta, or its image file name `{imageId}.iso|.cue`). */
export async function imagesInUse(runStore: RunStore, redis: Redis, keys = new ControllerKeys(runStore.keys.prefix)): Promise<Set<string>> {
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
