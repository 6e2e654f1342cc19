/**
 * Copies with CD-TEXT land only on drives that declare CD-TEXT writing
 * (issue 14), on one agent with two simulated CD drives: one declared not to
 * write CD-TEXT (`cdText: false`, as a real drive without `"cdText": true`
 * publishes it), one declared to.
 *
 * - the run image says its TOC has CD-TEXT: the undeclared drive never
 *   attempts a copy, it passes each one on, and the declared drive burns
 *   exactly N; no refusal is counted anywhere;
 * - the run image does not say so (the last guard): the undeclared drive
 *   refuses its one attempt before writing (CD_TEXT_NOT_DECLARED), which is
 *   neither a drive fault nor its failed disc, and the declared drive burns N.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SimulatedDrive } from 'node-cdrecord-wrapper';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentConnections } from '../src/agent-connections.js';
import { getDriveFaults, getQuarantine } from '../src/drive-quarantine.js';
import { DriveWorker } from '../src/drive-worker.js';
import { RunPlanner } from '../src/run-planner.js';
import type { AttemptRecord, RunRecord } from '../src/run-records.js';
import type { CreateRunInput } from '../src/run-request.js';
import { startRedisEnv, waitFor } from './support/tower-harness.js';
import type { RedisEnv } from './support/tower-harness.js';

const UNDECLARED = 'sim:0';
const DECLARED = 'sim:1';

let env: RedisEnv;
let album: CreateRunInput['image'];
let scene: Awaited<ReturnType<typeof startScene>> | null = null;

beforeAll(async () => {
  env = await startRedisEnv();
  const bin = Buffer.alloc(300 * 2352, 5);
  writeFileSync(path.join(env.dir, 'album.bin'), bin);
  const sheet = path.join(env.dir, 'album.cue');
  writeFileSync(sheet, 'FILE "album.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
  const toc = path.join(env.dir, 'album.toc');
  writeFileSync(toc, ['CD_DA', 'CD_TEXT {', '  LANGUAGE_MAP { 0 : EN }', '  LANGUAGE 0 { TITLE "The Album" PERFORMER "The Band" }', '}',
    'TRACK AUDIO', 'CD_TEXT { LANGUAGE 0 { TITLE "One" } }', 'FILE "album.bin" 0 00:04:00', ''].join('\n'), 'latin1');
  album = { path: sheet, sha256: createHash('sha256').update(bin).digest('hex'), sizeBytes: bin.length, sectors: 300, format: 'cue', trackModes: ['AUDIO'], tocPath: toc };
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.client.flushall();
});
afterEach(async () => {
  expect(scene?.errors ?? []).toEqual([]);
  await scene?.stop();
  scene = null;
});

/** One agent (shared connections) whose simulated CD drives start one by one; quarantine after one drive fault. */
async function startScene(url: string) {
  const errors: Error[] = [];
  const planner = new RunPlanner({ redisUrl: url, retryBackoffMs: 30 });
  planner.on('error', (e) => errors.push(e));
  await planner.start();
  const connections = new AgentConnections({ redisUrl: url, lockDurationMs: 5_000, onError: (e) => errors.push(e) });
  await connections.start();
  const drives: SimulatedDrive[] = [];
  const workers: DriveWorker[] = [];
  const begins: AttemptRecord[] = [];
  const passedOn = new Map<string, string[]>();
  return {
    planner, errors, begins, passedOn, workers,
    async add(index: number, cdText: boolean): Promise<void> {
      const drive = new SimulatedDrive({ index, timeScale: 0.0005, progressIntervalMs: 5, autoLoader: { media: 'CD-R' }, cdText });
      drives.push(drive);
      const worker = new DriveWorker({
        drive, agentId: 'agent-test', connections, pollIntervalMs: 15, sameDriveRetryDelayMs: 100, putBackDelayMs: 30,
        lockDurationMs: 5_000, quarantineAfter: 1,
      });
      workers.push(worker);
      worker.on('error', (e) => errors.push(e));
      worker.on('attempt-begin', (a) => begins.push(a));
      worker.on('passed-on', (c) => passedOn.set(drive.address, [...(passedOn.get(drive.address) ?? []), c.why]));
      await worker.start();
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((w) => w.close({ cancelInFlight: true })));
      await connections.close();
      await planner.close();
      for (const d of drives) d.dispose();
    },
  };
}

async function completed(planner: RunPlanner, runId: string): Promise<RunRecord> {
  const run = await waitFor(async () => {
    const r = await planner.store.getRun(runId);
    return r?.status === 'completed' ? r : null;
  }, 20_000, 'the run completed');
  await planner.idle();
  return run;
}

describe('copies with CD-TEXT and drives that declare it', () => {
  it('every copy lands on the declared drive; the undeclared one attempts none and no refusal is counted', async () => {
    scene = await startScene(env.server.url);
    const s = scene;
    await s.add(0, false);
    const run = await s.planner.createRun({ image: { ...album, cdText: true }, copies: 4, verify: { mode: 'off' } });
    // Alone, the undeclared drive draws the copies again and again: it passes each on and attempts none.
    await waitFor(() => (s.passedOn.get(UNDECLARED) ?? []).filter((w) => w === 'unsuitable').length >= 5 || s.begins.length > 0, 10_000, 'copies passed on');
    expect(s.begins).toEqual([]);
    // It publishes what it declares (the controller's views and run coverage read it).
    expect(s.workers[0]?.status?.writesCdText).toBe(false);
    await s.add(1, true);
    const done = await completed(s.planner, run.id);
    expect(s.workers[1]?.status?.writesCdText).toBe(true);
    const attempts = await s.planner.store.listAttempts(run.id);
    expect(attempts.map((a) => a.driveId)).toEqual([DECLARED, DECLARED, DECLARED, DECLARED]);
    expect(attempts.every((a) => a.outcome === 'passed' && a.counted === true && a.error === undefined)).toBe(true);
    expect(done.counters).toMatchObject({ passed: 4, failed: 0, attempts: 4 });
    expect((await s.planner.store.driveCounts([UNDECLARED])).get(UNDECLARED)).toEqual({ passed: 0, failed: 0 });
    expect(await getDriveFaults(env.client, s.planner.store.keys, UNDECLARED, 1)).toBe(0);
    expect(await getQuarantine(env.client, s.planner.store.keys, UNDECLARED)).toBeNull();
  });

  it('a run image that does not say its CD-TEXT meets the last guard: one refusal before writing, no fault, the declared drive burns N', async () => {
    scene = await startScene(env.server.url);
    const s = scene;
    await s.add(0, false);
    const run = await s.planner.createRun({ image: album, copies: 2, verify: { mode: 'off' } });
    const refused = await waitFor(async () => (await s.planner.store.listAttempts(run.id)).find((a) => a.outcome !== undefined), 10_000, 'the refused attempt');
    expect(refused).toMatchObject({ driveId: UNDECLARED, outcome: 'failed', error: { code: 'CD_TEXT_NOT_DECLARED', driveFault: false } });
    await s.add(1, true);
    const done = await completed(s.planner, run.id);
    const attempts = await s.planner.store.listAttempts(run.id);
    expect(attempts.filter((a) => a.driveId === UNDECLARED)).toHaveLength(1);
    expect(attempts.filter((a) => a.outcome === 'passed' && a.counted === true).map((a) => a.driveId)).toEqual([DECLARED, DECLARED]);
    expect(done.counters.passed).toBe(2);
    expect((await s.planner.store.driveCounts([UNDECLARED])).get(UNDECLARED)).toEqual({ passed: 0, failed: 0 });
    expect(await getDriveFaults(env.client, s.planner.store.keys, UNDECLARED, 1)).toBe(0);
  });
});
