/**
 * Security headers on API answers and on the UI's pages, and which routes
 * answer without a token when the UI is served: only the health check, the
 * OpenAPI document and the UI's own static routes (public by where they are
 * registered, whatever the URL looks like). The UI is a small static export
 * written here, with inline scripts like Next's.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';
import { inlineScriptHashesOf } from '../../src/api/inline-script-hashes.js';
import { call, OPERATOR, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

const BOOT = 'self.__boot=(self.__boot||[]).push(1)';
const FLIGHT = 'self.__next_f.push([1,"a \\u003c/b\\u003e"])';
const NOT_FOUND_SCRIPT = 'document.title="missing"';
const page = (body: string): string =>
  `<!DOCTYPE html><html><head><script src="/_next/static/chunks/app.js" async=""></script><script id="_R_">${BOOT}</script></head>`
  + `<body>${body}<script>${FLIGHT}</script></body></html>`;

let env: Env;
let cleanupUi = (): void => undefined;
beforeAll(async () => {
  env = await startEnv({ deps: { uiDir: writeUi() } });
});
afterAll(async () => {
  await env?.stop();
  cleanupUi();
});

function writeUi(): string {
  const { dir, cleanup } = makeTempDir('tower-ui-');
  cleanupUi = cleanup;
  mkdirSync(path.join(dir, '_next', 'static', 'chunks'), { recursive: true });
  mkdirSync(path.join(dir, 'runs'));
  writeFileSync(path.join(dir, 'index.html'), page('<main>tower</main>'));
  writeFileSync(path.join(dir, 'runs', 'index.html'), page('<main>runs</main>'));
  writeFileSync(path.join(dir, '404.html'), `<!DOCTYPE html><html><body><h1>Not here</h1><script>${NOT_FOUND_SCRIPT}</script></body></html>`);
  writeFileSync(path.join(dir, '_next', 'static', 'chunks', 'app.js'), 'console.log("app")');
  return dir;
}

const sha = (script: string): string => `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;

/** CSP directives by name. */
function csp(headers: Headers): Map<string, string[]> {
  const value = headers.get('content-security-policy');
  expect(value, 'Content-Security-Policy header').not.toBeNull();
  return new Map((value ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0] !== '').map(([name = '', ...sources]) => [name, sources]));
}

function expectCommonHeaders(headers: Headers): void {
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(csp(headers).get('frame-ancestors')).toEqual(["'none'"]);
}

/** A request with `target` sent as written. */
function raw(method: string, target: string, token: string | null = null): Promise<{ status: number; text: string; type: string }> {
  const { hostname, port } = new URL(env.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: target, headers: token === null ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('security headers', () => {
  it('on API answers: a CSP that lets nothing load, no framing, nosniff, no referrer', async () => {
    for (const res of [
      await call(env, 'GET', '/api/runs', { token: VIEWER }),
      await call(env, 'GET', '/api/health', { token: null }),
      await call(env, 'GET', '/api/runs', { token: null }),
      await call(env, 'GET', '/api/runs/run-nope'),
    ]) {
      expectCommonHeaders(res.headers);
      expect(csp(res.headers).get('default-src')).toEqual(["'none'"]);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('on UI pages: scripts from this origin and the hashes of exactly the inline scripts, nothing unsafe', async () => {
    for (const route of ['/', '/runs/']) {
      const res = await call(env, 'GET', route, { token: null });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expectCommonHeaders(res.headers);
      const d = csp(res.headers);
      const scripts = d.get('script-src') ?? [];
      expect(scripts).toContain("'self'");
      expect(scripts).toEqual(expect.arrayContaining([sha(BOOT), sha(FLIGHT), sha(NOT_FOUND_SCRIPT)]));
      expect(scripts).toHaveLength(4);
      expect(d.get('default-src')).toEqual(["'self'"]);
      expect(d.get('connect-src')).toEqual(["'self'"]);
      expect(d.get('object-src')).toEqual(["'none'"]);
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
  });

  it('on UI assets and the UI 404 page', async () => {
    const asset = await call(env, 'GET', '/_next/static/chunks/app.js', { token: null });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expectCommonHeaders(asset.headers);
    const missing = await call(env, 'GET', '/no-such-page/', { token: null });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Not here');
    expectCommonHeaders(missing.headers);
    expect(csp(missing.headers).get('script-src')).toContain(sha(NOT_FOUND_SCRIPT));
  });

  it('hashes inline scripts only, byte for byte', () => {
    expect(inlineScriptHashesOf(page(''))).toEqual([sha(BOOT), sha(FLIGHT)]);
    expect(inlineScriptHashesOf('<SCRIPT type="module">a()</SCRIPT ><script\nsrc="/x.js"></script><script data-src="y">b()</script>')).toEqual([sha('a()'), sha('b()')]);
  });
});

describe('default deny with the UI served', () => {
  it('serves the UI without a token, and only the UI, health and the OpenAPI document', async () => {
    expect((await raw('GET', '/')).status).toBe(200);
    expect((await raw('HEAD', '/')).status).toBe(200);
    expect((await raw('GET', '/index.html')).status).toBe(200);
    expect((await raw('GET', '/api/health')).status).toBe(200);
    expect((await raw('GET', '/api/openapi.json')).status).toBe(200);
  });

  it('asks for a token on every route of the OpenAPI document but health, the screens\' claim of a pairing code and /metrics', async () => {
    const doc = (await call(env, 'GET', '/api/openapi.json', { token: null })).body as { paths: Record<string, Record<string, unknown>> };
    // The claim takes a pairing code instead (its wrong codes are throttled like tokens: screens.test.ts).
    const claim = await raw('POST', '/api/screens/claim');
    expect(claim.status).toBe(400);
    expect(JSON.parse(claim.text)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    const tried: string[] = [];
    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (route === '/api/health' || route === '/api/screens/claim') continue;
        // Outside the API's roles on purpose: its own scrape token when one is configured (none here), see metrics-endpoint.test.ts.
        if (route === '/metrics') {
          expect((await raw(method.toUpperCase(), route)).status).toBe(200);
          continue;
        }
        const target = route.replace(/\{[^}]+\}/g, 'x');
        const res = await raw(method.toUpperCase(), target);
        expect(res.status, `${method} ${target}`).toBe(401);
        expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
        tried.push(`${method} ${target}`);
      }
    }
    expect(tried.length).toBeGreaterThan(20);
  });

  it('judges the matched route, not the URL text', async () => {
    for (const target of ['/%61pi/audit', `${env.url}/api/audit`, '/%61pi/runs', '/api/%61gents']) {
      const res = await raw('GET', target);
      expect(res.status, target).toBe(401);
      expect(res.text).not.toMatch(/"createdBy"|"action"/);
    }
    expect((await raw('GET', '/%61pi/audit', VIEWER)).status).toBe(403);
    expect((await raw('GET', '/%61pi/audit', OPERATOR)).status).toBe(200);
  });

  it('tells nothing about unknown API routes without a token, and 404 with one', async () => {
    for (const target of ['/api/nothing-here', '/%61pi/nothing-here', '/api', '/api/']) {
      const res = await raw('GET', target);
      expect(res.status, target).toBe(401);
      expect(res.text, target).not.toMatch(/nothing-here/);
    }
    const known = await raw('GET', '/api/nothing-here', VIEWER);
    expect(known.status).toBe(404);
    expect(JSON.parse(known.text)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    // A method the UI does not serve is no UI route: it needs a token.
    expect((await raw('POST', '/')).status).toBe(401);
    expect((await raw('DELETE', '/index.html')).status).toBe(401);
    expect((await raw('POST', '/', OPERATOR)).status).toBe(404);
  });
});
