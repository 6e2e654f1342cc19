/**
 * Token guessing is throttled per client: `AuthThrottle` on a fake clock, then
 * the real app, where clients are told apart by their source address
 * (127.0.0.1, 127.0.0.2, … are all this host): the API's 429 with
 * Retry-After, the feed's handshake refused the same way, one log line per
 * client per window, and nobody else held up by one client's failures.
 */
import http from 'node:http';
import { connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthThrottle, clientKey } from '../../src/api/auth-throttle.js';
import { assertDeclaredResponse } from './response-check.js';
import { OPERATOR, startEnv, VIEWER, waitFor } from './support.js';
import type { Env } from './support.js';

describe('AuthThrottle', () => {
  const make = (options = {}): { throttle: AuthThrottle; lines: string[]; clock: { t: number } } => {
    const lines: string[] = [];
    const clock = { t: 1_000_000 };
    const throttle = new AuthThrottle({ maxFailures: 3, windowMs: 10_000, blockMs: 30_000, ...options }, { log: (l) => lines.push(l), now: () => clock.t });
    return { throttle, lines, clock };
  };

  it('refuses a client after maxFailures within a window, for blockMs, then lets it start afresh', () => {
    const { throttle, clock } = make();
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs('10.0.0.7')).toBe(0);
      throttle.failed('10.0.0.7', 'unknown API token on GET /api/runs');
      clock.t += 100;
    }
    expect(throttle.retryAfterMs('10.0.0.7')).toBe(30_000 - 100);
    clock.t += 29_000;
    expect(throttle.retryAfterMs('10.0.0.7')).toBe(900);
    clock.t += 900;
    expect(throttle.retryAfterMs('10.0.0.7')).toBe(0);
    // A fresh window: two more failures do not block.
    throttle.failed('10.0.0.7', 'x');
    throttle.failed('10.0.0.7', 'x');
    expect(throttle.retryAfterMs('10.0.0.7')).toBe(0);
    throttle.close();
  });

  it('counts failures per window: spread-out failures never block', () => {
    const { throttle, clock } = make();
    for (let i = 0; i < 10; i++) {
      throttle.failed('10.0.0.8', 'x');
      clock.t += 6_000;
      if (i % 2 === 1) clock.t += 10_000;
    }
    expect(throttle.retryAfterMs('10.0.0.8')).toBe(0);
    throttle.close();
  });

  it('holds other clients to their own count', () => {
    const { throttle } = make();
    for (let i = 0; i < 3; i++) throttle.failed('10.0.0.7', 'x');
    throttle.failed('10.0.0.9', 'x');
    expect(throttle.retryAfterMs('10.0.0.7')).toBeGreaterThan(0);
    expect(throttle.retryAfterMs('10.0.0.9')).toBe(0);
    expect(throttle.blockedClients()).toEqual(['10.0.0.7']);
    throttle.close();
  });

  it('logs one line per client per window, not one per attempt', () => {
    const { throttle, lines, clock } = make();
    // 1,000 guesses: three failures, the rest refused while blocked.
    for (let i = 0; i < 1000; i++) {
      if (throttle.retryAfterMs('10.0.0.7') === 0) throttle.failed('10.0.0.7', 'unknown API token on GET /api/audit');
      clock.t += 10;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/10\.0\.0\.7: 3 failed authentications .*unknown API token on GET \/api\/audit.*refusing it \(429\) for 30 s/);
    // Another client with two failures: its line comes when its window ends.
    throttle.failed('10.0.0.9', 'unknown API token on the feed handshake');
    throttle.failed('10.0.0.9', 'unknown API token on the feed handshake');
    throttle.sweep();
    expect(lines).toHaveLength(1);
    clock.t += 30_000;
    throttle.sweep();
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual(expect.stringMatching(/10\.0\.0\.9: 2 failed authentications within 10 s \(last: unknown API token on the feed handshake\)/));
    expect(lines).toContainEqual(expect.stringMatching(/10\.0\.0\.7: 997 requests refused \(429\) while blocked/));
    throttle.sweep();
    throttle.close();
    expect(lines).toHaveLength(3);
  });

  it('keeps at most maxClients windows, logging the oldest as it drops it', () => {
    const { throttle, lines } = make({ maxClients: 2 });
    throttle.failed('10.0.0.1', 'x');
    throttle.failed('10.0.0.2', 'x');
    throttle.failed('10.0.0.3', 'x');
    expect(lines).toEqual([expect.stringMatching(/^auth: 10\.0\.0\.1: 1 failed authentication /)]);
    throttle.close();
    expect(lines).toHaveLength(3);
  });

  it('takes an IPv4 client on a dual-stack socket for the same client', () => {
    expect(clientKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientKey('fe80::1')).toBe('fe80::1');
    const { throttle } = make();
    for (let i = 0; i < 3; i++) throttle.failed('::ffff:10.0.0.7', 'x');
    expect(throttle.retryAfterMs('10.0.0.7')).toBeGreaterThan(0);
    throttle.close();
  });

  it('refuses nonsense limits', () => {
    expect(() => new AuthThrottle({ maxFailures: 0 }, { log: () => undefined })).toThrow(/maxFailures/);
    expect(() => new AuthThrottle({ blockMs: Number.NaN }, { log: () => undefined })).toThrow(/blockMs/);
  });
});

describe('throttled authentication in the app', () => {
  let env: Env;
  const lines: string[] = [];
  beforeAll(async () => {
    env = await startEnv({ deps: { authThrottle: { maxFailures: 4, windowMs: 60_000, blockMs: 1500 }, log: (l) => lines.push(l) } });
  });
  afterAll(async () => env?.stop());

  /** GET `route` from the source address `from` (the answer checked against the route's declared responses). */
  function get(route: string, token: string | null, from: string): Promise<{ status: number; retryAfter: string | undefined; body: { error?: { code?: string; message?: string } } }> {
    const { hostname, port } = new URL(env.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: hostname, port, path: route, localAddress: from, headers: token === null ? {} : { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          try {
            assertDeclaredResponse(env.app.routes, { method: 'GET', path: route, status, contentType: res.headers['content-type'] ?? '', text });
          } catch (err) {
            reject(err as Error);
            return;
          }
          resolve({ status, retryAfter: res.headers['retry-after'], body: JSON.parse(text) as { error?: { code?: string } } });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Open the feed from `from`; resolves 'connected' or the refusal. */
  function feed(token: string, from: string): Promise<'connected' | { message: string; data: { code?: string; retryAfterSeconds?: number } }> {
    const socket = connect(env.url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false, localAddress: from } as Parameters<typeof connect>[1]);
    return new Promise((resolve) => {
      socket.on('connect', () => {
        socket.close();
        resolve('connected');
      });
      socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
        socket.close();
        resolve({ message: err.message, data: err.data ?? {} });
      });
    });
  }

  it('answers 429 with Retry-After once a client has guessed too often, and only that client', async () => {
    for (let i = 0; i < 4; i++) expect((await get('/api/runs', `guess-${i}`, '127.0.0.2')).status).toBe(401);
    const refused = await get('/api/runs', 'guess-5', '127.0.0.2');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', message: expect.stringMatching(/too many failed authentications .*try again in \d+ s/) });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(2);
    // The token is not even looked at while refused: a valid one from there waits too.
    expect((await get('/api/runs', OPERATOR, '127.0.0.2')).status).toBe(429);
    // Public routes stay public.
    expect((await get('/api/health', null, '127.0.0.2')).status).toBe(200);
    // Other clients: valid tokens work, wrong ones are theirs to count.
    expect((await get('/api/runs', VIEWER, '127.0.0.3')).status).toBe(200);
    expect((await get('/api/runs', 'guess', '127.0.0.3')).status).toBe(401);
    expect((await get('/api/runs', OPERATOR, '127.0.0.1')).status).toBe(200);
    // One line for the blocked client, however many attempts.
    expect(lines.filter((l) => l.includes('127.0.0.2'))).toEqual([expect.stringMatching(/127\.0\.0\.2: 4 failed authentications .*GET \/api\/runs.*429/)]);
    // The block ends.
    await waitFor(async () => (await get('/api/runs', OPERATOR, '127.0.0.2')).status === 200, 5000, 'the block to end');
  });

  it('does not count requests without a token as guesses', async () => {
    for (let i = 0; i < 10; i++) expect((await get('/api/runs', null, '127.0.0.4')).status).toBe(401);
    expect((await get('/api/runs', VIEWER, '127.0.0.4')).status).toBe(200);
  });

  it('throttles the feed handshake with the same count as the API', async () => {
    for (let i = 0; i < 3; i++) expect(await feed(`feed-guess-${i}`, '127.0.0.5')).toMatchObject({ message: 'unknown API token', data: { code: 'UNAUTHENTICATED' } });
    expect((await get('/api/runs', 'api-guess', '127.0.0.5')).status).toBe(401);
    const refused = await feed(OPERATOR, '127.0.0.5');
    expect(refused).toMatchObject({ message: expect.stringMatching(/try again/), data: { code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: expect.any(Number) } });
    expect((await get('/api/runs', OPERATOR, '127.0.0.5')).status).toBe(429);
    expect(await feed(VIEWER, '127.0.0.6')).toBe('connected');
    expect(lines.filter((l) => l.includes('127.0.0.5'))).toEqual([expect.stringMatching(/4 failed authentications .*the feed handshake|4 failed authentications .*GET \/api\/runs/)]);
  });
});
