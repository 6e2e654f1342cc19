/**
 * Fault: Redis stops answering under a running controller (the process of
 * `tower serve`, in this process): first paused (SIGSTOP: connections stay
 * open, nothing answers, the way a wedged server or a dropped network path
 * looks), then stopped and started again on the same port (connections
 * refused meanwhile).
 *
 * - Every request is answered within a bound set by the deadline (3 s), not
 *   the outage: 503 REDIS_UNAVAILABLE naming the Redis by host:port (never
 *   its password) and saying to retry. (It used to hang past 20 s.)
 * - A run created while Redis was paused is never carried out when Redis
 *   comes back; its retry with the same Idempotency-Key creates it once, and
 *   a second retry gets the same run (replayed).
 * - The log has one line when Redis becomes unreachable and one when it is
 *   back, per outage, whatever the requests and background work meanwhile;
 *   ioredis prints no "Unhandled error event".
 * - Redis paused in the middle of a run's creation (after the request was
 *   admitted): the request is answered 503, and what Redis then carries out
 *   of it when it wakes up (the run's record) is cancelled at once: no copy
 *   is queued, nothing is burned for it.
 */
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cleanups, sleep, waitFor } from './support/fault-harness.js';
import { startInProcessController } from './support/in-process-controller.js';
import type { InProcessController } from './support/in-process-controller.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** The deadline of a request while Redis is away: 3 s of it, plus slack for a busy machine. */
const BOUND_MS = 5000;

const downLines = (t: InProcessController): string[] => t.lines.filter((l) => /cannot reach Redis/.test(l));
const upLines = (t: InProcessController): string[] => t.lines.filter((l) => /reachable again/.test(l));

async function runIds(t: InProcessController): Promise<string[]> {
  const res = await t.call('GET', '/api/runs');
  expect(res.status, res.text).toBe(200);
  return (res.body as { id: string }[]).map((r) => r.id).sort();
}

function expectUnavailable(res: { status: number; body: { error?: { code?: string; message?: string } }; text: string; ms: number }, t: InProcessController): void {
  expect(res.status, res.text).toBe(503);
  expect(res.ms).toBeLessThan(BOUND_MS);
  expect(res.body.error?.code).toBe('REDIS_UNAVAILABLE');
  const port = new URL(t.redis.url).port;
  expect(res.body.error?.message).toMatch(new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${port}: .+; retry when it is back`));
  // The URL holds the password: the answer never does.
  const password = decodeURIComponent(new URL(t.redis.url).password);
  expect(password).not.toBe('');
  expect(res.text).not.toContain(password);
}

describe('fault: Redis unreachable under the API', () => {
  it('paused, then restarted: 503 within the deadline, nothing carried out later, one log line per outage start and end', { timeout: 90_000 }, async () => {
    const unhandled = vi.spyOn(console, 'error');
    cleanups.add(() => unhandled.mockRestore());
    const t = await startInProcessController(cleanups);
    const imported = await t.call('POST', '/api/images/import', { body: { path: t.smallIso } });
    expect(imported.status, imported.text).toBe(201);
    const imageId = (imported.body as { id: string }).id;
    const before = await runIds(t);
    const runBody = { imageId, copies: 2, label: 'while Redis slept' };

    // Outage 1: paused. Connections stay open; nothing answers.
    process.kill(t.redis.pid, 'SIGSTOP');
    const abandoned = await t.call('POST', '/api/runs', { body: runBody });
    expectUnavailable(abandoned, t);
    expect(abandoned.headers.get('retry-after')).not.toBeNull();
    const keyed = await t.call('POST', '/api/runs', { body: runBody, headers: { 'idempotency-key': 'retry-me-1' } });
    expectUnavailable(keyed, t);
    expectUnavailable(await t.call('GET', '/api/runs'), t);
    expectUnavailable(await t.call('POST', '/api/drives/sim:0/quarantine', { body: { reason: 'x' } }), t);
    // Background work (the agent monitor looks every 2 s) fails meanwhile too: still one line.
    await sleep(4500);
    expect(downLines(t)).toHaveLength(1);
    expect(downLines(t)[0]).toMatch(/no answer within 3000 ms/);
    expect(upLines(t)).toHaveLength(0);

    process.kill(t.redis.pid, 'SIGCONT');
    await waitFor(() => upLines(t).length === 1, 10_000, 'the line saying Redis is back');
    // What the paused Redis had received is answered now; give it time to do anything it would.
    await sleep(1500);
    expect(await runIds(t)).toEqual(before);

    // The client's retry with its key: created once, then replayed.
    const retried = await t.call('POST', '/api/runs', { body: runBody, headers: { 'idempotency-key': 'retry-me-1' } });
    expect(retried.status, retried.text).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const again = await t.call('POST', '/api/runs', { body: runBody, headers: { 'idempotency-key': 'retry-me-1' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(retried.body.id);
    expect(await runIds(t)).toEqual([...before, retried.body.id].sort());

    // Outage 2: stopped, then started again on the same port (connections refused meanwhile).
    const restarted = t.redis.restart(4000);
    await waitFor(() => downLines(t).length === 2, 5000, 'the line saying Redis is away again');
    const refused = await t.call('POST', '/api/runs', { body: runBody });
    expectUnavailable(refused, t);
    expectUnavailable(await t.call('GET', `/api/runs/${retried.body.id}`), t);
    await restarted;
    await waitFor(() => upLines(t).length === 2, 15_000, 'the line saying Redis is back again');
    await sleep(500);
    expect(await runIds(t)).toEqual([...before, retried.body.id].sort());
    const ok = await t.call('GET', `/api/runs/${retried.body.id}`);
    expect(ok.status, ok.text).toBe(200);

    // One line per outage start and end, nothing else about Redis, and no raw ioredis output.
    expect(downLines(t)).toHaveLength(2);
    expect(upLines(t)).toHaveLength(2);
    expect(t.lines.filter((l) => /redis|Redis/.test(l) && !/cannot reach Redis|reachable again/.test(l))).toEqual([]);
    expect(unhandled.mock.calls.map((c) => String(c[0])).filter((m) => /Unhandled error event/.test(m))).toEqual([]);
  });

  it('paused in the middle of a run\'s creation: 503, and the part Redis carries out when it wakes is cancelled', { timeout: 60_000 }, async () => {
    const t = await startInProcessController(cleanups);
    const imported = await t.call('POST', '/api/images/import', { body: { path: t.smallIso } });
    expect(imported.status, imported.text).toBe(201);
    // One run first: the run store's scripts are then loaded in Redis (a first EVALSHA would find none, and create nothing).
    expect((await t.call('POST', '/api/runs', { body: { imageId: imported.body.id, copies: 1 } })).status).toBe(201);
    const before = await runIds(t);
    // Pause Redis once the request is admitted and its handler is about to store the run.
    const planner = t.controller.planner;
    const createRun = planner.createRun.bind(planner);
    planner.createRun = (...args: Parameters<typeof createRun>) => {
      process.kill(t.redis.pid, 'SIGSTOP');
      return createRun(...args);
    };
    const res = await t.call('POST', '/api/runs', { body: { imageId: imported.body.id, copies: 3 } });
    expectUnavailable(res, t);
    planner.createRun = createRun;
    process.kill(t.redis.pid, 'SIGCONT');
    await waitFor(() => upLines(t).length === 1, 10_000, 'the line saying Redis is back');
    // Whatever run record the woken Redis stored is cancelled, and nothing is queued for it.
    const settled = await waitFor(async () => {
      const list = (await t.call('GET', '/api/runs')).body as { id: string; status: string; statusReason?: string }[];
      const extra = list.filter((r) => !before.includes(r.id));
      return extra.every((r) => r.status === 'cancelled') ? extra : null;
    }, 10_000, 'the half-created run to be cancelled');
    // The run's record reached the paused Redis before it stopped reading: it is there, cancelled.
    expect(settled).toHaveLength(1);
    expect(settled[0]?.statusReason).toMatch(/not created: Redis became unreachable/);
    const queue = new Queue('tower-copies-cd', { connection: { url: t.redis.url } });
    cleanups.add(() => queue.close());
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    expect(jobs.filter((j) => (j.data as { runId?: string }).runId === settled[0]?.id)).toEqual([]);
    expect(downLines(t)).toHaveLength(1);
  });
});
