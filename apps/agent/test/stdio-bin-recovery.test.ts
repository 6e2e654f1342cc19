/**
 * An agent back after the controller declared it dead (stdio-bin-recovery.ts):
 * the last attempt of a `stdio:` drive keeping its discs was closed
 * interrupted by the controller, so the agent holds no coaster; its disc is
 * sorted as a reject all the same, including one already moved as passed.
 * Another agent's attempt, a passed last attempt and a drive without an
 * output bin are left alone.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '@tower/jobs';
import type { AttemptStart, NewRun } from '@tower/jobs';
import { openDrive } from 'node-cdrecord-wrapper';
import { startRedisEnv } from '../../../jobs/test/support/tower-harness.js';
import type { RedisEnv } from '../../../jobs/test/support/tower-harness.js';
import type { AgentDrive } from '../src/agent-drives.js';
import { sortInterruptedDisc } from '../src/stdio-bin-recovery.js';
import { StdioBlankDrive } from '../src/stdio-blank-drive.js';
import { StdioOutputBin } from '../src/stdio-output-bin.js';

let env: RedisEnv;
let store: RunStore;
beforeAll(async () => {
  env = await startRedisEnv();
  store = new RunStore(env.client);
});
afterAll(async () => env?.stop());

function newRun(): NewRun {
  return {
    id: randomUUID(),
    image: { path: env.image.path, sha256: env.image.sha256, sizeBytes: env.image.bytes, sectors: Math.ceil(env.image.bytes / 2048), format: 'iso' },
    mediaClass: 'cd', copies: 3, verify: { mode: 'all' }, priority: 100, dummyFirst: false, maxAttemptsPerCopy: 3, failureBudget: 3,
  };
}

async function begin(runId: string, copy: number, driveId: string, agentId: string): Promise<string> {
  const start: AttemptStart = {
    id: randomUUID(), runId, copy, jobId: `${runId}/${copy}`, driveId, agentId, mediaType: 'CD-R',
    imageSha256: env.image.sha256, verifyPolicy: 'all', startedAt: Date.now(), dummyFirst: false,
  };
  const r = await store.beginAttempt(start);
  if (!r.ok) throw new Error(`begin refused: ${r.reason}`);
  return r.attempt.id;
}

function keepingDrive(name: string): { d: AgentDrive; target: string; out: string } {
  const out = path.join(env.dir, `${name}-out`);
  mkdirSync(out);
  const target = path.join(env.dir, `${name}.img`);
  const raw = openDrive(`stdio:${target}`);
  const loader = new StdioOutputBin({ drive: raw.address, target, outputDir: out });
  const spec = { device: `stdio:${target}`, id: target, label: name, position: 0, simulated: false, stdioMedia: 'CD-R' as const, stdioOutputDir: out };
  return { d: { spec, id: target, drive: new StdioBlankDrive(raw, 'CD-R', () => loader.holding), masterDrive: raw, loader }, target, out };
}

const isos = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.iso')).sort() : []);

describe('the last disc of a stdio: drive whose attempt the controller closed', () => {
  it('is sorted as a reject, and one already moved as passed goes to the rejects', async () => {
    const run = newRun();
    await store.createRun(run);
    const { d, target, out } = keepingDrive('a');
    // Copy 1 passed and kept; copy 2 moved as passed, then the agent died before recording it.
    const good = await begin(run.id, 1, d.id, 'host-a');
    writeFileSync(target, 'good');
    await d.loader!.afterDisc('passed', undefined, { runId: run.id, copy: 1, attemptId: good });
    await store.endAttempt(good, { outcome: 'passed', endedAt: Date.now() });
    const lost = await begin(run.id, 2, d.id, 'host-a');
    writeFileSync(target, 'verified, not recorded');
    await d.loader!.afterDisc('passed', undefined, { runId: run.id, copy: 2, attemptId: lost });
    expect(isos(out)).toHaveLength(2);
    expect(await store.closeInterruptedAttempts('host-a', { expired: true })).toEqual([lost]);

    // Another agent's drive and a drive without a bin: nothing happens.
    await sortInterruptedDisc(env.client, store, 'host-b', d);
    expect(isos(out)).toHaveLength(2);
    const plain: AgentDrive = { ...d, loader: undefined } as unknown as AgentDrive;
    await sortInterruptedDisc(env.client, store, 'host-a', plain);
    expect(isos(out)).toHaveLength(2);

    await sortInterruptedDisc(env.client, store, 'host-a', d);
    expect(isos(out)).toEqual([`run-${run.id}_copy-0001_${good.slice(0, 8)}_passed.iso`]);
    expect(isos(path.join(out, 'rejects'))).toEqual([`run-${run.id}_copy-0002_${lost.slice(0, 8)}_failed.iso`]);
  });

  it('leaves a drive whose last attempt passed alone', async () => {
    const run = newRun();
    await store.createRun(run);
    const { d, target, out } = keepingDrive('b');
    const good = await begin(run.id, 1, d.id, 'host-a');
    writeFileSync(target, 'good');
    await d.loader!.afterDisc('passed', undefined, { runId: run.id, copy: 1, attemptId: good });
    await store.endAttempt(good, { outcome: 'passed', endedAt: Date.now() });
    await sortInterruptedDisc(env.client, store, 'host-a', d);
    expect(isos(out)).toEqual([`run-${run.id}_copy-0001_${good.slice(0, 8)}_passed.iso`]);
    expect(isos(path.join(out, 'rejects'))).toEqual([]);
  });
});
