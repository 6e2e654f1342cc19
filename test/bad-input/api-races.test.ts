/**
 * Racing requests over the controller's HTTP API (the real app, Redis, library
 * and planner of apps/controller/test/api/support.ts): every pair of run
 * control requests (pause, resume, cancel now, cancel letting the burns in
 * flight finish) fired together, 20 times a pair, and a delete of an image
 * racing the creation of a run for it, 20 times.
 *
 * Run control is one state machine in Redis (jobs/src/run-control.ts), so the
 * answers and the end state of a racing pair are always those of the two
 * requests made one after the other, in one order or the other: where the pair
 * conflicts one wins and the other gets a clear 409 naming the state it found.
 * Whatever the order, nothing is stranded: a cancelled (or cancelling) run has
 * no queued copy, an active run has a queued copy for every slot not yet
 * passed, and a cancel waiting for a burn in flight ends `cancelled` when it
 * ends. An image and a run for it are never both answered for: a delete that
 * wins leaves no run (nor its meta) behind and the create gets 404/409; a
 * create that wins keeps the image, its file and its run, and the delete
 * gets 409 IMAGE_IN_USE.
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv } from '../../apps/controller/test/api/support.js';
import type { Env, Json, Res } from '../../apps/controller/test/api/support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
});
afterAll(async () => env?.stop());

const TRIALS = 20;
const COPIES = 3;

type Action = 'pause' | 'resume' | 'cancel-now' | 'cancel-finish';
/** Where a run is, as an operator sees it; `cancelling`: paused, waiting for its burns in flight. */
type State = 'running' | 'paused' | 'cancelling' | 'cancelled';

/**
 * The transitions an operator may make, written out here on their own (the
 * table of jobs/src/run-control.ts, with a burn in flight): undefined is a 409.
 */
const MODEL: Record<Action, Partial<Record<State, State>>> = {
  pause: { running: 'paused' },
  resume: { paused: 'running' },
  'cancel-now': { running: 'cancelled', paused: 'cancelled', cancelling: 'cancelled' },
  'cancel-finish': { running: 'cancelling', paused: 'cancelling' },
};

/** Answers and end state of `first` then `second`, made one after the other from `from`. */
function serial(from: State, first: Action, second: Action): { codes: [number, number]; end: State } {
  const a = MODEL[first][from];
  const mid = a ?? from;
  const b = MODEL[second][mid];
  return { codes: [a === undefined ? 409 : 200, b === undefined ? 409 : 200], end: b ?? mid };
}

function request(runId: string, action: Action): Promise<Res<Json>> {
  if (action === 'pause') return call(env, 'POST', `/api/runs/${runId}/pause`);
  if (action === 'resume') return call(env, 'POST', `/api/runs/${runId}/resume`);
  return call(env, 'POST', `/api/runs/${runId}/cancel`, { body: { inFlight: action === 'cancel-now' ? 'cancel' : 'finish' } });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Fire two requests, the second `offsetMs` after the first (0: together). */
async function race<A, B>(a: () => Promise<A>, b: () => Promise<B>, offsetMs: number, bFirst: boolean): Promise<[A, B]> {
  const later = async <T>(f: () => Promise<T>): Promise<T> => {
    if (offsetMs > 0) await sleep(offsetMs);
    return f();
  };
  return bFirst ? Promise.all([later(a), b()]) : Promise.all([a(), later(b)]);
}

/** The run's copy jobs no drive holds, by slot. */
async function queuedSlots(runId: string): Promise<number[]> {
  const jobs = await env.cdQueue.getJobs(['waiting', 'prioritized', 'delayed']);
  return jobs.filter((j) => (j.data as { runId?: string }).runId === runId).map((j) => (j.data as { copy: number }).copy).sort((x, y) => x - y);
}

/** The state an operator sees: `cancelling` is a paused run letting its burns in flight finish. */
async function stateOf(runId: string): Promise<{ state: string; view: Record<string, unknown> }> {
  const res = await call(env, 'GET', `/api/runs/${runId}`);
  expect(res.status).toBe(200);
  const view = res.body as { status: string; statusReason: string | null };
  const cancelling = view.status === 'paused' && /letting the burns in flight finish/.test(view.statusReason ?? '');
  return { state: cancelling ? 'cancelling' : view.status, view: res.body as Record<string, unknown> };
}

/** Nothing stranded: cancelled/cancelling runs hold no queued copy; active runs hold one for every slot not passed. */
async function expectConsistent(runId: string, state: string, why: string): Promise<void> {
  const slots = await queuedSlots(runId);
  if (state === 'cancelled' || state === 'cancelling') expect(slots, `${why}: a ${state} run has no queued copies`).toEqual([]);
  else {
    const passed = new Set(await env.runStore.passedSlots(runId));
    const want = Array.from({ length: COPIES }, (_, i) => i + 1).filter((c) => !passed.has(c));
    expect(slots, `${why}: a ${state} run has its remaining copies queued`).toEqual(want);
  }
}

/** A run of COPIES copies with one burn in flight (copy 1 on a drive), `running` or `paused`. */
async function makeRun(from: 'running' | 'paused'): Promise<{ runId: string; attemptId: string }> {
  const created = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: COPIES } });
  expect(created.status, created.text).toBe(201);
  const runId = created.body.id as string;
  const attemptId = randomUUID();
  const began = await env.runStore.beginAttempt({
    id: attemptId, runId, copy: 1, jobId: `${runId}/1`, driveId: 'sim:race', agentId: 'agent-race', mediaType: 'CD-R',
    imageSha256: env.image.sha256, verifyPolicy: 'all', startedAt: Date.now(), dummyFirst: false,
  });
  expect(began.ok).toBe(true);
  if (from === 'paused') expect((await request(runId, 'pause')).status).toBe(200);
  return { runId, attemptId };
}

const ACTIONS: readonly Action[] = ['pause', 'resume', 'cancel-now', 'cancel-finish'];
const PAIRS: [Action, Action][] = ACTIONS.flatMap((a, i) => ACTIONS.slice(i).map((b): [Action, Action] => [a, b]));

describe('racing run control: as if one after the other, nothing stranded', () => {
  it.each(PAIRS)('%s racing %s, 20 trials', async (a, b) => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const from = trial % 2 === 0 ? 'running' : 'paused';
      const { runId, attemptId } = await makeRun(from);
      const [ra, rb] = await race(() => request(runId, a), () => request(runId, b), (trial * 3) % 9, Math.floor(trial / 2) % 2 === 1);
      const why = `trial ${trial} from ${from}: ${a} → ${ra.status} ${ra.text.slice(0, 200)}, ${b} → ${rb.status} ${rb.text.slice(0, 200)}`;
      for (const r of [ra, rb]) {
        expect([200, 409], why).toContain(r.status);
        if (r.status === 409) {
          expect(r.body.error.code, why).toBe('CONFLICT');
          // The loser names the state it found.
          expect(['queued', 'running', 'paused', 'cancelling', 'completed', 'failed', 'cancelled'], why).toContain(r.body.error.state);
          expect(r.body.error.message, why).toContain(r.body.error.state === 'cancelling' ? 'being cancelled' : r.body.error.state);
        }
      }
      const { state } = await stateOf(runId);
      const orders = [serial(from, a, b), serial(from, b, a)];
      const seen = { codes: [ra.status, rb.status], end: state };
      const explained = orders.some((o, i) => o.end === state && (i === 0 ? o.codes : [o.codes[1], o.codes[0]]).join() === seen.codes.join());
      expect(explained, `${why}: end ${state}, which neither order gives (${JSON.stringify(orders)})`).toBe(true);
      // The same request twice, where it applies: exactly one wins.
      if (a === b) expect([ra.status, rb.status].filter((s) => s === 200), `${why}: one wins`).toHaveLength(MODEL[a][from] === undefined ? 0 : 1);
      await expectConsistent(runId, state, why);
      // The burn in flight ends: a cancel that waited for it is done, nothing else moves.
      await env.runStore.endAttempt(attemptId, { outcome: 'cancelled', endedAt: Date.now() });
      const after = (await stateOf(runId)).state;
      expect(after, why).toBe(state === 'cancelling' ? 'cancelled' : state);
      await expectConsistent(runId, after, `${why}, after the burn in flight ended`);
      if (after !== 'cancelled') expect((await request(runId, 'cancel-now')).status, why).toBe(200);
      expect(await queuedSlots(runId), why).toEqual([]);
    }
  });
});

describe('deleting an image racing a run for it: never both', () => {
  it('delete image vs create run, 20 trials: one wins, the other a clear 404/409, nothing half-written', async () => {
    const wins = { create: 0, delete: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const image = await env.library.importFromPath(env.isoSmall, { name: `race ${trial}` });
      const file = env.library.imagePath(image.id);
      const runsBefore = new Set(await env.runStore.listRunIds());
      const [del, created] = await race(
        () => call(env, 'DELETE', `/api/images/${image.id}`),
        () => call(env, 'POST', '/api/runs', { body: { imageId: image.id, copies: COPIES } }),
        // Up to 27 ms apart, either first: a run's creation does more before it writes than a delete.
        Math.floor(trial / 2) * 3,
        trial % 2 === 1,
      );
      const why = `trial ${trial}: delete → ${del.status} ${del.text.slice(0, 200)}, create → ${created.status} ${created.text.slice(0, 200)}`;
      expect(del.status === 204 && created.status === 201, `${why}: both succeeded`).toBe(false);
      const newRuns = (await env.runStore.listRunIds()).filter((id) => !runsBefore.has(id));
      if (del.status === 204) {
        wins.delete++;
        expect([404, 409], why).toContain(created.status);
        expect(created.body.error?.message ?? '', why).not.toBe('');
        expect(env.library.get(image.id), why).toBeUndefined();
        expect(existsSync(file), why).toBe(false);
        // Nothing of the refused run is left: no record, no meta, no queued copy.
        expect(newRuns, why).toEqual([]);
        expect((await env.cdQueue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => !runsBefore.has((j.data as { runId: string }).runId)), why).toEqual([]);
      } else {
        expect(created.status, why).toBe(201);
        wins.create++;
        expect(del.status, why).toBe(409);
        expect(del.body.error.code, why).toBe('IMAGE_IN_USE');
        expect(env.library.get(image.id), why).toBeDefined();
        expect(existsSync(file), why).toBe(true);
        const runId = created.body.id as string;
        expect(newRuns, why).toEqual([runId]);
        expect(await queuedSlots(runId), why).toEqual([1, 2, 3]);
        expect((await call(env, 'POST', `/api/runs/${runId}/cancel`)).status, why).toBe(200);
        expect((await call(env, 'DELETE', `/api/images/${image.id}`)).status, why).toBe(204);
      }
      // Every run's meta has its run: nothing half-written.
      for (const key of await env.redis.keys('tower:run:*:meta')) {
        const id = key.slice('tower:run:'.length, -':meta'.length);
        expect(await env.runStore.getRun(id), `${why}: meta of run ${id} without its run`).not.toBeNull();
      }
    }
    expect(wins.create + wins.delete).toBe(TRIALS);
  });
});
