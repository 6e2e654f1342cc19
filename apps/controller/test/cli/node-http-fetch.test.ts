/**
 * The CLI's HTTP exchanges over node:http (node-http-fetch.ts) against the
 * global fetch they replace: the same requests reach a real server the same
 * way, and answers, failures, aborts and redirects come back as fetch gives
 * them to HttpApiClient.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from 'node-cdrecord-wrapper/errors';
import { ApiCallError } from '../../src/cli/api-call-error.js';
import { HttpApiClient } from '../../src/cli/http-api-client.js';
import { nodeHttpFetch } from '../../src/cli/node-http-fetch.js';
import type { HttpFetch, HttpFetchInit } from '../../src/cli/node-http-fetch.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function listen(handler: Handler): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const close = (server: Server): Promise<void> => new Promise((r) => {
  server.closeAllConnections();
  server.close(() => r());
});

/** What of a request both transports must send alike (fetch adds headers of its own). */
const essentials = (s: Seen): object => ({
  method: s.method,
  url: s.url,
  body: s.body,
  ...Object.fromEntries(['authorization', 'content-type', 'content-length', 'transfer-encoding', 'idempotency-key', 'accept'].map((h) => [h, s.headers[h]])),
});

async function* chunksOf(text: string): AsyncIterable<Uint8Array> {
  for (const part of text.match(/.{1,4}/gs) ?? []) yield new TextEncoder().encode(part);
}

describe('nodeHttpFetch against fetch', () => {
  let a: Awaited<ReturnType<typeof listen>>;
  let b: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    a = await listen((req, res, body) => {
      if (req.url === '/see-other') {
        res.writeHead(303, { location: '/landed' }).end();
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/landed' }).end();
      } else if (req.url === '/kept') {
        res.writeHead(307, { location: '/landed' }).end();
      } else if (req.url === '/elsewhere') {
        res.writeHead(302, { location: `${b.url}/landed` }).end();
      } else if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (req.url?.endsWith('/teapot')) {
        res.writeHead(418, 'I Am A Teapot', { 'content-type': 'application/json' }).end('{"error":{"code":"TEA","message":"short and stout"}}');
      } else if (req.url === '/hang-up') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('part');
        setTimeout(() => res.destroy(), 20);
      } else if (req.url?.endsWith('/slow')) {
        setTimeout(() => res.end('late'), 2000);
      } else {
        res.writeHead(200, 'Fine', { 'content-type': 'text/plain; charset=utf-8' }).end(`\ufeffhé ${req.method} ${body.length}`);
      }
    });
    b = await listen((_req, res) => res.end('other origin'));
  });
  afterAll(async () => {
    await close(a.server);
    await close(b.server);
  });

  /** The same exchange through both; what each gave back, and what the server saw of each. */
  async function both(path: string, init: () => HttpFetchInit): Promise<{ ours: object; theirs: object; seenOurs: object[]; seenTheirs: object[] }> {
    const run = async (f: HttpFetch): Promise<{ got: object; seen: object[] }> => {
      const fromA = a.seen.length;
      const fromB = b.seen.length;
      const r = await f(new URL(path, a.url), init());
      const got = { ok: r.ok, status: r.status, statusText: r.statusText, text: await r.text() };
      return { got, seen: [...a.seen.slice(fromA), ...b.seen.slice(fromB)].map(essentials) };
    };
    const ours = await run(nodeHttpFetch);
    const theirs = await run(fetch);
    return { ours: ours.got, theirs: theirs.got, seenOurs: ours.seen, seenTheirs: theirs.seen };
  }

  const json = (method: string, body?: unknown): HttpFetchInit => ({
    method,
    headers: { authorization: 'Bearer t', accept: 'application/json, text/csv;q=0.9', 'idempotency-key': 'k1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  it('GET, POST with and without a body, PATCH, DELETE: the same requests, the same answers', async () => {
    for (const init of [json('GET'), json('POST'), json('POST', { name: 'é' }), json('PATCH', { name: 'x' }), json('DELETE')]) {
      const r = await both('/api/x?q=1', () => init);
      expect(r.ours, init.method).toEqual(r.theirs);
      expect(r.seenOurs, init.method).toEqual(r.seenTheirs);
    }
    const r = await both('/api/x', () => json('POST'));
    expect(r.ours).toEqual({ ok: true, status: 200, statusText: 'Fine', text: 'hé POST 0' });
    expect(r.seenOurs).toEqual([expect.objectContaining({ 'content-length': '0', 'transfer-encoding': undefined })]);
  });

  it('an upload stream: chunked without a length, the length when given', async () => {
    const upload = (length?: number) => (): HttpFetchInit => ({
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/octet-stream', ...(length === undefined ? {} : { 'content-length': String(length) }) },
      body: chunksOf('0123456789abcdef'),
      duplex: 'half',
    });
    for (const length of [undefined, 16]) {
      const r = await both('/api/images/upload', upload(length));
      expect(r.ours).toEqual(r.theirs);
      expect(r.seenOurs).toEqual(r.seenTheirs);
      expect(r.seenOurs[0]).toMatchObject({ body: '0123456789abcdef', 'transfer-encoding': length === undefined ? 'chunked' : undefined });
    }
  });

  it('an error answer, and redirects: 303 and a POST moved become a GET, 307 keeps the body, another origin gets no authorization', async () => {
    for (const [path, init] of [['/teapot', json('GET')], ['/see-other', json('POST', { a: 1 })], ['/moved', json('POST', { a: 1 })], ['/kept', json('POST', { a: 1 })], ['/elsewhere', json('GET')]] as const) {
      const r = await both(path, () => init);
      expect(r.ours, path).toEqual(r.theirs);
      expect(r.seenOurs, path).toEqual(r.seenTheirs);
    }
    const elsewhere = await both('/elsewhere', () => json('GET'));
    expect(elsewhere.seenOurs).toEqual([expect.objectContaining({ url: '/elsewhere', authorization: 'Bearer t' }), expect.objectContaining({ url: '/landed', authorization: undefined })]);
    const kept = await both('/kept', () => json('POST', { a: 1 }));
    expect(kept.seenOurs[1]).toMatchObject({ method: 'POST', url: '/landed', body: '{"a":1}' });
  });

  it('failures as fetch reports them: the socket error as cause, the redirect limit, a cut-off body', async () => {
    const closed = await listen(() => undefined);
    const port = (closed.server.address() as AddressInfo).port;
    await close(closed.server);
    for (const f of [nodeHttpFetch, fetch as HttpFetch]) {
      const refused = await f(new URL(`http://127.0.0.1:${port}/api/runs`), json('GET')).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TypeError);
      expect(refused).toMatchObject({ message: 'fetch failed', cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
      const loop = await f(new URL('/loop', a.url), json('GET')).catch((e: unknown) => e);
      expect(loop).toMatchObject({ message: 'fetch failed' });
      const cut = await f(new URL('/hang-up', a.url), json('GET'));
      await expect(cut.text()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
    }
  });

  it('an abort, before or while waiting for the answer, rejects with an AbortError', async () => {
    for (const f of [nodeHttpFetch, fetch as HttpFetch]) {
      const before = new AbortController();
      before.abort();
      await expect(f(new URL('/api/x', a.url), { ...json('GET'), signal: before.signal })).rejects.toMatchObject({ name: 'AbortError' });
      const during = new AbortController();
      setTimeout(() => during.abort(), 50);
      await expect(f(new URL('/slow', a.url), { ...json('GET'), signal: during.signal })).rejects.toMatchObject({ name: 'AbortError' });
    }
  });

  it('HttpApiClient over it by default: the same failure lines as over fetch', async () => {
    const closed = await listen(() => undefined);
    const url = `http://127.0.0.1:${(closed.server.address() as AddressInfo).port}`;
    await close(closed.server);
    const ours = await new HttpApiClient({ url, token: 't' }).listRuns().catch((e: unknown) => e);
    const theirs = await new HttpApiClient({ url, token: 't', fetch }).listRuns().catch((e: unknown) => e);
    expect(ours).toBeInstanceOf(ApiCallError);
    expect((ours as Error).message).toBe(`cannot reach the controller at ${url} (ECONNREFUSED); check --url or TOWER_URL [UNREACHABLE]`);
    expect((ours as Error).message).toBe((theirs as Error).message);
    for (const f of [undefined, fetch]) {
      const teapot = await new HttpApiClient({ url: a.url, token: 't', ...(f ? { fetch: f } : {}) }).getRun('teapot').catch((e: unknown) => e);
      expect(teapot).toBeInstanceOf(ApiCallError);
      expect(teapot).toMatchObject({ status: 418, code: 'TEA', message: 'short and stout [TEA]' });
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 50);
      const slow = new HttpApiClient({ url: a.url, token: 't', signal: stop.signal, ...(f ? { fetch: f } : {}) });
      await expect(slow.getRun('slow')).rejects.toBeInstanceOf(CancelledError);
    }
    const listed = await new HttpApiClient({ url: a.url, token: 't' }).historyCsv({});
    expect(listed).toBe('hé GET 0');
  });
});
