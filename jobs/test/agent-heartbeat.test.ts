/**
 * An agent's heartbeat names every drive it serves in the drive-seen hash,
 * in one HSET per 500 drives (not one per drive: 1,000 idle drives made
 * 400 Redis commands a second of heartbeats alone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSchema, writeAgentHeartbeat } from '../src/index.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());

describe('an agent heartbeat', () => {
  it('marks all of a big agent\'s drives seen at one time, in a few commands', async () => {
    const schema = new RedisSchema('hb');
    const driveIds = Array.from({ length: 1201 }, (_, i) => `sim:${i}`);
    const before = Number((/cmdstat_hset:calls=(\d+)/.exec(await env.client.info('commandstats')) ?? [])[1] ?? 0);
    await writeAgentHeartbeat(env.client, { agentId: 'big', host: 'big.local', driveIds, at: Date.now() }, { schema });
    const after = Number((/cmdstat_hset:calls=(\d+)/.exec(await env.client.info('commandstats')) ?? [])[1] ?? 0);
    const seen = await env.client.hgetall(schema.driveSeen());
    expect(Object.keys(seen).sort()).toEqual([...driveIds].sort());
    expect(new Set(Object.values(seen)).size).toBe(1);
    // Three HSETs of drive-seen (500 + 500 + 201 drives) and one of the agent's own fields.
    expect(after - before).toBe(4);
  });
});
