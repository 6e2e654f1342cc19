/**
 * A drive worker with a disc loader (the disc loader contract; here the
 * simulated auto-loader behind it, `SimDiscLoader`): the loader fills the
 * empty drive, sorts each disc by its verdict instead of the tray just
 * opening, and its stock goes out with the drive's state; an empty input is
 * published as a fact a person must act on; a loader that fails is a fact
 * too, never a failed copy or a stopped loop.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangerError, SimDiscLoader, SimulatedDrive } from 'node-cdrecord-wrapper';
import type { DiscLoader } from 'node-cdrecord-wrapper';
import { DriveWorker } from '../src/drive-worker.js';
import type { DriveStatus } from '../src/drive-state.js';
import { RunPlanner } from '../src/run-planner.js';
import { runInput, startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

let env: RedisEnv;
let planner: RunPlanner | null = null;
let worker: DriveWorker | null = null;
let drive: SimulatedDrive | null = null;
const errors: Error[] = [];

beforeAll(async () => {
  env = await startRedisEnv();
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
  errors.length = 0;
});
afterEach(async () => {
  await worker?.close({ cancelInFlight: true });
  await planner?.close();
  drive?.dispose();
  worker = null;
  planner = null;
  drive = null;
});

/** One simulated CD drive, empty, whose loader holds `stack` blanks; its worker started, with every state it publishes. */
async function start(stack: number, loader?: (d: SimulatedDrive) => DiscLoader, binCapacity?: { passed?: number }): Promise<{ states: DriveStatus[]; planner: RunPlanner }> {
  planner = new RunPlanner({ redisUrl: env.server.url, retryBackoffMs: 30 });
  planner.on('error', (e) => errors.push(e));
  await planner.start();
  drive = new SimulatedDrive({ index: 0, media: null, timeScale: 0.0005, progressIntervalMs: 5, autoLoader: { media: 'CD-R', stack, loadDelayMs: 2000, ...(binCapacity === undefined ? {} : { binCapacity }) } });
  worker = new DriveWorker({
    drive, agentId: 'agent-test', redisUrl: env.server.url, pollIntervalMs: 15, putBackDelayMs: 30, lockDurationMs: 5000,
    loader: loader?.(drive) ?? new SimDiscLoader(drive),
  });
  const states: DriveStatus[] = [];
  worker.on('state', (s) => states.push(s));
  worker.on('error', (e) => errors.push(e));
  await worker.start();
  return { states, planner };
}

describe('a drive worker with a disc loader', () => {
  it('fills the empty drive, sorts every good disc into the output, and says when the input is empty', async () => {
    const { states, planner: p } = await start(3);
    const run = await p.createRun(runInput(env.image, { copies: 3, verify: { mode: 'all' } }));
    await waitFor(async () => (await p.store.getRun(run.id))?.status === 'completed', 20_000, 'the run to complete');
    const last = await waitFor(() => {
      const s = states.at(-1);
      return s?.state === 'empty' && s.loader?.needsPerson === 'input-empty' ? s : null;
    }, 5_000, 'the drive to say its input is empty');
    expect(last).toMatchObject({ autoLoader: true, message: 'the disc loader has no blank disc left: load blank discs into its input' });
    expect(last.loader).toEqual({ blanks: 0, driveLoaded: false, passed: 3, rejected: 0, outputFree: null, rejectFree: null, needsPerson: 'input-empty' });
    // Each disc was sorted by its verdict: none left the drive unsorted, as a plain eject would leave it.
    expect(drive?.autoLoader?.bins).toEqual({ passed: 3, failed: 0, unsorted: 0 });
    // The stock went out with the states on the way: 3 blanks while the first is put in (the drive's first state), 2 left after it, then 1, then 0.
    expect(states[0]).toMatchObject({ state: 'empty', message: 'the disc loader is putting in a blank disc', loader: { blanks: 3 } });
    expect([...new Set(states.map((s) => s.loader?.blanks))]).toEqual([3, 2, 1, 0]);
    expect(errors).toEqual([]);
  });

  it('puts a coaster in the reject bin and the retry on the next blank', async () => {
    const { states, planner: p } = await start(3);
    drive?.setFaults({ writeError: { atPercent: 30 } });
    const run = await p.createRun(runInput(env.image, { copies: 2, verify: { mode: 'all' } }));
    await waitFor(async () => (await p.store.getRun(run.id))?.status === 'completed', 20_000, 'the run to complete');
    const attempts = await p.store.listAttempts(run.id);
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['failed', 'passed', 'passed']);
    await waitFor(() => states.at(-1)?.loader?.needsPerson === 'input-empty', 5_000, 'the input to run out');
    expect(drive?.autoLoader?.bins).toEqual({ passed: 2, failed: 1, unsorted: 0 });
    expect(states.at(-1)?.loader).toMatchObject({ passed: 2, rejected: 1, blanks: 0 });
    // Nobody read the drive's counts, so they are not kept yet: no status carries them.
    expect(states.some((s) => s.counts !== undefined)).toBe(false);
  });

  it('the status that closes an attempt carries the drive\'s counts as the closing script left them; the others carry none', async () => {
    const { states, planner: p } = await start(3);
    // A controller reads a drive's counts when it first lists it: from then on every attempt end keeps them.
    expect((await p.store.driveCounts(['sim:0'])).get('sim:0')).toEqual({ passed: 0, failed: 0 });
    drive?.setFaults({ writeError: { atPercent: 30 } });
    const run = await p.createRun(runInput(env.image, { copies: 2, verify: { mode: 'all' } }));
    await waitFor(async () => (await p.store.getRun(run.id))?.status === 'completed', 20_000, 'the run to complete');
    const closing = states.filter((s) => (s.state === 'done' || s.state === 'failed') && s.counts !== undefined);
    expect(closing.map((s) => [s.state, s.counts])).toEqual([
      ['failed', { passed: 0, failed: 1 }],
      ['done', { passed: 1, failed: 1 }],
      ['done', { passed: 2, failed: 1 }],
    ]);
    expect(new Set(closing.map((s) => s.attemptId)).size).toBe(3);
    expect(states.filter((s) => s.state === 'burning' || s.state === 'blank' || s.state === 'empty').some((s) => s.counts !== undefined)).toBe(false);
    expect((await p.store.driveCounts(['sim:0'])).get('sim:0')).toEqual({ passed: 2, failed: 1 });
  });

  it('a good disc with the output full stays in the drive, shown as such, and goes on once a person makes room', async () => {
    const { states, planner: p } = await start(3, undefined, { passed: 1 });
    const run = await p.createRun(runInput(env.image, { copies: 2, verify: { mode: 'all' } }));
    await waitFor(async () => (await p.store.getRun(run.id))?.status === 'completed', 20_000, 'the run to complete');
    const held = await waitFor(() => (states.at(-1)?.loader?.needsPerson === 'output-full' ? states.at(-1) : null), 5_000, 'output-full');
    expect(held).toMatchObject({ state: 'done', loader: { passed: 1, outputFree: 0, driveLoaded: true, blanks: 1 } });
    expect(drive?.disc?.status).toBe('complete');
    // Nothing moves while the output is full.
    await new Promise((r) => setTimeout(r, 100));
    expect(drive?.autoLoader?.bins.passed).toBe(1);
    // A person empties the output: the held disc goes there and the last blank comes in.
    drive?.autoLoader?.emptyBin('passed');
    const ready = await waitFor(() => (states.at(-1)?.state === 'blank' ? states.at(-1) : null), 5_000, 'the drive to hold a blank again');
    expect(ready?.loader).toMatchObject({ passed: 1, blanks: 0, driveLoaded: true, needsPerson: null });
    expect(errors).toEqual([]);
  });

  it('the changer says the drive holds a disc the drive does not see (its tray opened): the worker closes the tray', async () => {
    const loaded = { blanks: 2, driveLoaded: true, passed: 0, rejected: 0, outputFree: 3, rejectFree: 1, needsPerson: null } as const;
    const changer: DiscLoader = { drive: 'sim:0', stock: async () => loaded, fill: async () => loaded, afterDisc: async () => loaded };
    let closes = 0;
    await start(3, (d) => {
      const load = d.load.bind(d);
      d.load = async (signal?: AbortSignal) => {
        closes++;
        await load(signal);
      };
      return changer;
    });
    await waitFor(() => closes >= 2, 5_000, 'the tray to be closed');
    expect(errors).toEqual([]);
  });

  it('a loader that fails is published as a fact (its code and words); the worker goes on looking', async () => {
    let calls = 0;
    const broken: DiscLoader = {
      drive: 'sim:0',
      stock: async () => {
        calls++;
        throw new ChangerError('gone', "/dev/sg1: mtx status: cannot open SCSI device '/dev/sg1' - No such file or directory");
      },
      fill: async () => {
        calls++;
        throw new ChangerError('gone', "/dev/sg1: mtx status: cannot open SCSI device '/dev/sg1' - No such file or directory");
      },
      afterDisc: async () => {
        throw new Error('not reached');
      },
    };
    const { states } = await start(3, () => broken);
    await waitFor(() => calls >= 4, 5_000, 'the worker to ask the loader again');
    const s = states.at(-1);
    expect(s).toMatchObject({ state: 'empty', autoLoader: true });
    expect(s?.loader?.error).toEqual({ code: 'CHANGER_GONE', message: "/dev/sg1: mtx status: cannot open SCSI device '/dev/sg1' - No such file or directory" });
    expect(s?.message).toMatch(/^the disc loader failed: /);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e instanceof ChangerError)).toBe(true);
  });

  it('a worker stopped while its loader puts a blank in stops at once, with no loader error', async () => {
    // The blank takes 10 s of wall time to come in (plus the loader's 5 s slack): the stop must not wait for it.
    drive = new SimulatedDrive({ index: 0, media: null, timeScale: 0.001, autoLoader: { media: 'CD-R', stack: 3, loadDelayMs: 10_000_000 } });
    worker = new DriveWorker({ drive, agentId: 'agent-test', redisUrl: env.server.url, pollIntervalMs: 15, lockDurationMs: 5000, loader: new SimDiscLoader(drive) });
    const states: DriveStatus[] = [];
    worker.on('state', (s) => states.push(s));
    worker.on('error', (e) => errors.push(e));
    await worker.start();
    await waitFor(() => states.some((s) => s.message === 'the disc loader is putting in a blank disc'), 5_000, 'the loader to be putting a blank in');
    const began = performance.now();
    await worker.close();
    worker = null;
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(errors).toEqual([]);
    expect(states.every((s) => s.loader?.error === undefined)).toBe(true);
  });
});
