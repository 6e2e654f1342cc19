import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AttemptEndEvent } from '@tower/jobs';
import type { ClientToServerEvents, DriveDelta, FeedSnapshot, ServerToClientEvents } from '../../src/shared/api-types.js';
import { call, heartbeat, OPERATOR, publisher, publishState, startEnv, VIEWER, waitFor } from '../api/support.js';
import type { Env, Json } from '../api/support.js';
import { RedisSchema } from '@tower/jobs';
import { DriveViews } from '../../src/api/views/drive-views.js';

/** Names of the default tower's keys, channels and queues. */
const SCHEMA = new RedisSchema();

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let env: Env;
let beat: NodeJS.Timeout;
const clients: Client[] = [];

beforeAll(async () => {
  env = await startEnv({ deps: { agentTimeoutMs: 1500, driveLayout: { 'sim:0': { label: 'Left' } } } });
  await heartbeat(env, 'agent-a', ['sim:0', 'sim:1']);
  beat = setInterval(() => void heartbeat(env, 'agent-a', ['sim:0', 'sim:1']), 200);
  await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
  await publishState(env, 'sim:1', { state: 'empty' });
});
afterAll(async () => {
  clearInterval(beat);
  await env?.stop();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** Connect and collect every event, the snapshot first. */
async function client(token = VIEWER): Promise<{ socket: Client; snapshot: FeedSnapshot; events: { name: string; data: Json }[] }> {
  const socket: Client = connect(env.url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false });
  clients.push(socket);
  const events: { name: string; data: Json }[] = [];
  socket.onAny((name: string, data: unknown) => events.push({ name, data }));
  const snapshot = await new Promise<FeedSnapshot>((resolve, reject) => {
    socket.once('snapshot', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, snapshot, events };
}

/** The attempts relayed, flattened from their batches (`attempt:ends`). */
const attemptEnds = (events: { name: string; data: Json }[]): Json[] =>
  events.filter((e) => e.name === 'attempt:ends').flatMap((e) => e.data as Json[]);

const driveUpdates = (events: { name: string; data: Json }[], id: string): DriveDelta[] =>
  events.filter((e) => e.name === 'drive:updates').flatMap((e) => e.data as DriveDelta[]).filter((d) => d.id === id);

describe('live feed', () => {
  it('sends one snapshot on connect', async () => {
    const { snapshot, events } = await client();
    expect(snapshot.drives.map((d) => d.id)).toEqual(['sim:0', 'sim:1']);
    expect(snapshot.drives[0]).toMatchObject({ label: 'Left', state: 'blank', agentId: 'agent-a' });
    expect(snapshot.agents).toEqual([expect.objectContaining({ id: 'agent-a', online: true })]);
    expect(snapshot.runs).toEqual([]);
    expect(snapshot.masters).toEqual([]);
    expect(events[0]?.name).toBe('snapshot');
    expect(events.filter((e) => e.name === 'snapshot')).toHaveLength(1);
  });

  it('refuses an unknown token', async () => {
    await expect(client('wrong-token')).rejects.toThrow(/unknown API token/);
    await expect(client('')).rejects.toThrow(/unknown API token/);
  });

  it('relays a state change published by a drive worker as a drive delta with only what changed', async () => {
    const { events } = await client();
    await publishState(env, 'sim:0', { state: 'burning', mediaType: 'CD-R', runId: 'run-x', copy: 1, percent: 0, speedX: 24, speedMBps: 3.6 });
    const got = await waitFor(() => driveUpdates(events, 'sim:0').find((d) => d.state === 'burning'), 3000, 'burning');
    expect(got).toMatchObject({ id: 'sim:0', state: 'burning', percent: 0, runId: 'run-x', copy: 1 });
    expect(got).not.toHaveProperty('label');
  });

  it('sends the drive deltas of one burst in one drive:updates event, in order', async () => {
    const { events } = await client();
    const now = Date.now();
    // One agent batch: both drives change state in the same message.
    await env.redis.publish(SCHEMA.driveEvents(), JSON.stringify([
      { driveId: 'sim:0', agentId: 'agent-a', state: 'done', mediaType: 'CD-R', updatedAt: now },
      { driveId: 'sim:1', agentId: 'agent-a', state: 'wrong-media', mediaType: 'DVD+R', updatedAt: now },
    ]));
    const batch = await waitFor(() => events.find((e) => e.name === 'drive:updates'
      && (e.data as DriveDelta[]).some((d) => d.id === 'sim:0' && d.state === 'done')), 3000, 'the batch');
    expect((batch.data as DriveDelta[]).map((d) => [d.id, d.state])).toEqual([['sim:0', 'done'], ['sim:1', 'wrong-media']]);
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
    await publishState(env, 'sim:1', { state: 'empty' });
  });

  it('shows every progress tick the agent published, no more, no fewer: progress is throttled once, at its source', async () => {
    const { events } = await client();
    const published: number[] = [];
    const sub = new Redis(env.redisServer.url);
    sub.on('message', (_c: string, text: string) => {
      const list = JSON.parse(text) as { driveId: string; state: string; percent?: number }[];
      for (const st of Array.isArray(list) ? list : [list]) if (st.driveId === 'sim:1' && st.state === 'burning' && (st.percent ?? 0) > 0) published.push(st.percent ?? 0);
    });
    await sub.subscribe(SCHEMA.driveEvents());
    // The agent's own publisher with its default spacing (250 ms): the one progress throttle.
    const p = publisher(env, 'sim:1', 'agent-a', 250);
    p.update({ state: 'burning', mediaType: 'CD-R', runId: 'run-y', copy: 2, percent: 0 });
    await p.flush();
    await waitFor(() => driveUpdates(events, 'sim:1').some((d) => d.state === 'burning' && d.runId === 'run-y'), 3000, 'burning');
    const before = driveUpdates(events, 'sim:1').length;
    for (let i = 1; i <= 100; i++) {
      p.update({ state: 'burning', mediaType: 'CD-R', runId: 'run-y', copy: 2, percent: i });
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => driveUpdates(events, 'sim:1').slice(before).at(-1)?.percent === 100, 3000, 'the last tick');
    const ticks = driveUpdates(events, 'sim:1').slice(before);
    // The publisher sent fewer ticks than it was offered; the screen got exactly those, in order.
    expect(published.length).toBeLessThan(100);
    expect(ticks.map((d) => d.percent)).toEqual(published);
    expect(ticks.every((d) => d.state === undefined)).toBe(true);
    p.update({ state: 'verifying', mediaType: 'CD-R', runId: 'run-y', copy: 2, percent: 0 });
    p.update({ state: 'verifying', mediaType: 'CD-R', runId: 'run-y', copy: 2, percent: 1 });
    await p.flush();
    await waitFor(() => driveUpdates(events, 'sim:1').some((d) => d.state === 'verifying'), 3000, 'verifying');
    expect(driveUpdates(events, 'sim:1')[before + ticks.length]).toMatchObject({ state: 'verifying', percent: 0 });
    p.close();
    await sub.quit();
  });

  it('relays a batch (a JSON array of statuses) and skips invalid entries', async () => {
    const { events } = await client();
    const now = Date.now();
    const batch = [
      { driveId: 'sim:0', agentId: 'agent-a', state: 'burning', mediaType: 'CD-R', runId: 'run-b', copy: 3, percent: 12, updatedAt: now },
      { driveId: 'sim:1', agentId: 'agent-a', state: 'nonsense', updatedAt: now },
      null,
      'text',
      { driveId: 'sim:1', agentId: 'agent-a', state: 'burning', percent: 'x', updatedAt: now },
      { state: 'blank' },
      { driveId: 'sim:1', agentId: 'agent-a', state: 'burning', mediaType: 'CD-R', runId: 'run-b', copy: 4, percent: 34, updatedAt: now },
    ];
    await env.redis.publish(SCHEMA.driveEvents(), JSON.stringify(batch));
    await env.redis.publish(SCHEMA.driveEvents(), '[{"driveId": "sim:0", "state": "burn');
    const a = await waitFor(() => driveUpdates(events, 'sim:0').find((d) => d.copy === 3), 3000, 'sim:0 from the batch');
    const b = await waitFor(() => driveUpdates(events, 'sim:1').find((d) => d.copy === 4), 3000, 'sim:1 from the batch');
    expect(a).toMatchObject({ percent: 12, runId: 'run-b' });
    expect(b).toMatchObject({ state: 'burning', percent: 34 });
    expect(driveUpdates(events, 'sim:1').some((d) => (d.state as string) === 'nonsense')).toBe(false);
  });

  it('relays run:update, attempt:ends and master:update', async () => {
    const { events } = await client();
    const created = await call(env, 'POST', '/api/runs', { token: OPERATOR, body: { imageId: env.image.id, copies: 2 } });
    const runId = created.body.id as string;
    await waitFor(() => events.find((e) => e.name === 'run:update' && e.data.id === runId), 3000, 'run:update');
    const start = { runId, jobId: `${runId}/1`, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
    await env.runStore.beginAttempt({ ...start, id: 'feed-att', copy: 1, driveId: 'sim:0', startedAt: Date.now() });
    const end = await env.runStore.endAttempt('feed-att', { outcome: 'passed', endedAt: Date.now(), bytes: 10, verifyResult: 'passed' });
    const event: AttemptEndEvent = { kind: 'attempt-end', runId, copy: 1, attemptId: 'feed-att', driveId: 'sim:0', outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted };
    await env.redis.publish(SCHEMA.runEvents(), JSON.stringify(event));
    const att = await waitFor(() => attemptEnds(events).find((a) => a.id === 'feed-att'), 3000, 'attempt:ends');
    expect(att).toMatchObject({ id: 'feed-att', runId, outcome: 'passed', counted: true });
    await waitFor(() => events.find((e) => e.name === 'run:update' && e.data.id === runId && e.data.passed === 1), 3000, 'run passed 1');
    await waitFor(() => driveUpdates(events, 'sim:0').find((d) => d.passed === 1), 3000, 'drive passed count');
    await call(env, 'POST', `/api/runs/${runId}/cancel`, { token: OPERATOR });
    await waitFor(() => events.find((e) => e.name === 'run:update' && e.data.id === runId && e.data.status === 'cancelled'), 3000, 'run cancelled');

    await env.redis.hset('tower:master:m-1', { id: 'm-1', driveId: 'sim:1', name: 'M', status: 'reading', bytesRead: '5', bytesTotal: '10', startedAt: String(Date.now()) });
    await env.redis.publish(SCHEMA.masterEvents(), JSON.stringify({ masterId: 'm-1' }));
    const m = await waitFor(() => events.find((e) => e.name === 'master:update'), 3000, 'master:update');
    expect(m.data).toMatchObject({ id: 'm-1', status: 'reading', bytesRead: 5 });
  });

  it('handles a burst of attempt ends together: relayed in batches (attempt:ends), the run settled and the counts read once per batch, not per attempt', async () => {
    const { events } = await client();
    const n = 24;
    const created = await call(env, 'POST', '/api/runs', { token: OPERATOR, body: { imageId: env.image.id, copies: n } });
    const runId = created.body.id as string;
    const ends: AttemptEndEvent[] = [];
    for (let i = 1; i <= n; i++) {
      const driveId = i % 2 === 0 ? 'sim:0' : 'sim:1';
      const start = { runId, jobId: `${runId}/${i}`, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
      await env.runStore.beginAttempt({ ...start, id: `burst-${i}`, copy: i, driveId, startedAt: Date.now() });
      const end = await env.runStore.endAttempt(`burst-${i}`, { outcome: 'passed', endedAt: Date.now(), bytes: 10, verifyResult: 'passed' });
      ends.push({ kind: 'attempt-end', runId, copy: i, attemptId: `burst-${i}`, driveId, outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted });
    }
    // Count what the relay asks of the run store and the planner (the real ones, only counted).
    let settles = 0;
    let countReads = 0;
    const settleRun = env.planner.settleRun.bind(env.planner);
    const driveCounts = env.runStore.driveCounts.bind(env.runStore);
    env.planner.settleRun = async (id: string) => {
      if (id === runId) settles++;
      return settleRun(id);
    };
    env.runStore.driveCounts = async (ids) => {
      countReads++;
      return driveCounts(ids);
    };
    try {
      // One pipeline: the events reach the controller together, as a burst's do.
      const pipe = env.redis.pipeline();
      for (const e of ends) pipe.publish(SCHEMA.runEvents(), JSON.stringify(e));
      await pipe.exec();
      await waitFor(() => attemptEnds(events).filter((a) => a.runId === runId).length >= n, 5000, 'every attempt relayed');
      const relayed = attemptEnds(events).filter((a) => a.runId === runId).map((a) => a.id);
      expect(relayed).toEqual(ends.map((e) => e.attemptId));
      // A frame per batch, not per attempt: the burst came in one pipeline.
      const frames = events.filter((e) => e.name === 'attempt:ends' && (e.data as Json[]).some((a) => a.runId === runId)).length;
      expect(frames).toBeLessThanOrEqual(n / 4);
      expect(events.some((e) => e.name === 'attempt:end')).toBe(false);
      await waitFor(() => driveUpdates(events, 'sim:0').find((d) => (d.passed as number) >= n / 2), 3000, 'sim:0 counts');
      await waitFor(() => driveUpdates(events, 'sim:1').find((d) => (d.passed as number) >= n / 2), 3000, 'sim:1 counts');
      // One per attempt before. A burst split over a few reads of the socket makes a few batches;
      // the drive list's own refresh (a second after a run changes) reads counts too.
      expect(settles).toBeGreaterThanOrEqual(1);
      expect(settles).toBeLessThanOrEqual(n / 4);
      expect(countReads).toBeLessThanOrEqual(n / 4);
    } finally {
      env.planner.settleRun = settleRun;
      env.runStore.driveCounts = driveCounts;
    }
    await call(env, 'POST', `/api/runs/${runId}/cancel`, { token: OPERATOR });
  });

  it('sends a burst of burn starts and ends as one run:update at once and the last change, not one per change', async () => {
    const { events } = await client();
    const created = await call(env, 'POST', '/api/runs', { token: OPERATOR, body: { imageId: env.image.id, copies: 3 } });
    const runId = created.body.id as string;
    const runUpdates = (): number => events.filter((e) => e.name === 'run:update' && e.data.id === runId).length;
    await waitFor(() => runUpdates() > 0, 3000, 'run:update');
    await new Promise((r) => setTimeout(r, 300));
    const before = runUpdates();
    // Ten burn starts and ends in one message (an agent's busy window): one run:update at once, the last change
    // after them, whatever this machine's speed; not one per change.
    const flips = Array.from({ length: 10 }, (_, i) => ({
      driveId: 'sim:1', agentId: 'agent-a', state: i % 2 === 0 ? 'burning' : 'done', mediaType: 'CD-R', runId, copy: 1, percent: 0, updatedAt: Date.now(),
    }));
    await env.redis.set(env.runStore.keys.driveState('sim:1'), JSON.stringify(flips.at(-1)));
    await env.redis.publish(SCHEMA.driveEvents(), JSON.stringify(flips));
    await new Promise((r) => setTimeout(r, 500));
    const sent = runUpdates() - before;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(2);
    await call(env, 'POST', `/api/runs/${runId}/cancel`, { token: OPERATOR });
  });

  it('shows the counts a status closing an attempt carries in the same delta as its state, not after a read of them', async () => {
    const { events } = await client();
    const before = (await env.runStore.driveCounts(['sim:0'])).get('sim:0') ?? { passed: 0, failed: 0 };
    // What the attempt's closing script does, then the status the agent publishes with what it left.
    await env.redis.hincrby(SCHEMA.driveCounts(), 'passed:sim:0', 1);
    const counts = { passed: before.passed + 1, failed: before.failed };
    await publishState(env, 'sim:0', { state: 'done', mediaType: 'CD-R', runId: 'run-c', copy: 1, counts });
    const done = await waitFor(() => driveUpdates(events, 'sim:0').find((d) => d.state === 'done'), 3000, 'done');
    expect(done).toMatchObject({ state: 'done', passed: counts.passed });
    // A later status without counts, and a stale one with fewer, leave them as they are.
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
    await publishState(env, 'sim:0', { state: 'done', mediaType: 'CD-R', runId: 'run-c', copy: 1, counts: before });
    await waitFor(() => driveUpdates(events, 'sim:0').filter((d) => d.state === 'done').length === 2, 3000, 'done again');
    expect(driveUpdates(events, 'sim:0').filter((d) => 'passed' in d).map((d) => d.passed)).toEqual([counts.passed]);
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
  });

  it('reads no counts for an attempt end whose closing status carried them, and reads them for one whose status did not', async () => {
    const { events } = await client();
    const runId = (await call(env, 'POST', '/api/runs', { token: OPERATOR, body: { imageId: env.image.id, copies: 2 } })).body.id as string;
    const start = { runId, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
    await env.runStore.driveCounts(['sim:0', 'sim:1']);
    const ends: AttemptEndEvent[] = [];
    for (const [copy, driveId] of [[1, 'sim:0'], [2, 'sim:1']] as const) {
      const attemptId = `carried-${copy}`;
      await env.runStore.beginAttempt({ ...start, jobId: `${runId}/${copy}`, id: attemptId, copy, driveId, startedAt: Date.now() });
      const end = await env.runStore.endAttempt(attemptId, { outcome: 'passed', endedAt: Date.now(), bytes: 10, verifyResult: 'passed' });
      expect(end.driveCounts).not.toBeNull();
      // sim:0's agent says its counts with the state (this version), sim:1's does not (an older one).
      await publishState(env, driveId, { state: 'done', mediaType: 'CD-R', runId, copy, attemptId, ...(driveId === 'sim:0' && end.driveCounts !== null ? { counts: end.driveCounts } : {}) });
      ends.push({ kind: 'attempt-end', runId, copy, attemptId, driveId, outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted });
    }
    await waitFor(() => driveUpdates(events, 'sim:1').find((d) => d.runId === runId), 3000, 'both done');
    const recounts = vi.spyOn(DriveViews.prototype, 'recountDrives');
    try {
      const pipe = env.redis.pipeline();
      for (const e of ends) pipe.publish(SCHEMA.runEvents(), JSON.stringify(e));
      await pipe.exec();
      // The recount is asked for before the attempts are read, so before they are relayed.
      await waitFor(() => attemptEnds(events).filter((a) => a.runId === runId).length === 2, 3000, 'both attempts relayed');
      expect(recounts.mock.calls.flatMap(([ids]) => ids)).toEqual(['sim:1']);
    } finally {
      recounts.mockRestore();
    }
    await publishState(env, 'sim:0', { state: 'blank', mediaType: 'CD-R' });
    await publishState(env, 'sim:1', { state: 'empty' });
  });

  it('relays a quarantine made through the API at once', async () => {
    const { events } = await client();
    await call(env, 'POST', '/api/drives/sim:0/quarantine', { token: OPERATOR, body: { reason: 'test' } });
    const q = await waitFor(() => driveUpdates(events, 'sim:0').find((d) => d.state === 'quarantined'), 3000, 'quarantined');
    expect(q.quarantine).toMatchObject({ reason: 'test', by: 'olga' });
    await call(env, 'POST', '/api/drives/sim:0/release', { token: OPERATOR });
    await waitFor(() => driveUpdates(events, 'sim:0').find((d) => d.quarantine === null), 3000, 'released');
  });

  it('sends agent:update when an agent goes online and offline, and its drives go offline', async () => {
    const { events } = await client();
    await heartbeat(env, 'agent-z', ['sim:8']);
    await publishState(env, 'sim:8', { state: 'blank', mediaType: 'CD-R' }, 'agent-z');
    await waitFor(() => events.find((e) => e.name === 'agent:update' && e.data.id === 'agent-z' && e.data.online), 3000, 'agent-z online');
    const off = await waitFor(() => events.find((e) => e.name === 'agent:update' && e.data.id === 'agent-z' && !e.data.online), 5000, 'agent-z offline');
    expect(off.data).toMatchObject({ host: 'agent-z.local', driveIds: ['sim:8'] });
    await waitFor(() => driveUpdates(events, 'sim:8').find((d) => d.state === 'offline'), 3000, 'sim:8 offline');
  });

  it('answers snapshot:request with a fresh snapshot', async () => {
    const { socket, events } = await client();
    socket.emit('snapshot:request');
    await waitFor(() => events.filter((e) => e.name === 'snapshot').length === 2, 3000, 'second snapshot');
  });
});
