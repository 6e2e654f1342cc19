/**
 * Bad input to `tower template …`, `tower run --template` and `tower runs
 * again` over the built CLI (a child process with an argument array) against
 * a real API (apps/controller/test/api/support.ts). Each case exits non-zero
 * (2 for usage errors, 1 for refusals), prints exactly one line on stderr and
 * nothing on stdout, and changes nothing on the controller (templates, runs,
 * audit log).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startEnv, VIEWER } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';
import { TOWER_CLI } from '../support/repo-paths.js';

let env: Env;
let activeRun = '';
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  expect((await call(env, 'PUT', '/api/templates/std', { body: { imageId: env.image.id, copies: 2 } })).status).toBe(201);
  activeRun = (await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1 } })).body.id;
});
afterAll(async () => env?.stop());

function tower(args: readonly string[], token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ['TOWER_URL', 'TOWER_TOKEN', 'TOWER_CONFIG', 'REDIS_URL']) delete base[k];
  const child = spawn(process.execPath, [TOWER_CLI, ...args], { env: { ...base, HOME: env.dir, TOWER_URL: env.url, TOWER_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function state(): Promise<unknown> {
  return {
    templates: await env.redis.hgetall(env.runStore.keys.templates()),
    runs: (await env.runStore.listRunIds()).sort(),
    audit: await env.redis.llen(env.runStore.keys.audit()),
  };
}

interface Case {
  readonly label: string;
  readonly args: () => string[];
  readonly exit: number;
  readonly stderr: RegExp;
  readonly token?: string;
}

const c = (label: string, args: () => string[], exit: number, stderr: RegExp, token?: string): Case => ({ label, args, exit, stderr, ...(token === undefined ? {} : { token }) });
const image = (): string => env.image.id;

const cases: Case[] = [
  c('template save t1 --copies 2 (no --image)', () => ['template', 'save', 't1', '--copies', '2'], 2, /--image/),
  c('template save t1 --image <id> (no --copies)', () => ['template', 'save', 't1', '--image', image()], 2, /--copies/),
  c("template save 'bad name' --image <id> --copies 2", () => ['template', 'save', 'bad name', '--image', image(), '--copies', '2'], 2, /template name/),
  c('template save t1 --image <id> --copies 0', () => ['template', 'save', 't1', '--image', image(), '--copies', '0'], 2, /--copies must be a whole number from 1 to 10000/),
  c('template save t1 --image <id> --copies 2 --media floppy', () => ['template', 'save', 't1', '--image', image(), '--copies', '2', '--media', 'floppy'], 2, /--media must be one of/),
  c('template save t1 --image <id> --copies 2 --max-attempts 11', () => ['template', 'save', 't1', '--image', image(), '--copies', '2', '--max-attempts', '11'], 2, /--max-attempts/),
  c('template save t1 --image <id> --copies 2 --speed 8.5', () => ['template', 'save', 't1', '--image', image(), '--copies', '2', '--speed', '8.5'], 2, /--speed must be a whole number/),
  c('template save t1 --image no-such-image --copies 2', () => ['template', 'save', 't1', '--image', 'no-such-image', '--copies', '2'], 1, /no-such-image/),
  c('template save t1 --image <id> --copies 2 --drives sim:99', () => ['template', 'save', 't1', '--image', image(), '--copies', '2', '--drives', 'sim:99'], 1, /sim:99/),
  c('template save t1 … as a viewer', () => ['template', 'save', 't1', '--image', image(), '--copies', '2'], 1, /viewer/, VIEWER),
  c('template show nope', () => ['template', 'show', 'nope'], 1, /nope/),
  c("template show 'a/b'", () => ['template', 'show', 'a/b'], 2, /template name/),
  c('template delete nope', () => ['template', 'delete', 'nope'], 1, /nope/),
  c('template delete std as a viewer', () => ['template', 'delete', 'std'], 1, /viewer/, VIEWER),
  c('run --template nope', () => ['run', '--template', 'nope'], 1, /nope/),
  c("run --template 'bad name'", () => ['run', '--template', 'bad name'], 2, /template name/),
  c('run <id> --template std', () => ['run', image(), '--template', 'std'], 2, /not both/),
  c('run (no image, no template)', () => ['run'], 2, /imageId.*--template/),
  c('run <id> (no --copies)', () => ['run', image()], 2, /--copies/),
  c('run --template std --copies 0', () => ['run', '--template', 'std', '--copies', '0'], 2, /--copies must be a whole number/),
  c('run --template std --drives sim:99', () => ['run', '--template', 'std', '--drives', 'sim:99'], 1, /sim:99/),
  c('runs again no-such-run', () => ['runs', 'again', 'no-such-run'], 1, /no-such-run/),
  c('runs again <active run>', () => ['runs', 'again', activeRun], 1, /only a completed, cancelled or failed run/),
  c('runs again <run> as a viewer', () => ['runs', 'again', activeRun], 1, /viewer/, VIEWER),
];

describe('template and run-again CLI bad input: non-zero exit, one stderr line, nothing changed', () => {
  it.each(cases)('tower $label', async (k) => {
    const before = await state();
    const res = await tower(k.args(), k.token ?? OPERATOR);
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(res.code, res.stderr).toBe(k.exit);
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^tower: /);
    expect(lines[0]).toMatch(k.stderr);
    expect(res.stdout).toBe('');
    expect(await state()).toEqual(before);
  });
});
