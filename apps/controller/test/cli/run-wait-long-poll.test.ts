/**
 * `tower run --wait` against a real controller (the API harness: Redis, the
 * library, the planner, the app on a free port) learns of the run's end when
 * the controller does, by the run's long poll, not at its next poll: with
 * the poll period set to 10 s, the command ends well inside a second of the
 * run's last attempt closing (closed as an agent closes it), with progress
 * drawn and with `--json`. And the built `tower` prints `--json` without
 * formatting a number or a date: a process's first Intl formatter costs a
 * quarter of a second in the rig's guest; so do its list and show commands
 * (`tower runs --json` rendered the table it did not print: 0.3 s of the
 * guest's 1.1 s).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptEndEvent } from '@tower/jobs';
import { RedisSchema } from '@tower/jobs';
import { EXIT } from '../../src/cli/cli-output.js';
import { OPERATOR, startEnv } from '../api/support.js';
import type { Env } from '../api/support.js';
import { runCli } from './cli-harness.js';

/** The poll period the command is given: a poll would learn of the end up to this late. */
const POLL_PERIOD_MS = 10_000;

/** Most time from the run's end to the command's end, ms: far below the period, above a loaded host's request time. */
const ENDED_WITHIN_MS = 1000;

const SCHEMA = new RedisSchema();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'tower.js');
let env: Env;

beforeAll(async () => {
  env = await startEnv();
});

afterAll(async () => {
  await env?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The run the command created, once it is there. */
async function newRun(known: ReadonlySet<string>): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const fresh = (await env.runStore.listRunIds()).find((id) => !known.has(id));
    if (fresh !== undefined) return fresh;
    await sleep(25);
  }
  throw new Error('tower run created no run');
}

/** Close the run's only copy as passed, as an agent does; resolves with when it ended. */
async function passOnlyCopy(runId: string): Promise<number> {
  const attemptId = `${runId}-att`;
  await env.runStore.beginAttempt({
    runId, jobId: `${runId}/1`, agentId: 'agent-a', mediaType: 'CD-R', imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false,
    id: attemptId, copy: 1, driveId: 'sim:0', startedAt: Date.now(),
  });
  const end = await env.runStore.endAttempt(attemptId, { outcome: 'passed', endedAt: Date.now(), bytes: 10, verifyResult: 'passed' });
  const endedAt = Date.now();
  const event: AttemptEndEvent = { kind: 'attempt-end', runId, copy: 1, attemptId, driveId: 'sim:0', outcome: 'passed', counted: end.counted, surplus: end.surplus, runCompleted: end.runCompleted };
  await env.redis.publish(SCHEMA.runEvents(), JSON.stringify(event));
  return endedAt;
}

describe('tower run --wait', () => {
  for (const json of [true, false]) {
    it(`ends at once when the run completes, not at the next poll${json ? ' (--json)' : ' (progress drawn)'}`, async () => {
      const known = new Set(await env.runStore.listRunIds());
      const argv = ['run', env.image.id, '--copies', '1', '--wait', ...(json ? ['--json'] : [])];
      const cli = runCli(argv, { env: { TOWER_URL: env.url, TOWER_TOKEN: OPERATOR }, pollIntervalMs: POLL_PERIOD_MS }).then((r) => ({ ...r, at: Date.now() }));
      const runId = await newRun(known);
      // Past the command's first read of the run: it waits now.
      await sleep(500);
      const endedAt = await passOnlyCopy(runId);
      const result = await cli;
      expect(result.code, result.stderr).toBe(EXIT.ok);
      if (json) expect(JSON.parse(result.stdout)).toMatchObject({ id: runId, status: 'completed', passed: 1 });
      else expect(result.stdout).toMatch(/completed, 1\/1 passed/);
      expect(result.at - endedAt).toBeLessThan(ENDED_WITHIN_MS);
    });
  }
});

describe.skipIf(!existsSync(path.join(ROOT, 'dist', 'bundle', 'tower.mjs')))('the built tower run --wait', () => {
  /** A module to load before the CLI: says so on stderr whenever an Intl number or date formatter is made. */
  const intlProbe = async (): Promise<string> => {
    const preload = path.join(env.dir, 'intl-probe.mjs');
    await writeFile(preload, [
      'for (const name of ["NumberFormat", "DateTimeFormat"]) {',
      '  const Real = Intl[name];',
      '  Intl[name] = new Proxy(Real, { construct(target, args) { process.stderr.write(`intl ${name}\\n`); return Reflect.construct(target, args); } });',
      '}',
    ].join('\n'));
    return preload;
  };

  it('makes no Intl formatter for --json, and does for the text', async () => {
    const preload = await intlProbe();
    for (const json of [true, false]) {
      const known = new Set(await env.runStore.listRunIds());
      const argv = ['--import', preload, BIN, 'run', env.image.id, '--copies', '1', '--wait', ...(json ? ['--json'] : [])];
      const cli = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, argv, { env: { ...process.env, TOWER_URL: env.url, TOWER_TOKEN: OPERATOR } }, (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
        });
      });
      const runId = await newRun(known);
      await sleep(300);
      await passOnlyCopy(runId);
      const result = await cli;
      expect(result.code, result.stderr).toBe(EXIT.ok);
      if (json) expect(result.stderr).not.toMatch(/^intl /m);
      else expect(result.stderr).toMatch(/^intl NumberFormat$/m);
    }
  });

  it('lists and shows with --json without formatting the text it does not print (`tower runs`, `runs show`, `images`)', async () => {
    const preload = await intlProbe();
    const created = await runCli(['run', env.image.id, '--copies', '1', '--json'], { env: { TOWER_URL: env.url, TOWER_TOKEN: OPERATOR } });
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const runId = (JSON.parse(created.stdout) as { id: string }).id;
    for (const args of [['runs'], ['runs', 'show', runId], ['images']]) {
      for (const json of [true, false]) {
        const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, ['--import', preload, BIN, ...args, ...(json ? ['--json'] : [])], { env: { ...process.env, TOWER_URL: env.url, TOWER_TOKEN: OPERATOR } }, (err, stdout, stderr) => {
            resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
          });
        });
        expect(result.code, `tower ${args.join(' ')}: ${result.stderr}`).toBe(EXIT.ok);
        expect(result.stdout, args.join(' ')).toContain(args[0] === 'images' ? env.image.id : runId);
        // The text has dates and sizes in it: formatted only when it is printed.
        if (json) expect(result.stderr, args.join(' ')).not.toMatch(/^intl /m);
        else expect(result.stderr, args.join(' ')).toMatch(/^intl (?:NumberFormat|DateTimeFormat)$/m);
      }
    }
  });
});
