/**
 * The shared drive state outbox against a real Redis: one PUBLISH (a JSON
 * array) per window for many drives, one state write per drive, the drives
 * set written once, flush() waiting for Redis, and nothing merged away but
 * progress.
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DriveStatePublisher, isNotOlder, readAllDriveStatuses, readDriveStatus } from '../src/drive-state.js';
import type { DriveStatus } from '../src/drive-state.js';
import { DriveStateOutbox } from '../src/drive-state-outbox.js';
import { RedisSchema } from '../src/protocol/redis-schema.js';
import { startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

let env: RedisEnv;
let sub: Redis;
const keys = new RedisSchema();
const messages: Array<{ at: number; statuses: DriveStatus[] }> = [];

beforeAll(async () => {
  env = await startRedisEnv();
  sub = new Redis(env.server.url);
  sub.on('message', (_channel: string, text: string) => messages.push({ at: Date.now(), statuses: JSON.parse(text) as DriveStatus[] }));
  await sub.subscribe(SCHEMA.driveEvents());
});
afterAll(async () => {
  await sub.quit();
  await env.stop();
});
beforeEach(async () => {
  await env.client.flushall();
  messages.length = 0;
});

/** Calls of a command that Redis carried out. */
async function commandCalls(name: string): Promise<number> {
  const info = await env.client.info('commandstats');
  // Calls that ran through: an EVALSHA Redis answered NOSCRIPT is a failed call.
  const m = new RegExp(`cmdstat_${name}:calls=(\\d+),.*failed_calls=(\\d+)`).exec(info);
  return m === null ? 0 : Number(m[1]) - Number(m[2]);
}

/** EVAL calls Redis carried out, asked by another process (redis-cli): true even while this one's event loop is busy. */
function evalCallsNow(): number {
  const url = new URL(env.server.url);
  const auth = url.password === '' ? [] : ['--no-auth-warning', '-a', decodeURIComponent(url.password)];
  const out = spawnSync('redis-cli', ['-h', url.hostname, '-p', url.port, ...auth, 'INFO', 'commandstats'], { encoding: 'utf8' });
  const m = /cmdstat_eval:calls=(\d+)/.exec(out.stdout);
  return m === null ? 0 : Number(m[1]);
}

function publishers(outbox: DriveStateOutbox, n: number): DriveStatePublisher[] {
  return Array.from({ length: n }, (_, i) => new DriveStatePublisher({ driveId: `sim:${i}`, agentId: 'a', outbox }));
}

describe('DriveStateOutbox', () => {
  it('sends the updates of N drives in one window as one PUBLISH of N statuses, and flush() waits for Redis', async () => {
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs: 20 });
    const pubs = publishers(outbox, 50);
    const setsBefore = await commandCalls('set');
    const scriptsBefore = (await commandCalls('evalsha')) + (await commandCalls('eval'));
    const publishesBefore = await commandCalls('publish');
    for (const p of pubs) p.update({ state: 'blank', mediaType: 'CD-R' });
    expect(outbox.pending).toBe(50);
    await outbox.flush();
    // Everything is in Redis once flush() resolves, without waiting any longer.
    expect(outbox.pending).toBe(0);
    const stored = await readAllDriveStatuses(env.client, keys);
    expect(stored).toHaveLength(50);
    expect(stored.every((s) => s.state === 'blank' && s.mediaType === 'CD-R')).toBe(true);
    expect(await commandCalls('publish')).toBe(publishesBefore + 1);
    // One script: 50 state writes, each status numbered.
    expect((await commandCalls('evalsha')) + (await commandCalls('eval'))).toBe(scriptsBefore + 1);
    expect(await commandCalls('set')).toBe(setsBefore + 50);
    expect(stored.every((s) => s.seq === 1)).toBe(true);
    await waitFor(() => messages.length >= 1, 2_000, 'the message');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.statuses.map((s) => s.driveId)).toEqual(pubs.map((_, i) => `sim:${i}`));
    await outbox.close();
  });

  it('numbers each drive\'s statuses in the order Redis took them, whatever the publishers\' clocks say', async () => {
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs: 0 });
    const hour = 3_600_000;
    // The controller's monitor with its clock an hour ahead, then the agent with the right time.
    const ahead = new DriveStatePublisher({ driveId: 'sim:0', agentId: 'a', outbox, wallClock: () => Date.now() + hour });
    const agent = new DriveStatePublisher({ driveId: 'sim:0', agentId: 'a', outbox });
    ahead.update({ state: 'offline', message: 'agent a is not answering' });
    await outbox.flush();
    agent.update({ state: 'blank', mediaType: 'DVD+R' });
    agent.update({ state: 'burning', mediaType: 'DVD+R', percent: 1 });
    await outbox.flush();
    await waitFor(() => messages.length >= 2, 2_000, 'two messages');
    const seen = messages.flatMap((m) => m.statuses);
    expect(seen.map((s) => [s.state, s.seq])).toEqual([['offline', 1], ['blank', 2], ['burning', 3]]);
    // Newer by number though older by the clocks.
    expect(seen[1]!.updatedAt).toBeLessThan(seen[0]!.updatedAt);
    expect(isNotOlder(seen[0], seen[1]!)).toBe(true);
    expect(isNotOlder(seen[2], seen[0]!)).toBe(false);
    expect(await readDriveStatus(env.client, keys, 'sim:0')).toMatchObject({ state: 'burning', seq: 3 });
    await outbox.close();
  });

  it('republishAll() writes every drive\'s last status again over what someone else wrote', async () => {
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs: 0 });
    const [a, b] = publishers(outbox, 2);
    a!.update({ state: 'burning', mediaType: 'DVD+R', percent: 40 });
    b!.update({ state: 'blank', mediaType: 'DVD+R' });
    await outbox.flush();
    // The controller's monitor declared the agent dead and wrote its drives offline.
    const monitor = new DriveStateOutbox({ redis: env.client, keys, windowMs: 0, announceOnce: false });
    for (const id of ['sim:0', 'sim:1']) monitor.enqueue({ driveId: id, agentId: 'a', state: 'offline', message: 'agent a is not answering', updatedAt: Date.now() });
    await monitor.flush();
    expect((await readAllDriveStatuses(env.client, keys)).map((s) => s.state)).toEqual(['offline', 'offline']);
    outbox.republishAll();
    await outbox.flush();
    const stored = await readAllDriveStatuses(env.client, keys);
    expect(stored.map((s) => [s.driveId, s.state, s.seq])).toEqual([['sim:0', 'burning', 3], ['sim:1', 'blank', 3]]);
    await outbox.close();
    await monitor.close();
  });

  it('flushes progress at most once per window, but a change on the next turn with what is queued', async () => {
    // A window long enough that waiting for it cannot pass for this machine's slowness.
    const windowMs = 1000;
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs });
    const status = (driveId: string, state: DriveStatus['state'], percent: number): DriveStatus => ({
      driveId, agentId: 'a', state, mediaType: 'CD-R', percent, updatedAt: Date.now(),
    });
    const t0 = Date.now();
    outbox.enqueue(status('sim:0', 'burning', 10));
    outbox.enqueue(status('sim:1', 'burning', 20));
    await waitFor(() => messages.length >= 1, 2_000, 'first message');
    expect(messages[0]!.at - t0).toBeLessThan(windowMs / 2);
    // Progress ticks 5 ms apart, right after a flush: they wait for the window and go out together.
    outbox.enqueue(status('sim:0', 'burning', 11));
    await new Promise((r) => setTimeout(r, 5));
    outbox.enqueue(status('sim:1', 'burning', 21));
    await waitFor(() => messages.length >= 2, 3_000, 'second message');
    expect(messages[1]!.statuses.map((s) => `${s.driveId} ${s.percent}`)).toEqual(['sim:0 11', 'sim:1 21']);
    expect(messages[1]!.at - messages[0]!.at).toBeGreaterThanOrEqual(windowMs - 20);
    // Right after that flush, a tick then a change: the change does not wait for the window, and takes the tick along.
    const t2 = Date.now();
    outbox.enqueue(status('sim:1', 'burning', 22));
    outbox.enqueue(status('sim:0', 'verifying', 0));
    await waitFor(() => messages.length >= 3, 2_000, 'third message');
    expect(messages[2]!.at - t2).toBeLessThan(windowMs / 2);
    expect(messages[2]!.statuses.map((s) => `${s.driveId} ${s.state} ${s.percent}`)).toEqual(['sim:1 burning 22', 'sim:0 verifying 0']);
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toHaveLength(3);
    await outbox.close();
  });

  it('sends what waited a window at the next update while the event loop is too busy for its timer', async () => {
    const windowMs = 20;
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs });
    const pubs = publishers(outbox, 8);
    // One synchronous stretch, as a burst of job moves is: no timer can fire inside it.
    const evalsBefore = evalCallsNow();
    const sends: number[] = [];
    const start = performance.now();
    let n = 0;
    while (sends.length < 4 && performance.now() - start < 10_000) {
      const before = outbox.pending;
      // Each update a change (its own message), so the queue only ever shrinks by a send.
      pubs[n % 8]!.update({ state: 'blank', mediaType: 'CD-R', message: `update ${n}` });
      n++;
      if (outbox.pending <= before) sends.push(performance.now());
      const until = performance.now() + 1;
      while (performance.now() < until) { /* busy, like a loop running other drives' work */ }
    }
    expect(sends).toHaveLength(4);
    // At most one send per window, even inside the stretch.
    for (let i = 1; i < sends.length; i++) expect(sends[i]! - sends[i - 1]!).toBeGreaterThanOrEqual(windowMs);
    // Still inside the stretch (this process has read no reply): every send reached Redis, none waited for the one before.
    expect(evalCallsNow() - evalsBefore).toBeGreaterThanOrEqual(4);
    await outbox.flush();
    await waitFor(() => messages.flatMap((m) => m.statuses).length >= n, 3_000, 'every status');
    // Each send of the stretch was its own PUBLISH, and nothing was lost or reordered.
    expect(messages.length).toBeGreaterThanOrEqual(4);
    const seen = messages.flatMap((m) => m.statuses);
    expect(seen).toHaveLength(n);
    expect(seen.map((s) => s.message)).toEqual(Array.from({ length: n }, (_, i) => `update ${i}`));
    await outbox.close();
  });

  it('merges only progress into progress: a state change then progress ticks in one window reach the subscriber as the change and the last tick', async () => {
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs: 20 });
    const status = (state: DriveStatus['state'], percent?: number, message?: string): DriveStatus => ({
      driveId: 'sim:0', agentId: 'a', state, mediaType: 'CD-R', updatedAt: Date.now(),
      ...(percent === undefined ? {} : { percent }), ...(message === undefined ? {} : { message }),
    });
    outbox.enqueue(status('blank'));
    outbox.enqueue(status('burning', 0));
    outbox.enqueue(status('burning', 5));
    outbox.enqueue(status('burning', 7));
    outbox.enqueue(status('burning', 8, 'slow'));
    outbox.enqueue(status('verifying', 0));
    outbox.enqueue(status('done'));
    await outbox.flush();
    await waitFor(() => messages.length >= 1, 2_000, 'the message');
    // The 5 % tick was replaced by the 7 % one (progress after progress); every change is kept, with the tick after it.
    expect(messages[0]!.statuses.map((s) => [s.state, s.percent ?? null, s.message ?? null])).toEqual([
      ['blank', null, null], ['burning', 0, null], ['burning', 7, null], ['burning', 8, 'slow'], ['verifying', 0, null], ['done', null, null],
    ]);
    expect((await readDriveStatus(env.client, keys, 'sim:0'))?.state).toBe('done');
    await outbox.close();
  });

  it('gets a state change and a progress tick 5 ms after it to subscribers promptly, both', async () => {
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs: 20 });
    // A long progress interval, so a tick held back by it would show as seconds, not as load-dependent milliseconds.
    const a = new DriveStatePublisher({ driveId: 'sim:0', agentId: 'a', outbox, minIntervalMs: 3_000 });
    a.update({ state: 'burning', mediaType: 'CD-R', percent: 50 });
    await outbox.flush();
    await waitFor(() => messages.length >= 1, 2_000, 'first message');
    const t0 = Date.now();
    a.update({ state: 'verifying', mediaType: 'CD-R', percent: 0 });
    await new Promise((r) => setTimeout(r, 5));
    a.update({ state: 'verifying', mediaType: 'CD-R', percent: 1 });
    await waitFor(() => messages.flatMap((m) => m.statuses).some((s) => s.state === 'verifying' && s.percent === 1), 5_000, 'the tick');
    expect(Date.now() - t0).toBeLessThan(1_500);
    const after = messages.slice(1).flatMap((m) => m.statuses);
    expect(after.map((s) => [s.state, s.percent])).toEqual([['verifying', 0], ['verifying', 1]]);
    await outbox.close();
  });

  it('adds a drive to the drives set once, not at every update', async () => {
    const outbox = new DriveStateOutbox({ redis: env.client, keys, windowMs: 0 });
    const [a] = publishers(outbox, 1);
    const before = await commandCalls('sadd');
    for (let i = 0; i < 5; i++) {
      a!.update({ state: i % 2 === 0 ? 'blank' : 'empty', mediaType: null });
      await outbox.flush();
    }
    expect(await commandCalls('sadd')).toBe(before + 1);
    expect(await env.client.smembers(keys.drives())).toEqual(['sim:0']);
    expect(await readDriveStatus(env.client, keys, 'sim:0')).toMatchObject({ driveId: 'sim:0', state: 'blank' });
    await outbox.close();
  });

  it('a publisher with only a connection still writes and publishes (as an array)', async () => {
    const pub = new DriveStatePublisher({ driveId: 'sim:9', agentId: 'a', redis: env.client, keys });
    pub.update({ state: 'offline', message: 'gone' });
    await pub.flush();
    expect(await readDriveStatus(env.client, keys, 'sim:9')).toMatchObject({ state: 'offline', message: 'gone', agentId: 'a' });
    await waitFor(() => messages.length >= 1, 2_000, 'the message');
    expect(messages[0]!.statuses).toHaveLength(1);
    pub.close();
  });

  it('reads a state an earlier version kept as a hash', async () => {
    await env.client.hset(keys.driveState('sim:3'), { driveId: 'sim:3', agentId: 'a', state: 'burning', percent: '40', autoLoader: 'true', updatedAt: '5' });
    await env.client.sadd(keys.drives(), 'sim:3');
    const expected = { driveId: 'sim:3', agentId: 'a', state: 'burning', percent: 40, autoLoader: true, updatedAt: 5 };
    expect(await readDriveStatus(env.client, keys, 'sim:3')).toEqual(expected);
    expect(await readAllDriveStatuses(env.client, keys)).toEqual([expected]);
  });

  it('shares an auto-pipelined connection with commands sent in the same tick, and survives a Redis that forgot its scripts', async () => {
    // ioredis opens one pipeline per tick on such a connection; a script
    // command defined after it opened had no method there, and the reply
    // handler threw out of ioredis (a rig agent died of it).
    const shared = new Redis(env.server.url, { enableAutoPipelining: true });
    try {
      const outbox = new DriveStateOutbox({ redis: shared, keys, windowMs: 0 });
      const [pub] = publishers(outbox, 1);
      const other = shared.get('unrelated');
      pub?.update({ state: 'blank', mediaType: 'DVD+R' });
      await outbox.flush();
      await other;
      expect((await readDriveStatus(env.client, keys, 'sim:0'))?.state).toBe('blank');
      await env.client.script('FLUSH');
      const again = shared.get('unrelated');
      pub?.update({ state: 'burning', mediaType: 'DVD+R' });
      pub?.update({ state: 'verifying', mediaType: 'DVD+R' });
      await outbox.flush();
      await again;
      const stored = await readDriveStatus(env.client, keys, 'sim:0');
      expect(stored?.state).toBe('verifying');
      expect(stored?.seq).toBe(3);
      await outbox.close();
    } finally {
      await shared.quit();
    }
  });
});
