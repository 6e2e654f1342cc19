/**
 * A drive's faults in a row, counted in Redis beside its quarantine entry:
 * quarantined at K in one step, reset by any release.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driveFaultsKey, getDriveFaults, getQuarantine, quarantineDrive, releaseDrive } from '../src/drive-quarantine.js';
import { FaultTracker } from '../src/fault-tracker.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { startRedisEnv } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
const keys = new RedisSchema();

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});

function tracker(quarantineAfter = 3, driveId = 'sim:0'): FaultTracker {
  return new FaultTracker({ redis: env.client, keys, driveId, quarantineAfter });
}

describe('FaultTracker', () => {
  it('quarantines the drive at the K-th fault in a row, with the count and the last error', async () => {
    const t = tracker(3);
    expect(await t.fault('WRITE_ERROR')).toBeNull();
    expect(await t.fault('WRITE_ERROR')).toBeNull();
    expect(await getQuarantine(env.client, keys, 'sim:0')).toBeNull();
    const q = await t.fault('MEDIA_ERROR');
    expect(q).toMatchObject({ reason: '3 failed attempts in a row, the last MEDIA_ERROR', failures: 3, lastErrorCode: 'MEDIA_ERROR' });
    expect(q?.at).toBeGreaterThan(Date.now() - 60_000);
    expect(await getQuarantine(env.client, keys, 'sim:0')).toEqual(q);
    expect(t.consecutive).toBe(3);
    expect(await env.client.hget(driveFaultsKey(keys), 'sim:0')).toBe('3');
    // The count sits beside the quarantine entry, in a hash of its own: the quarantine hash holds only entries.
    expect(await env.client.hkeys(keys.quarantine())).toEqual(['sim:0']);
  });

  it('a good disc ends the run of faults', async () => {
    const t = tracker(2);
    await t.fault('WRITE_ERROR');
    await t.success();
    expect(t.consecutive).toBe(0);
    expect(await t.fault('WRITE_ERROR')).toBeNull();
    expect(t.consecutive).toBe(1);
  });

  it('a release through releaseDrive (the API\'s way) resets the count: one fault later the drive is not quarantined', async () => {
    const t = tracker(2);
    await t.fault('WRITE_ERROR');
    expect(await t.fault('WRITE_ERROR')).not.toBeNull();
    expect(await releaseDrive(env.client, keys, 'sim:0')).toBe(true);
    expect(await env.client.hget(driveFaultsKey(keys), 'sim:0')).toBeNull();
    expect(await t.fault('WRITE_ERROR')).toBeNull();
    expect(await getQuarantine(env.client, keys, 'sim:0')).toBeNull();
    expect(t.consecutive).toBe(1);
    // Two in a row again do quarantine it.
    expect(await t.fault('WRITE_ERROR')).toMatchObject({ failures: 2 });
  });

  it('a release that deletes the quarantine entry alone also starts the count afresh', async () => {
    const t = tracker(2);
    await t.fault('WRITE_ERROR');
    await t.fault('WRITE_ERROR');
    await env.client.hdel(keys.quarantine(), 'sim:0');
    expect(await getDriveFaults(env.client, keys, 'sim:0', 2)).toBe(0);
    expect(await t.fault('WRITE_ERROR')).toBeNull();
    expect(t.consecutive).toBe(1);
  });

  it('an operator\'s quarantine keeps the count; its release resets it', async () => {
    const t = tracker(3);
    await t.fault('WRITE_ERROR');
    expect(await t.quarantine('scratches every disc')).toMatchObject({ reason: 'scratches every disc', failures: 0 });
    expect(await getDriveFaults(env.client, keys, 'sim:0', 3)).toBe(1);
    expect(await t.release()).toBe(true);
    expect(t.consecutive).toBe(0);
    expect(await t.release()).toBe(false);
    expect(await getDriveFaults(env.client, keys, 'sim:0', 3)).toBe(0);
  });

  it('a restarted worker carries on from the count in Redis', async () => {
    await tracker(3).fault('WRITE_ERROR');
    await tracker(3).fault('WRITE_ERROR');
    const again = tracker(3);
    expect(await again.load()).toBe(2);
    expect(await again.fault('WRITE_ERROR')).toMatchObject({ failures: 3 });
  });

  it('counts each drive on its own', async () => {
    await tracker(2, 'sim:0').fault('WRITE_ERROR');
    expect(await tracker(2, 'sim:1').fault('WRITE_ERROR')).toBeNull();
    expect(await getDriveFaults(env.client, keys, 'sim:0', 2)).toBe(1);
    await quarantineDrive(env.client, keys, 'sim:1', { reason: 'by hand', failures: 0, at: 1 });
    expect(await releaseDrive(env.client, keys, 'sim:1')).toBe(true);
    expect(await getDriveFaults(env.client, keys, 'sim:0', 2)).toBe(1);
  });
});
