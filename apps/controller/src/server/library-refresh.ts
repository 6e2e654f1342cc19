/**
 * Keeps the controller's library index in step with masters written by an
 * agent in another process: when a master is done with an image the index
 * does not know, the library folder is re-read.
 */
import { Redis } from 'ioredis';
import type { RedisConnectivity } from '@tower/jobs';
import { parseMasterEvent, toLogger } from '@tower/jobs';
import type { LogSink, RedisSchema } from '@tower/jobs';
import type { ImageLibrary } from '../library/index.js';

/**
 * Subscribe to master events and rebuild the library index when an unknown
 * image arrives. Returns a stop function. `connectivity` logs an outage of
 * the subscriber connection (once, with the controller's other connections).
 */
export async function watchMasteredImages(
  redisUrl: string, redis: Redis, keys: RedisSchema, library: ImageLibrary, sink: LogSink, connectivity?: RedisConnectivity,
): Promise<() => Promise<void>> {
  const log = toLogger(sink);
  const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
  connectivity?.watch(sub, 'library refresh');
  let chain: Promise<void> = Promise.resolve();
  sub.on('error', () => undefined);
  sub.on('message', (_channel: string, text: string) => {
    const event = parseMasterEvent(text);
    if (event === null) return;
    chain = chain.then(async () => {
      const imageId = await redis.hget(keys.master(event.masterId), 'imageId');
      if (imageId === null || imageId === '' || library.get(imageId) !== undefined) return;
      await library.rebuild();
      log.info(`library re-read for mastered image ${imageId}${library.get(imageId) === undefined ? ' (not found in the folder: is it shared with the agent?)' : ''}`);
    }).catch((err: unknown) => log.error(`library refresh: ${(err as Error).message}`));
  });
  await sub.subscribe(keys.masterEvents());
  return async () => {
    await chain;
    await sub.quit().catch(() => undefined);
  };
}
