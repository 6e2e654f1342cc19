/**
 * `GET /api/runs/:id?waitFor=final&timeoutMs=…`, the long poll `tower run
 * --wait` uses: held while the run is active, answered as soon as it ends
 * (its last attempt closed the way an agent closes it: the run store's
 * script, then the attempt's end published on the run events channel), and
 * after `timeoutMs` with the run as it is. Its bad input is in
 * test/bad-input/api.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptEndEvent } from '@tower/jobs';
import { RedisSchema } from '@tower/jobs';
import { call, OPERATOR, startEnv, VIEWER } from './support.js';
import type { Env, Json, Res } from './support.js';

const SCHEMA = new RedisSchema();

/**
 * Most time from a run's end to the held answer, ms. The waiter also reads
 * the run's status once a second on its own: an answer woken by the end
 * itself comes well inside that second, one that missed it comes 0.7 s
 * after the end at the earliest (the end falls 0.3 s into the hold).
 */
const ANSWERED_WITHIN_MS = 500;

let env: Env;

beforeAll(async () => {
  env = await startEnv();
});

afterAll(async () => {
  await env?.stop();
});

async function createRun(copies: number): Promise<string> {
  const created = await call(env, 'POST', '/api/runs', { token: OPERATOR, body: { imageId: env.image.id, copies } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** A long poll started now: its answer and when it came. */
function hold(runId: string, timeoutMs: number): { answer: Promise<{ res: Res<Json>; at: number }>; settled: () => boolean } {
  let done = false;
  const answer = call(env, 'GET', `/api/runs/${runId}?waitFor=final&timeoutMs=${timeoutMs}`, { token: VIEWER }).then((res) => {
    done = true;
    return { res, at: Date.now() };
  });
  return { answer, settled: () => done };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Close copy 1 of the run as passed, as an agent does; resolves with when it ended. */
async function passCopy(runId: string, copy: number): Promise<number> {
  const attemptId = `${runId}-att-${copy}`;
  await env.runStore.beginAttempt({
    runId, jobId: `${runId}/${copy}`, agentId: 'agent-a', mediaType: 'CD-R', imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false,
    id: attemptId, copy, driveId: 'sim:0', startedAt: Date.now(),
  });
  const end = await env.runStore.endAttempt(attemptId, { outcome: 'passed', endedAt: Date.now(), bytes: 10, verifyResult: 'passed' });
  const endedAt = Date.now();
  const event: AttemptEndEvent = { kind: 'attempt-end', runId, copy, attemptId, driveId: 'sim:0', outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted };
  await env.redis.publish(SCHEMA.runEvents(), JSON.stringify(event));
  return endedAt;
}

describe('GET /api/runs/:id?waitFor=final', () => {
  it('holds the answer while the run is active and sends it as soon as the run completes', async () => {
    const runId = await createRun(2);
    await passCopy(runId, 1);
    const held = hold(runId, 30_000);
    await sleep(300);
    expect(held.settled(), 'answered with one copy of two passed').toBe(false);
    const endedAt = await passCopy(runId, 2);
    const { res, at } = await held.answer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: runId, status: 'completed', passed: 2 });
    expect(at - endedAt).toBeLessThan(ANSWERED_WITHIN_MS);
  });

  it('ends the hold at the completing attempt\'s event itself, not at the planner\'s later run:update', async () => {
    // An event that says the run completed, which the store does not say (nothing was recorded): only the event can end
    // this hold (the planner's run:update after it carries the run still queued, the status reads say queued too), and
    // the run is then sent as the store has it. Without the event the hold would last its 30 s.
    const runId = await createRun(2);
    const held = hold(runId, 30_000);
    await sleep(300);
    expect(held.settled()).toBe(false);
    const event: AttemptEndEvent = { kind: 'attempt-end', runId, copy: 1, attemptId: `${runId}-att-x`, driveId: 'sim:0', outcome: 'passed', counted: true, surplus: false, runCompleted: true };
    await env.redis.publish(SCHEMA.runEvents(), JSON.stringify(event));
    const { res } = await held.answer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: runId, status: 'queued', passed: 0 });
  }, 15_000);

  it('sends the run as soon as it is cancelled', async () => {
    const runId = await createRun(3);
    const held = hold(runId, 30_000);
    await sleep(300);
    expect(held.settled()).toBe(false);
    const cancelled = await call(env, 'POST', `/api/runs/${runId}/cancel`, { token: OPERATOR, body: {} });
    const cancelledAt = Date.now();
    expect(cancelled.status).toBe(200);
    const { res, at } = await held.answer;
    expect(res.body).toMatchObject({ id: runId, status: 'cancelled' });
    expect(at - cancelledAt).toBeLessThan(ANSWERED_WITHIN_MS);
  });

  it('answers a run that has ended at once, and an active one after timeoutMs as it is', async () => {
    const ended = await createRun(1);
    await passCopy(ended, 1);
    const from = Date.now();
    const { res, at } = await hold(ended, 30_000).answer;
    expect(res.body).toMatchObject({ id: ended, status: 'completed' });
    expect(at - from).toBeLessThan(ANSWERED_WITHIN_MS);

    const active = await createRun(1);
    const begun = Date.now();
    const late = await hold(active, 400).answer;
    expect(late.res.status).toBe(200);
    expect(late.res.body).toMatchObject({ id: active, status: 'queued' });
    // Not at once, and not at the 20 s default either.
    expect(late.at - begun).toBeGreaterThanOrEqual(390);
    expect(late.at - begun).toBeLessThan(3000);
  });

  it('answers an unknown run 404 at once', async () => {
    const from = Date.now();
    const res = await call(env, 'GET', '/api/runs/run-nope?waitFor=final&timeoutMs=30000', { token: VIEWER });
    expect(res.status).toBe(404);
    expect(Date.now() - from).toBeLessThan(ANSWERED_WITHIN_MS);
  });
});
