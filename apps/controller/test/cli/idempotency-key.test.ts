/**
 * The CLI's API client: every changing request carries a fresh
 * Idempotency-Key, and the client's own retries (a lost answer, Redis
 * unreachable, the same key still in use) send the same key again; reads
 * carry none; a request that never reached the controller, and an upload,
 * are not sent again.
 */
import { describe, expect, it } from 'vitest';
import { HttpApiClient } from '../../src/cli/http-api-client.js';
import { fakeFetch, json } from './cli-harness.js';

const RUN = { id: 'run-1', status: 'queued' };
const UNAVAILABLE = { error: { code: 'REDIS_UNAVAILABLE', message: 'the controller cannot reach Redis at 127.0.0.1:6379: not connected; retry when it is back' } };
const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function client(fetchImpl: typeof fetch): HttpApiClient {
  return new HttpApiClient({ url: 'http://controller.test:8080', token: 'op', fetch: fetchImpl, retryDelaysMs: [0, 0] });
}

describe('Idempotency-Key from the CLI', () => {
  it('a run created after a 503: sent again with the same key', async () => {
    let n = 0;
    const { fetch, sent } = fakeFetch(() => (++n === 1 ? json(503, UNAVAILABLE) : json(201, RUN)));
    const run = await client(fetch).createRun({ imageId: 'img-1', copies: 2 });
    expect(run).toEqual(RUN);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.headers['idempotency-key']).toMatch(KEY);
    expect(sent[1]?.headers['idempotency-key']).toBe(sent[0]?.headers['idempotency-key']);
    expect(sent[1]?.body).toBe(sent[0]?.body);
  });

  it('a lost answer (connection reset) and a key still in use: sent again with the same key', async () => {
    let n = 0;
    const { fetch, sent } = fakeFetch(() => {
      n++;
      if (n === 1) throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      if (n === 2) return json(409, { error: { code: 'IDEMPOTENCY_KEY_IN_USE', message: 'still being carried out' } });
      return json(200, RUN);
    });
    await client(fetch).pauseRun('run-1');
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });

  it('each command has a key of its own; reads have none', async () => {
    const { fetch, sent } = fakeFetch((req) => (req.method === 'GET' ? json(200, []) : json(201, RUN)));
    const c = client(fetch);
    await c.createRun({ imageId: 'img-1', copies: 2 });
    await c.createRun({ imageId: 'img-1', copies: 2 });
    await c.listRuns();
    await c.deleteImage('img-1');
    const [a, b, list, del] = sent;
    expect(a?.headers['idempotency-key']).toMatch(KEY);
    expect(b?.headers['idempotency-key']).toMatch(KEY);
    expect(a?.headers['idempotency-key']).not.toBe(b?.headers['idempotency-key']);
    expect(list?.headers['idempotency-key']).toBeUndefined();
    expect(del?.headers['idempotency-key']).toMatch(KEY);
  });

  it('gives up after two retries with the controller\'s message', async () => {
    const { fetch, sent } = fakeFetch(() => json(503, UNAVAILABLE));
    await expect(client(fetch).createRun({ imageId: 'img-1', copies: 2 })).rejects.toThrow(/cannot reach Redis at 127\.0\.0\.1:6379.*\[REDIS_UNAVAILABLE\]/);
    expect(sent).toHaveLength(3);
  });

  it('not sent again: a refused connection (it never arrived), another refusal, an upload', async () => {
    const refused = fakeFetch(() => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    });
    await expect(client(refused.fetch).createRun({ imageId: 'img-1', copies: 2 })).rejects.toThrow(/UNREACHABLE/);
    expect(refused.sent).toHaveLength(1);
    const invalid = fakeFetch(() => json(422, { error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'used for another request' } }));
    await expect(client(invalid.fetch).createRun({ imageId: 'img-1', copies: 2 })).rejects.toThrow(/IDEMPOTENCY_KEY_REUSED/);
    expect(invalid.sent).toHaveLength(1);
    const upload = fakeFetch(() => json(503, UNAVAILABLE));
    async function* data(): AsyncIterable<Uint8Array> {
      yield new Uint8Array(10);
    }
    await expect(client(upload.fetch).uploadImage({ data: data(), sizeBytes: 10 })).rejects.toThrow(/REDIS_UNAVAILABLE/);
    expect(upload.sent).toHaveLength(1);
    expect(upload.sent[0]?.headers['idempotency-key']).toMatch(KEY);
  });
});
