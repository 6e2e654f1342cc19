/**
 * Wall screens: a pairing code made by an operator, claimed once for a
 * screen token (viewer) that works on the API and the feed, kept only
 * hashed, listed, and revoked at once (401 on the API, the feed connection
 * closed). Wrong codes are failed authentications of the client.
 */
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisSchema } from '@tower/jobs';
import { newPairingCode, normalisePairingCode, PAIRING_ALPHABET } from '../../src/api/pairing-code.js';
import { ScreenRegistry } from '../../src/api/screen-registry.js';
import type { ClientToServerEvents, FeedError, ScreenClaim, ScreenPairing, ServerToClientEvents } from '../../src/shared/api-types.js';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let env: Env;
const clients: Client[] = [];
beforeAll(async () => {
  env = await startEnv({ deps: { log: () => undefined } });
});
afterAll(async () => env?.stop());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

const CODE = new RegExp(`^[${PAIRING_ALPHABET}]{4}-[${PAIRING_ALPHABET}]{4}$`);

async function pair(name = 'wall-1'): Promise<ScreenPairing> {
  const res = await call<ScreenPairing>(env, 'POST', '/api/screens/pairing', { body: { name } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function claim(code: string): Promise<{ status: number; body: ScreenClaim & { error?: { code: string; message: string } } }> {
  return call(env, 'POST', '/api/screens/claim', { token: null, body: { code } });
}

/** Every key and value in Redis, as one text. */
async function redisDump(): Promise<string> {
  const out: string[] = [];
  for (const key of await env.redis.keys('*')) {
    const type = await env.redis.type(key);
    out.push(key);
    if (type === 'string') out.push((await env.redis.get(key)) ?? '');
    else if (type === 'hash') out.push(JSON.stringify(await env.redis.hgetall(key)));
    else if (type === 'list') out.push(...(await env.redis.lrange(key, 0, -1)));
    else if (type === 'zset') out.push(...(await env.redis.zrange(key, '0', '-1')));
  }
  return out.join('\n');
}

/** A feed connection with `token`: resolves once connected (its snapshot in), rejects on connect_error. */
async function feed(token: string): Promise<Client> {
  const socket: Client = connect(env.url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('snapshot', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

describe('pairing codes', () => {
  it('are 8 characters without look-alikes, typed in any case with or without the dash', () => {
    const codes = new Set(Array.from({ length: 200 }, () => newPairingCode()));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(CODE);
    expect(PAIRING_ALPHABET).not.toMatch(/[01ILO]/);
    expect(normalisePairingCode('abcd efgh')).toBe('ABCDEFGH');
    expect(normalisePairingCode('AbCd-EfGh')).toBe('ABCDEFGH');
  });
});

describe('wall screens', () => {
  it('are in the OpenAPI document, the claim without a bearer token', async () => {
    const doc = (await call(env, 'GET', '/api/openapi.json', { token: null })).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/screens', '/api/screens/pairing', '/api/screens/claim', '/api/screens/{id}']));
    expect(doc.paths['/api/screens/claim'].post.security).toEqual([]);
    expect(doc.paths['/api/screens/pairing'].post.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false, required: ['name'] });
  });

  it('pairs a screen with a code once: the screen token is a viewer on the API and the feed, and Redis holds neither in clear', async () => {
    const before = Date.now();
    const pairing = await pair('wall-1');
    expect(pairing.code).toMatch(CODE);
    expect(pairing.screen).toMatchObject({ name: 'wall-1', status: 'pending', createdBy: 'olga', pairedAt: null });
    expect(pairing.screen.id).toMatch(/^scr-[0-9a-f]{10}$/);
    expect(pairing.expiresAt).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(pairing.expiresAt).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    const listed = await call(env, 'GET', '/api/screens');
    expect(listed.body).toContainEqual(expect.objectContaining({ id: pairing.screen.id, status: 'pending', expiresAt: pairing.expiresAt }));

    // Typed as a person might: lower case, no dash.
    const claimed = await claim(pairing.code.replace('-', '').toLowerCase());
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({ id: pairing.screen.id, name: 'wall-1', role: 'viewer' });
    const token = claimed.body.token;
    expect(token.length).toBeGreaterThanOrEqual(40);

    expect((await call(env, 'GET', '/api/whoami', { token })).body).toEqual({ name: 'screen:wall-1', role: 'viewer' });
    expect((await call(env, 'GET', '/api/drives', { token })).status).toBe(200);
    const write = await call(env, 'POST', '/api/runs', { token, body: { imageId: env.image.id, copies: 1 } });
    expect(write.status).toBe(403);
    expect((await call(env, 'GET', '/api/screens', { token })).status).toBe(403);
    await feed(token);

    // Single use: the same code again is refused, and no second token comes out.
    const again = await claim(pairing.code);
    expect(again.status).toBe(401);
    expect(again.body.error?.code).toBe('INVALID_PAIRING_CODE');

    const dump = await redisDump();
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(normalisePairingCode(pairing.code));
    expect(dump).not.toContain(pairing.code);
    const after = await call(env, 'GET', '/api/screens');
    expect(after.body).toContainEqual({
      id: pairing.screen.id, name: 'wall-1', status: 'paired', createdAt: pairing.screen.createdAt, createdBy: 'olga', expiresAt: null,
      pairedAt: expect.any(Number),
    });
    const audit = (await call(env, 'GET', '/api/audit')).body.map((e: { action: string; target: string }) => `${e.action} ${e.target}`);
    expect(audit).toEqual(expect.arrayContaining([`screen.pair ${pairing.screen.id}`, `screen.claim ${pairing.screen.id}`]));
  });

  it('revokes a screen at once: its API calls get 401 and its feed connection is closed with REVOKED', async () => {
    const pairing = await pair('wall-2');
    const { token } = (await claim(pairing.code)).body;
    const socket = await feed(token);
    const closed = new Promise<{ error: FeedError | null; reason: string }>((resolve) => {
      let error: FeedError | null = null;
      socket.on('feed:error', (e) => (error = e));
      socket.on('disconnect', (reason) => resolve({ error, reason }));
    });
    // Another screen and the configured viewer stay connected.
    const other = (await claim((await pair('wall-3')).code)).body.token;
    const otherSocket = await feed(other);
    const viewerSocket = await feed(VIEWER);

    const revoked = await call(env, 'DELETE', `/api/screens/${pairing.screen.id}`);
    expect(revoked.status).toBe(204);
    // The disconnect is sent before the DELETE is answered: no wait on a timer.
    const result = await Promise.race([closed, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 1000))]);
    expect(result).toEqual({ error: { code: 'REVOKED', message: expect.stringMatching(/revoked/) }, reason: 'io server disconnect' });
    expect(otherSocket.connected).toBe(true);
    expect(viewerSocket.connected).toBe(true);

    const refused = await call(env, 'GET', '/api/drives', { token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    await expect(feed(token)).rejects.toThrow(/unknown API token/);
    expect((await call(env, 'GET', '/api/drives', { token: other })).status).toBe(200);
    const listed = (await call(env, 'GET', '/api/screens')).body.map((s: { id: string }) => s.id);
    expect(listed).not.toContain(pairing.screen.id);
    expect((await call(env, 'DELETE', `/api/screens/${pairing.screen.id}`)).status).toBe(404);
  });

  it('cancels a pending code by revoking its screen, and refuses an expired code', async () => {
    const cancelled = await pair('wall-4');
    expect((await call(env, 'DELETE', `/api/screens/${cancelled.screen.id}`)).status).toBe(204);
    expect((await claim(cancelled.code)).status).toBe(401);

    const expired = await pair('wall-5');
    // Expire it as Redis would after 10 minutes.
    const keys = new RedisSchema();
    await env.redis.pexpire(keys.screen(expired.screen.id), 1);
    for (const key of await env.redis.keys(`${keys.screenCode('')}*`)) await env.redis.pexpire(key, 1);
    await new Promise((r) => setTimeout(r, 20));
    const res = await claim(expired.code);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('INVALID_PAIRING_CODE');
    const listed = (await call(env, 'GET', '/api/screens')).body.map((s: { id: string }) => s.id);
    expect(listed).not.toContain(expired.screen.id);
  });
});

describe('screen tokens across controllers and restarts', () => {
  it('a second registry on the same Redis knows paired tokens once loaded or told, and forgets revoked ones', async () => {
    const keys = new RedisSchema();
    const a = new ScreenRegistry({ redis: env.redis, keys, now: Date.now });
    const b = new ScreenRegistry({ redis: env.redis, keys, now: Date.now });
    await a.load();
    await b.load();
    const pairing = await a.createPairing('wall-9', 'olga');
    const claimed = await a.claim(pairing.code);
    expect(claimed).not.toBeNull();
    const digest = (await import('node:crypto')).createHash('sha256').update(claimed?.token ?? '').digest();
    expect(a.lookup(digest)).toEqual({ name: 'screen:wall-9', role: 'viewer', screenId: pairing.screen.id });
    expect(b.lookup(digest)).toBeNull();
    await b.applyMessage(JSON.stringify({ event: 'paired', id: pairing.screen.id }));
    expect(b.lookup(digest)).toMatchObject({ screenId: pairing.screen.id });
    // A restarted controller loads it from Redis.
    const c = new ScreenRegistry({ redis: env.redis, keys, now: Date.now });
    await c.load();
    expect(c.lookup(digest)).toMatchObject({ screenId: pairing.screen.id });

    const revokedOnB: string[] = [];
    b.onRevoked((id) => revokedOnB.push(id));
    await a.revoke(pairing.screen.id);
    expect(a.lookup(digest)).toBeNull();
    await b.applyMessage(JSON.stringify({ event: 'revoked', id: pairing.screen.id }));
    expect(b.lookup(digest)).toBeNull();
    expect(revokedOnB).toEqual([pairing.screen.id]);
    await c.load();
    expect(c.lookup(digest)).toBeNull();
  });
});

describe('wrong pairing codes', () => {
  // A controller of its own: the tests above made failed attempts from this address too.
  let fresh: Env;
  const lines: string[] = [];
  beforeAll(async () => {
    fresh = await startEnv({ deps: { log: (line) => lines.push(line) } });
  });
  afterAll(async () => fresh?.stop());

  it('count as failed authentications of the client: after 10 a minute even a right code gets 429 with Retry-After', async () => {
    const pairing = (await call<ScreenPairing>(fresh, 'POST', '/api/screens/pairing', { body: { name: 'wall-6' } })).body;
    for (let i = 0; i < 10; i++) {
      const res = await call(fresh, 'POST', '/api/screens/claim', { token: null, body: { code: 'ZZZZ-ZZZZ' } });
      expect(res.status).toBe(401);
    }
    const refused = await call(fresh, 'POST', '/api/screens/claim', { token: null, body: { code: pairing.code } });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/10 failed authentications .*unknown pairing code on POST \/api\/screens\/claim/);
    // The refused request did not use the code up (the operator is refused too from this address now: ask Redis).
    expect(await fresh.redis.hget(new RedisSchema().screen(pairing.screen.id), 'status')).toBe('pending');
  });
});
