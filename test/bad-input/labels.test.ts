/**
 * Bad input to disc labels:
 *
 * - over the API (the real app: apps/controller/test/api/support.ts): label
 *   templates that are not SVG, malformed, with unknown or unclosed fields, a
 *   DOCTYPE, outside references, too long, bad names, unknown properties, a
 *   viewer's token; runs asking for labels with a bad template name or the
 *   wrong type: each a clear 4xx in the API's error format, nothing changed
 *   (the templates, the runs, the audit log);
 * - in tower.json's `printing` (parseConfigText and resolveConfig): a queue
 *   with a space, a server with a space, retries out of range, an unknown
 *   field: each a `ConfigError` naming the field;
 * - over the built `tower` CLI: `tower label …` and `--print-labels` with a
 *   bad name, a missing or empty file, a bad limit: exit 2, one stderr line,
 *   nothing sent.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startEnv, VIEWER } from '../../apps/controller/test/api/support.js';
import type { Env } from '../../apps/controller/test/api/support.js';
import { ConfigError, parseConfigText, resolveConfig } from '../../apps/controller/src/config/config.js';
import { TOWER_CLI } from '../support/repo-paths.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm"><text x="5" y="10">{{runLabel}} {{copy}}</text></svg>';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
  expect((await call(env, 'PUT', '/api/labels/templates/disc', { body: { svg: SVG } })).status).toBe(201);
});
afterAll(async () => env?.stop());

async function state(): Promise<unknown> {
  const keys = env.runStore.keys;
  return {
    templates: await env.redis.hgetall(`${keys.prefix}:labels:templates`),
    runs: await env.redis.zcard(keys.runs()),
    audit: await env.redis.llen(keys.audit()),
  };
}

type Case = [name: string, method: 'PUT' | 'POST', route: string, body: unknown, status: number, message: RegExp, token?: string];
const put = (name: string, body: unknown, status: number, message: RegExp, token?: string): Case => [name, 'PUT', '/api/labels/templates/disc', body, status, message, token];

const apiCases: Case[] = [
  put('not SVG', { svg: '<html><body>{{copy}}</body></html>' }, 400, /must begin with <svg/),
  put('plain text', { svg: 'Copy {{copy}}' }, 400, /must begin with <svg/),
  put('tags that do not match', { svg: SVG.replace('</text>', '</tekst>') }, 400, /does not render: .*tag mismatch/),
  put('an undefined entity', { svg: SVG.replace('{{copy}}', '&copy;') }, 400, /does not render: .*Entity 'copy' not defined/),
  put('an unknown field', { svg: SVG.replace('{{copy}}', '{{copyNumber}}') }, 400, /unknown merge field \{\{copyNumber\}\}/),
  put('a field not closed', { svg: SVG.replace('{{copy}}', '{{copy') }, 400, /not closed/),
  put('a template inside a field', { svg: SVG.replace('{{copy}}', '{{ {{copy}} }}') }, 400, /unknown merge field|not closed/),
  put('a DOCTYPE', { svg: `<!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>${SVG}` }, 400, /DOCTYPE/),
  put('an image from a file', { svg: SVG.replace('<text', '<image href="/etc/hostname"/><text') }, 400, /only refer to its own parts/),
  put('an image from the web', { svg: SVG.replace('<text', '<image xlink:href="https://example.com/x.png"/><text') }, 400, /only refer to its own parts/),
  put('a CSS import', { svg: SVG.replace('<text', '<style>@import "x.css";</style><text') }, 400, /only refer to its own parts/),
  put('an empty SVG', { svg: '' }, 400, /svg/),
  put('an SVG too long', { svg: `${SVG}${' '.repeat(256 * 1024)}` }, 400, /svg/),
  put('no svg', { description: 'x' }, 400, /svg/),
  put('svg as a number', { svg: 42 }, 400, /svg/),
  put('an unknown property', { svg: SVG, fields: ['copy'] }, 400, /fields|additional/i),
  put('a description too long', { svg: SVG, description: 'x'.repeat(201) }, 400, /description/),
  put('a viewer', { svg: SVG }, 403, /viewer/, VIEWER),
  ['a name with a slash', 'PUT', '/api/labels/templates/a%2Fb', { svg: SVG }, 400, /name/],
  ['a name starting with a dot', 'PUT', '/api/labels/templates/.x', { svg: SVG }, 400, /name/],
  ['a run: printLabels as text', 'POST', '/api/runs', { imageId: 'IMAGE', copies: 1, printLabels: 'yes' }, 400, /printLabels/],
  ['a run: a bad template name', 'POST', '/api/runs', { imageId: 'IMAGE', copies: 1, printLabels: true, labelTemplate: '../x' }, 400, /labelTemplate/],
  ['a run: no printer configured', 'POST', '/api/runs', { imageId: 'IMAGE', copies: 1, printLabels: true, labelTemplate: 'disc' }, 422, /no label printer is configured/],
];

describe('label API bad input: a clear 4xx, nothing changed', () => {
  it.each(apiCases)('%s', async (_name, method, route, body, status, message, token) => {
    const before = await state();
    const withImage = JSON.parse(JSON.stringify(body).replace('"IMAGE"', JSON.stringify(env.image.id))) as unknown;
    const res = await call(env, method, route, { body: withImage, ...(token === undefined ? {} : { token }) });
    expect(res.status, res.text).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect(await state()).toEqual(before);
  });

  it.each([['0'], ['1001'], ['many']])('prints ?limit=%s → 400', async (limit) => {
    const res = await call(env, 'GET', `/api/labels/prints?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
  });
});

const printing = { queue: 'labels' };
const configCases: [string, unknown, RegExp][] = [
  ['no queue', {}, /printing\.queue/],
  ['a queue with a space', { queue: 'disc labels' }, /printing\.queue/],
  ['a queue with a slash', { queue: 'a/b' }, /printing\.queue/],
  ['a server with a space', { ...printing, server: 'print host' }, /printing\.server/],
  ['retry attempts 0', { ...printing, retry: { attempts: 0 } }, /printing\.retry\.attempts/],
  ['retry attempts 11', { ...printing, retry: { attempts: 11 } }, /printing\.retry\.attempts/],
  ['a timeout of 10 ms', { ...printing, timeoutMs: 10 }, /printing\.timeoutMs/],
  ['rejectLabels as text', { ...printing, rejectLabels: 'yes' }, /printing\.rejectLabels/],
  ['an unknown field', { ...printing, copies: 2 }, /printing/],
];

describe('printing configuration bad input: a ConfigError naming the field', () => {
  it.each(configCases)('%s', (_name, section, field) => {
    let err: unknown = null;
    try {
      resolveConfig(parseConfigText(JSON.stringify({ printing: section })));
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
  const child = spawn(process.execPath, [TOWER_CLI, ...args], { env: { ...base, TOWER_URL: env.url, TOWER_TOKEN: OPERATOR }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('label CLI bad input: exit 2, one stderr line, nothing changed', () => {
  it.each([
    ['label save with a bad name', ['label', 'save', '_x', 'FILE'], /label template name must be/],
    ['label save with no such file', ['label', 'save', 'disc', '/nonexistent/label.svg'], /cannot read \/nonexistent\/label\.svg: ENOENT/],
    ['label save with an empty file', ['label', 'save', 'disc', 'EMPTY'], /a label template is 1\.\.262144 characters of SVG, this is 0/],
    ['label save with a long description', ['label', 'save', 'disc', 'FILE', '--description', 'x'.repeat(201)], /--description is at most 200 characters/],
    ['label show with a bad name', ['label', 'show', 'a b'], /label template name must be/],
    ['label prints --limit 0', ['label', 'prints', '--limit', '0'], /--limit must be a whole number from 1 to 1000/],
    ['run --print-labels with a bad name', ['run', 'IMAGE', '--copies', '1', '--print-labels', '../x'], /label template name must be/],
  ])('tower %s', async (_label, args, message) => {
    const file = path.join(env.dir, 'label.svg');
    const empty = path.join(env.dir, 'empty.svg');
    writeFileSync(file, SVG);
    writeFileSync(empty, '');
    const before = await state();
    const res = await tower(args.map((a) => (a === 'FILE' ? file : a === 'EMPTY' ? empty : a === 'IMAGE' ? env.image.id : a)));
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(res.code, res.stderr).toBe(2);
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^tower: /);
    expect(lines[0]).toMatch(message);
    expect(await state()).toEqual(before);
  });
});
