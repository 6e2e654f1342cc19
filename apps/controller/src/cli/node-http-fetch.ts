/**
 * The CLI's HTTP exchanges over node:http (node:https for an https URL), in
 * the shape of the global `fetch` as far as `HttpApiClient` uses it. The
 * global `fetch` is undici, which Node compiles from its own bundle at the
 * first call and whose HTTP parser is WebAssembly compiled at the first
 * connection: measured, 105 ms more than node:http for one request on the
 * host, and about 2-3 s of a `tower runs --json` of 8.5 s in the rig's QEMU
 * guest. A `tower` command makes a few requests and exits, so it pays that
 * every time.
 *
 * What fetch does that the client relies on, done the same way: a failure
 * to connect rejects with `TypeError('fetch failed')` whose `cause` is the
 * socket's error (its `code`, e.g. ECONNREFUSED, is what the client names);
 * an aborted signal rejects with an `AbortError`; POST and PUT without a body
 * send `content-length: 0` (node:http does so itself); a stream body without a length goes chunked; the
 * text is decoded as UTF-8 without a byte order mark; redirects are followed
 * (at most 20; 303, and 301/302 of a POST, turn into a GET without the body;
 * a stream body is not sent again; `authorization` does not go to another
 * origin); an answer's headers and each gap in its body may take up to 300 s
 * (undici's `UND_ERR_HEADERS_TIMEOUT` / `UND_ERR_BODY_TIMEOUT`). Connections
 * are kept alive by Node's global agent, which does not hold the process
 * open. Not done: fetch's own headers (`user-agent: node`, `accept-language`,
 * `sec-fetch-mode`, `accept-encoding`), compression (the controller sends
 * none), cookies.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A request as `HttpApiClient` makes it (a subset of fetch's `RequestInit`). */
export interface HttpFetchInit {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | AsyncIterable<Uint8Array>;
  readonly signal?: AbortSignal;
  readonly duplex?: 'half';
}

/** An answer as `HttpApiClient` reads it (a subset of fetch's `Response`). */
export interface HttpFetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  text(): Promise<string>;
  /** The whole answer's bytes (a PDF). */
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly body: { cancel(): Promise<void> } | null;
}

/** One HTTP exchange: the global `fetch` is one, {@link nodeHttpFetch} another. */
export type HttpFetch = (url: URL, init: HttpFetchInit) => Promise<HttpFetchResponse>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** undici's defaults, fetch's bounds: the answer's headers, and each gap in its body. */
const HEADERS_TIMEOUT_MS = 300_000;
const BODY_TIMEOUT_MS = 300_000;

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** fetch's network error: the socket's (or the body source's) error as its cause. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (err instanceof Error && err.name === 'AbortError');
}

/** The abort as fetch reports it: the signal's reason (an `AbortError` unless the caller gave another). */
function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
}

/** Send one request; resolves with the answer's head. */
async function exchange(url: URL, method: string, headers: Record<string, string>, body: HttpFetchInit['body'], signal: AbortSignal | undefined): Promise<IncomingMessage> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const head: OutgoingHttpHeaders = { ...headers };
  if (typeof body === 'string') head['content-length'] = String(Buffer.byteLength(body));
  return new Promise<IncomingMessage>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const req = request(url, { method, headers: head, ...(signal === undefined ? {} : { signal }) });
    let timer: NodeJS.Timeout | undefined;
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(isAbort(err, signal) ? abortReason(signal) : fetchFailed(err));
    });
    req.once('finish', () => {
      timer = setTimeout(() => req.destroy(codedError('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT')), HEADERS_TIMEOUT_MS);
      timer.unref();
    });
    if (body === undefined || typeof body === 'string') req.end(body);
    else pipeline(Readable.from(body), req).catch((err: unknown) => req.destroy(err instanceof Error ? err : new Error(String(err))));
  });
}

/** Read a whole answer's bytes. */
async function readBytes(res: IncomingMessage, signal: AbortSignal | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => res.destroy(codedError('Body Timeout Error', 'UND_ERR_BODY_TIMEOUT')), BODY_TIMEOUT_MS);
    timer.unref();
  };
  try {
    arm();
    for await (const chunk of res) {
      chunks.push(chunk as Buffer);
      arm();
    }
  } catch (err) {
    if (isAbort(err, signal)) throw abortReason(signal);
    throw new TypeError('terminated', { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

/** Read a whole answer as fetch's `text()` does (UTF-8, byte order mark dropped). */
async function readText(res: IncomingMessage, signal: AbortSignal | undefined): Promise<string> {
  return new TextDecoder().decode(await readBytes(res, signal));
}

/** Throw an answer's body away (the connection goes back to the agent); a failure of it then matters to nobody. */
function discard(res: IncomingMessage): void {
  res.on('error', () => undefined);
  res.resume();
}

function answer(res: IncomingMessage, signal: AbortSignal | undefined): HttpFetchResponse {
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status <= 299,
    status,
    statusText: res.statusMessage ?? '',
    text: () => readText(res, signal),
    arrayBuffer: async () => {
      const b = await readBytes(res, signal);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
    body: {
      cancel: async () => discard(res),
    },
  };
}

/** `fetch(url, init)` for the CLI, over node:http (see the module comment). */
export async function nodeHttpFetch(url: URL, init: HttpFetchInit): Promise<HttpFetchResponse> {
  let target = url;
  let method = init.method;
  let body = init.body;
  let headers: Record<string, string> = { ...init.headers };
  for (let redirects = 0; ; redirects++) {
    const res = await exchange(target, method, headers, body, init.signal);
    const location = res.headers.location;
    const status = res.statusCode ?? 0;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) return answer(res, init.signal);
    discard(res);
    let next: URL;
    try {
      next = new URL(location, target);
    } catch (err) {
      throw fetchFailed(err);
    }
    if (redirects >= MAX_REDIRECTS) throw fetchFailed(new Error('redirect count exceeded'));
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw fetchFailed(new Error('URL scheme must be a HTTP(S) scheme'));
    if (status === 303 ? method !== 'GET' && method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length|encoding|language|location)$/i.test(k)));
    } else if (body !== undefined && typeof body !== 'string') {
      // A stream was sent once and cannot be sent again.
      throw fetchFailed(new Error('a request with a stream body cannot follow a redirect'));
    }
    if (next.origin !== target.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    target = next;
  }
}
