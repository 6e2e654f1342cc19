/**
 * Bad input to the blank stock and the alerts:
 *
 * - over the API (the real app: apps/controller/test/api/support.ts): stock
 *   receipts, adjustments and thresholds with unknown media types, counts
 *   out of range, a zero or fractional delta, a missing or blank reason,
 *   negative thresholds, unknown fields, a viewer's token, and a bad
 *   deliveries limit: each a clear 4xx in the API's error format, nothing
 *   changed (the stock hash, the audit log);
 * - in tower.json's `alerts` (parseConfigText and resolveConfig, what every
 *   `tower` process starts with): webhook URLs that are no URL, not http(s),
 *   carry credentials, short secrets, unknown conditions, SMTP settings out
 *   of range, a user without a password, bad addresses: each a
 *   `ConfigError` naming the field;
 * - over the built `tower` CLI: `tower stock …` with bad types and numbers:
 *   exit 2, one stderr line, nothing sent.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv, VIEWER } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';
import { ConfigError, parseConfigText, resolveConfig } from '../../apps/controller/src/config/config.js';
import { TOWER_CLI } from '../support/repo-paths.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  expect((await call(env, 'POST', '/api/stock/received', { body: { mediaType: 'DVD-R', count: 100 } })).status).toBe(200);
});
afterAll(async () => env?.stop());

async function state(): Promise<unknown> {
  return { stock: await env.redis.hgetall(env.runStore.keys.blankStock()), audit: await env.redis.llen(env.runStore.keys.audit()) };
}

interface ApiCase { readonly name: string; readonly route: string; readonly body?: unknown; readonly status: number; readonly message: RegExp; readonly token?: string; readonly method?: 'GET' | 'POST' }
const a = (name: string, route: string, body: unknown, status: number, message: RegExp, token?: string): ApiCase => ({ name, route, body, status, message, ...(token === undefined ? {} : { token }) });

const apiCases: ApiCase[] = [
  a('received: unknown media type', '/api/stock/received', { mediaType: 'DVD-X', count: 5 }, 400, /mediaType/),
  a('received: count 0', '/api/stock/received', { mediaType: 'DVD-R', count: 0 }, 400, /count/),
  a('received: negative count', '/api/stock/received', { mediaType: 'DVD-R', count: -5 }, 400, /count/),
  a('received: count too large', '/api/stock/received', { mediaType: 'DVD-R', count: 10_000_000 }, 400, /count/),
  a('received: count as text', '/api/stock/received', { mediaType: 'DVD-R', count: 'ten' }, 400, /count/),
  a('received: unknown field', '/api/stock/received', { mediaType: 'DVD-R', count: 5, price: 3 }, 400, /price|additional/i),
  a('received: a viewer', '/api/stock/received', { mediaType: 'DVD-R', count: 5 }, 403, /viewer/, VIEWER),
  a('adjust: delta 0', '/api/stock/adjust', { mediaType: 'DVD-R', delta: 0, reason: 'stock-take' }, 400, /delta must not be 0/),
  a('adjust: fractional delta', '/api/stock/adjust', { mediaType: 'DVD-R', delta: 1.5, reason: 'stock-take' }, 400, /delta/),
  a('adjust: no reason', '/api/stock/adjust', { mediaType: 'DVD-R', delta: -2 }, 400, /reason/),
  a('adjust: blank reason', '/api/stock/adjust', { mediaType: 'DVD-R', delta: -2, reason: '    ' }, 400, /reason/),
  a('adjust: reason too long', '/api/stock/adjust', { mediaType: 'DVD-R', delta: -2, reason: 'x'.repeat(201) }, 400, /reason/),
  a('adjust: a viewer', '/api/stock/adjust', { mediaType: 'DVD-R', delta: -2, reason: 'stock-take' }, 403, /viewer/, VIEWER),
  a('threshold: negative', '/api/stock/threshold', { mediaType: 'DVD-R', threshold: -1 }, 400, /threshold/),
  a('threshold: text', '/api/stock/threshold', { mediaType: 'DVD-R', threshold: 'low' }, 400, /threshold/),
  a('threshold: missing', '/api/stock/threshold', { mediaType: 'DVD-R' }, 400, /threshold/),
  a('threshold: lower-case type', '/api/stock/threshold', { mediaType: 'dvd-r', threshold: 5 }, 400, /mediaType/),
];

describe('stock and alerts API bad input: a clear 4xx, nothing changed', () => {
  it.each(apiCases)('$name → $status', async (k) => {
    const before = await state();
    const res = await call(env, 'POST', k.route, { body: k.body, ...(k.token === undefined ? {} : { token: k.token }) });
    expect(res.status, JSON.stringify(res.body)).toBe(k.status);
    expect(res.body.error.message).toMatch(k.message);
    expect(await state()).toEqual(before);
  });

  it.each([['0'], ['1001'], ['many']])('deliveries ?limit=%s → 400', async (limit) => {
    const res = await call(env, 'GET', `/api/alerts/deliveries?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
  });
});

const hook = { url: 'https://hooks.example.com/tower', secret: 'a-long-enough-secret' };
const smtp = { host: 'mail.example.com', port: 587 };
const email = { smtp, from: 'tower@example.com', to: ['floor@example.com'] };
const configCases: [string, unknown, RegExp][] = [
  ['a webhook URL that is no URL', { webhooks: [{ ...hook, url: 'http://exa mple.com/x' }] }, /alerts\.webhooks\[0\]\.url/],
  ['an ftp webhook URL', { webhooks: [{ ...hook, url: 'ftp://example.com/x' }] }, /alerts\.webhooks\.0\.url|alerts\.webhooks\[0\]\.url/],
  ['credentials in the webhook URL', { webhooks: [{ ...hook, url: 'https://user:pw@example.com/x' }] }, /put no credentials in the URL/],
  ['a short webhook secret', { webhooks: [{ ...hook, secret: 'short' }] }, /secret/],
  ['an unknown condition', { webhooks: [{ ...hook, conditions: ['disc-eaten'] }] }, /conditions/],
  ['a condition twice', { webhooks: [{ ...hook, conditions: ['stock-low', 'stock-low'] }] }, /conditions/],
  ['no conditions', { webhooks: [{ ...hook, conditions: [] }] }, /conditions/],
  ['SMTP port 0', { email: { ...email, smtp: { ...smtp, port: 0 } } }, /alerts\.email\.smtp\.port/],
  ['SMTP port 70000', { email: { ...email, smtp: { ...smtp, port: 70_000 } } }, /alerts\.email\.smtp\.port/],
  ['an SMTP host with a space', { email: { ...email, smtp: { ...smtp, host: 'mail example.com' } } }, /alerts\.email\.smtp\.host/],
  ['an SMTP user without a password', { email: { ...email, smtp: { ...smtp, user: 'tower' } } }, /alerts\.email\.smtp\.pass: give both user and pass/],
  ['a bad from address', { email: { ...email, from: 'tower' } }, /alerts\.email\.from/],
  ['no recipients', { email: { ...email, to: [] } }, /alerts\.email\.to/],
  ['a header injected in a recipient', { email: { ...email, to: ['a@b.com\r\nBcc: x@y.com'] } }, /alerts\.email\.to/],
  ['retry attempts 0', { retry: { attempts: 0 } }, /alerts\.retry\.attempts/],
];

describe('alerts configuration bad input: a ConfigError naming the field', () => {
  it.each(configCases)('%s', (_name, alerts, field) => {
    let err: unknown = null;
    try {
      resolveConfig(parseConfigText(JSON.stringify({ alerts })));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(field);
  });
});

function tower(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ['TOWER_URL', 'TOWER_TOKEN', 'TOWER_CONFIG', 'REDIS_URL']) delete base[k];
  const child = spawn(process.execPath, [TOWER_CLI, ...args], { env: { ...base, TOWER_URL: env.url, TOWER_TOKEN: 'op-secret-token' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const cliCases: [string, string[], RegExp][] = [
  ['stock receive DVD-X 5', ['stock', 'receive', 'DVD-X', '5'], /unknown media type 'DVD-X'/],
  ['stock receive DVD-R 0', ['stock', 'receive', 'DVD-R', '0'], /the count must be a whole number from 1/],
  ['stock receive DVD-R ten', ['stock', 'receive', 'DVD-R', 'ten'], /the count must be a whole number/],
  ['stock adjust DVD-R --by 0 --reason x', ['stock', 'adjust', 'DVD-R', '--by', '0', '--reason', 'stock-take'], /--by must not be 0/],
  ['stock adjust DVD-R --by -2 (no reason)', ['stock', 'adjust', 'DVD-R', '--by', '-2'], /--reason/],
  ['stock adjust DVD-R --by -2 --reason ab', ['stock', 'adjust', 'DVD-R', '--by', '-2', '--reason', 'ab'], /--reason must be 3 to 200 characters/],
  ['stock threshold DVD-R -1', ['stock', 'threshold', 'DVD-R', '-1'], /threshold|unknown option/],
  ['stock threshold DVD-R low', ['stock', 'threshold', 'DVD-R', 'low'], /the threshold must be a whole number/],
  ['alerts deliveries --limit 0', ['alerts', 'deliveries', '--limit', '0'], /--limit must be a whole number from 1 to 1000/],
];

describe('stock and alerts CLI bad input: exit 2, one stderr line, nothing changed', () => {
  it.each(cliCases)('tower %s', async (_label, args, message) => {
    const before = await state();
    const res = await tower(args);
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(res.code, res.stderr).toBe(2);
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^tower: /);
    expect(lines[0]).toMatch(message);
    expect(res.stdout).toBe('');
    expect(await state()).toEqual(before);
  });
});
