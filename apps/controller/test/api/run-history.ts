/**
 * Seeds a run history straight into the run store (no copy jobs): runs with
 * distinct creation times 1 ms apart, each with its meta, the first
 * `finished` of them ended (completed, cancelled or failed in turn) and the
 * rest left queued. Returns the ids, oldest first.
 */
import { RunStore } from '@tower/jobs';
import type { RunStatus } from '@tower/jobs';
import { RedisSchema } from '@tower/jobs';
import { RunMetaStore } from '../../src/api/run-meta.js';
import { runImageOf } from '../../src/library/index.js';
import type { Env } from './support.js';

const ENDINGS: readonly RunStatus[] = ['completed', 'cancelled', 'failed'];

/** Seed `finished` ended runs and `active` queued runs, created 1 ms apart from `base`. */
export async function seedRunHistory(env: Env, options: { prefix: string; finished: number; active: number; base: number }): Promise<string[]> {
  let t = options.base;
  const store = new RunStore(env.redis, { now: () => t });
  const meta = new RunMetaStore(env.redis, new RedisSchema());
  const ids: string[] = [];
  const total = options.finished + options.active;
  for (let i = 0; i < total; i++) {
    t = options.base + i;
    const id = `${options.prefix}-${String(i).padStart(4, '0')}`;
    const created = await store.createRun({
      id,
      image: runImageOf(env.image, env.library.imagePath(env.image.id)),
      mediaClass: 'cd', copies: 40, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 10,
    });
    if (!created) throw new Error(`run ${id} exists`);
    await meta.put(id, { imageId: env.image.id, imageName: env.image.name, label: `history run ${i} of ${total}`, createdBy: 'olga' });
    if (i < options.finished) await store.setRunStatus(id, ENDINGS[i % ENDINGS.length] ?? 'completed', { reason: 'seeded' });
    ids.push(id);
  }
  return ids;
}
