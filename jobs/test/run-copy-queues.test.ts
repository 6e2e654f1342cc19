/**
 * Removing a cancelled run's queued copies from its class's copy queue, which
 * other runs share: by the jobs' ids, without reading each job.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { startEmbeddedRedis } from '../src/embedded-redis.js';
import type { EmbeddedRedis } from '../src/embedded-redis.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { copyJobId } from '../src/queue-names.js';
import { LIVE_STATES, RunCopyQueues } from '../src/run-copy-queues.js';
import { makeTempDir } from '../../drivers/test/support/test-images.js';

let redis: EmbeddedRedis;
let client: Redis;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = makeTempDir('tower-copy-queues-');
  cleanup = tmp.cleanup;
  redis = await startEmbeddedRedis({ dataDir: `${tmp.dir}/redis` });
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await client?.quit();
  await redis?.stop();
  cleanup?.();
});

/** A connection that counts the commands sent on it, by name. */
function countingConnection(): { readonly connection: Redis; readonly sent: Map<string, number> } {
  const connection = client.duplicate();
  const sent = new Map<string, number>();
  const send = connection.sendCommand.bind(connection);
  connection.sendCommand = (command, stream) => {
    sent.set(command.name, (sent.get(command.name) ?? 0) + 1);
    return send(command, stream);
  };
  return { connection, sent };
}

describe('RunCopyQueues.removeQueued', () => {
  it("removes every queued copy of one run (waiting, prioritized, delayed) and nothing of another run's, reading no job", async () => {
    const schema = new RedisSchema();
    const { connection, sent } = countingConnection();
    const queues = new RunCopyQueues({ connection, schema, onError: (e) => { throw e; } });
    await queues.open();
    const queue = queues.queue('cd');
    const cancelled = randomUUID();
    const other = randomUUID();
    const add = async (runId: string, from: number, count: number, opts: { priority?: number; delay?: number } = {}): Promise<void> => {
      const jobs = Array.from({ length: count }, (_, k) => ({
        name: 'copy',
        data: { runId, copy: from + k },
        opts: { jobId: copyJobId(runId, from + k), ...opts },
      }));
      await queue.addBulk(jobs);
    };
    await add(cancelled, 0, 1200);
    await add(cancelled, 1200, 300, { priority: 5 });
    await add(cancelled, 1500, 50, { delay: 60_000 });
    await add(other, 0, 20);
    await add(other, 20, 10, { delay: 60_000 });
    // A copy of the cancelled run a drive holds: not queued, so not removed here (its drive finds the run cancelled).
    const worker = new Worker(queue.name, null, { connection: client.duplicate(), autorun: false });
    const held = await worker.getNextJob('drive-token');
    expect(held?.id).toBe(copyJobId(cancelled, 0));

    sent.clear();
    await queues.removeQueued({ id: cancelled, mediaClass: 'cd' });
    // Its ids, then a removal each: no job read whole (HGETALL).
    expect(sent.get('hgetall') ?? 0).toBe(0);

    const left = await queue.getRanges([...LIVE_STATES], 0, -1);
    expect(left.filter((id) => id.startsWith(cancelled))).toEqual([]);
    expect(left.filter((id) => id.startsWith(other)).length).toBe(30);
    expect(await client.exists(`bull:${queue.name}:${copyJobId(cancelled, 700)}`)).toBe(0);
    expect(await client.exists(`bull:${queue.name}:${copyJobId(other, 25)}`)).toBe(1);
    expect(await queue.getJobState(copyJobId(cancelled, 0))).toBe('active');

    await worker.close();
    await queues.close();
    connection.disconnect();
  }, 60_000);
});
