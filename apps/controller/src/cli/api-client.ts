/**
 * A typed client of the controller's HTTP API (see shared/api-types.ts) over
 * the global `fetch`. Every failure becomes an `ApiError` whose message reads
 * `message [CODE]`, so the CLI prints `tower: message [CODE]`.
 *
 * Every request that changes something carries an `Idempotency-Key` of its
 * own (a fresh UUID per call). A request whose answer was lost (the
 * connection dropped after it was sent), or that was answered 503 (Redis
 * unreachable) or 409 `IDEMPOTENCY_KEY_IN_USE`, is sent again, with the same
 * key, after 1 s and then 2 s: the controller carries it out once and
 * replays its answer. An upload (its body is a stream) is not sent again.
 */
import { randomUUID } from 'node:crypto';
import { CancelledError } from 'node-cdrecord-wrapper/errors';
import type {
  ApiErrorBody,
  AttemptView,
  CancelRunRequest,
  CreateRunRequest,
  DriveDetail,
  DriveStats,
  DriveView,
  HistoryQuery,
  ImageView,
  ImportRequest,
  MasterRequest,
  MasterView,
  RunView,
  ScreenPairing,
  ScreenView,
  WhoAmI,
} from '../shared/api-types.js';
import { UsageError } from './cli-output.js';

/** The controller answered with an error, or could not be reached. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /**
   * @param status HTTP status; 0 when no response came.
   * @param code The API's stable error code (e.g. `FORBIDDEN`), `HTTP_<status>` without one, `UNREACHABLE` with no response.
   * @param detail The API's message, without the code.
   * @param field The request field at fault, for `INVALID_INPUT`.
   */
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(`${detail} [${code}]`);
  }
}

/** A file body to upload: any async source of bytes, and its length when known. */
export interface UploadBody {
  readonly data: AsyncIterable<Uint8Array>;
  readonly sizeBytes?: number;
  readonly name?: string;
}

/** History filters as the CLI passes them. */
export type HistoryFilter = Omit<HistoryQuery, 'format'>;

/** Everything the CLI asks of the controller. One method per API route it uses. */
export interface ApiClient {
  whoami(): Promise<WhoAmI>;
  listDrives(): Promise<DriveView[]>;
  getDrive(id: string): Promise<DriveDetail>;
  ejectDrive(id: string): Promise<DriveView>;
  quarantineDrive(id: string, reason: string): Promise<DriveView>;
  releaseDrive(id: string): Promise<DriveView>;
  listImages(): Promise<ImageView[]>;
  getImage(id: string): Promise<ImageView>;
  importImage(request: ImportRequest): Promise<ImageView>;
  uploadImage(body: UploadBody): Promise<ImageView>;
  renameImage(id: string, name: string): Promise<ImageView>;
  deleteImage(id: string): Promise<void>;
  createMaster(request: MasterRequest): Promise<MasterView>;
  getMaster(id: string): Promise<MasterView>;
  listRuns(): Promise<RunView[]>;
  getRun(id: string): Promise<RunView>;
  createRun(request: CreateRunRequest): Promise<RunView>;
  pauseRun(id: string): Promise<RunView>;
  resumeRun(id: string): Promise<RunView>;
  cancelRun(id: string, request?: CancelRunRequest): Promise<RunView>;
  history(filter: HistoryFilter): Promise<AttemptView[]>;
  /** The history as the API's CSV text, unchanged. */
  historyCsv(filter: HistoryFilter): Promise<string>;
  driveStats(): Promise<DriveStats[]>;
  listScreens(): Promise<ScreenView[]>;
  pairScreen(name: string): Promise<ScreenPairing>;
  revokeScreen(id: string): Promise<void>;
}

/** What an {@link HttpApiClient} needs. */
export interface HttpApiClientOptions {
  /** Base URL of the controller, e.g. `http://127.0.0.1:8080` (no `/api`). */
  readonly url: string;
  readonly token: string;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Aborts requests in flight (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Waits before each retry of a request (see the module comment), ms; default [1000, 2000]. Empty: no retries. */
  readonly retryDelaysMs?: readonly number[];
}

/** Methods whose requests change something, and carry an `Idempotency-Key`. */
const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Connection errors that say the request never reached the controller (nothing to retry: it was not carried out). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

type Query = Readonly<Record<string, string | number | undefined>>;

interface RequestSpec {
  readonly body?: unknown;
  readonly query?: Query;
  readonly upload?: UploadBody;
  readonly expect: 'json' | 'text' | 'none';
}

/** Check a base URL; throws a `UsageError` naming `--url` when it is not http(s). */
export function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:8080, got '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:8080, got '${url}'`);
  }
  return parsed;
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null
    && typeof (error as { code?: unknown }).code === 'string'
    && typeof (error as { message?: unknown }).message === 'string';
}

/** Turn a non-2xx response into an `ApiError` (the API's error body, or the status line). */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isApiErrorBody(body)) {
    const { code, message, field } = body.error;
    return new ApiError(response.status, code, message.split('\n')[0] ?? message, field);
  }
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const snippet = text.trim().split('\n')[0]?.slice(0, 200);
  return new ApiError(response.status, `HTTP_${response.status}`, snippet ? `${status}: ${snippet}` : status);
}

function causeText(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Failures of requests that may have reached the controller (the connection dropped before the answer). */
const ANSWER_LOST = new WeakSet<ApiError>();

/** A failure worth sending the same request again for (with the same idempotency key). */
function isRetryable(err: ApiError): boolean {
  return ANSWER_LOST.has(err) || err.code === 'REDIS_UNAVAILABLE' || err.code === 'IDEMPOTENCY_KEY_IN_USE';
}

function segment(id: string): string {
  return encodeURIComponent(id);
}

/** The API client over HTTP. */
export class HttpApiClient implements ApiClient {
  private readonly base: URL;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpApiClientOptions) {
    this.base = parseBaseUrl(options.url);
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Send one request (again, with the same idempotency key, when its answer
   * was lost or Redis was away: see the module comment); resolves with the
   * parsed body or rejects with `ApiError`/`CancelledError`.
   */
  private async request<T>(method: string, path: string, spec: RequestSpec): Promise<T> {
    const key = CHANGING.has(method) ? randomUUID() : undefined;
    const delays = spec.upload ? [] : (this.options.retryDelaysMs ?? [1000, 2000]);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, spec, key);
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined || !(err instanceof ApiError) || !isRetryable(err)) throw err;
        await this.pause(delay);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    const signal = this.options.signal;
    if (signal?.aborted) return Promise.reject(new CancelledError('cancelled'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new CancelledError('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async requestOnce<T>(method: string, path: string, spec: RequestSpec, idempotencyKey: string | undefined): Promise<T> {
    const url = new URL(`${this.base.pathname.replace(/\/+$/, '')}/api${path}`, this.base);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'application/json, text/csv;q=0.9' };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const init: RequestInit = { method, headers, ...(this.options.signal ? { signal: this.options.signal } : {}) };
    if (spec.upload) {
      headers['content-type'] = 'application/octet-stream';
      if (spec.upload.sizeBytes !== undefined) headers['content-length'] = String(spec.upload.sizeBytes);
      init.body = spec.upload.data;
      init.duplex = 'half';
    } else if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(spec.body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (err) {
      if (this.options.signal?.aborted || (err instanceof Error && err.name === 'AbortError')) throw new CancelledError('cancelled');
      const cause = causeText(err);
      const failure = new ApiError(0, 'UNREACHABLE', `cannot reach the controller at ${this.base.origin} (${cause}); check --url or TOWER_URL`);
      // The request may have reached the controller and only its answer was lost: worth sending again.
      if (!NOT_SENT.has(cause)) ANSWER_LOST.add(failure);
      throw failure;
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (spec.expect === 'none') {
      await response.body?.cancel().catch(() => undefined);
      return undefined as T;
    }
    const text = await response.text();
    if (spec.expect === 'text') return text as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'BAD_RESPONSE', `the controller at ${this.base.origin} sent a response that is not JSON`);
    }
  }

  whoami(): Promise<WhoAmI> {
    return this.request('GET', '/whoami', { expect: 'json' });
  }

  listDrives(): Promise<DriveView[]> {
    return this.request('GET', '/drives', { expect: 'json' });
  }

  getDrive(id: string): Promise<DriveDetail> {
    return this.request('GET', `/drives/${segment(id)}`, { expect: 'json' });
  }

  ejectDrive(id: string): Promise<DriveView> {
    return this.request('POST', `/drives/${segment(id)}/eject`, { expect: 'json' });
  }

  quarantineDrive(id: string, reason: string): Promise<DriveView> {
    return this.request('POST', `/drives/${segment(id)}/quarantine`, { body: { reason }, expect: 'json' });
  }

  releaseDrive(id: string): Promise<DriveView> {
    return this.request('POST', `/drives/${segment(id)}/release`, { expect: 'json' });
  }

  listImages(): Promise<ImageView[]> {
    return this.request('GET', '/images', { expect: 'json' });
  }

  getImage(id: string): Promise<ImageView> {
    return this.request('GET', `/images/${segment(id)}`, { expect: 'json' });
  }

  importImage(request: ImportRequest): Promise<ImageView> {
    return this.request('POST', '/images/import', { body: request, expect: 'json' });
  }

  uploadImage(body: UploadBody): Promise<ImageView> {
    return this.request('POST', '/images/upload', { upload: body, query: { name: body.name }, expect: 'json' });
  }

  renameImage(id: string, name: string): Promise<ImageView> {
    return this.request('PATCH', `/images/${segment(id)}`, { body: { name }, expect: 'json' });
  }

  deleteImage(id: string): Promise<void> {
    return this.request('DELETE', `/images/${segment(id)}`, { expect: 'none' });
  }

  createMaster(request: MasterRequest): Promise<MasterView> {
    return this.request('POST', '/masters', { body: request, expect: 'json' });
  }

  getMaster(id: string): Promise<MasterView> {
    return this.request('GET', `/masters/${segment(id)}`, { expect: 'json' });
  }

  listRuns(): Promise<RunView[]> {
    return this.request('GET', '/runs', { expect: 'json' });
  }

  getRun(id: string): Promise<RunView> {
    return this.request('GET', `/runs/${segment(id)}`, { expect: 'json' });
  }

  createRun(request: CreateRunRequest): Promise<RunView> {
    return this.request('POST', '/runs', { body: request, expect: 'json' });
  }

  pauseRun(id: string): Promise<RunView> {
    return this.request('POST', `/runs/${segment(id)}/pause`, { expect: 'json' });
  }

  resumeRun(id: string): Promise<RunView> {
    return this.request('POST', `/runs/${segment(id)}/resume`, { expect: 'json' });
  }

  cancelRun(id: string, request: CancelRunRequest = {}): Promise<RunView> {
    return this.request('POST', `/runs/${segment(id)}/cancel`, { body: request, expect: 'json' });
  }

  history(filter: HistoryFilter): Promise<AttemptView[]> {
    return this.request('GET', '/history', { query: { ...filter, format: 'json' }, expect: 'json' });
  }

  historyCsv(filter: HistoryFilter): Promise<string> {
    return this.request('GET', '/history', { query: { ...filter, format: 'csv' }, expect: 'text' });
  }

  driveStats(): Promise<DriveStats[]> {
    return this.request('GET', '/stats/drives', { expect: 'json' });
  }

  listScreens(): Promise<ScreenView[]> {
    return this.request('GET', '/screens', { expect: 'json' });
  }

  pairScreen(name: string): Promise<ScreenPairing> {
    return this.request('POST', '/screens/pairing', { body: { name }, expect: 'json' });
  }

  revokeScreen(id: string): Promise<void> {
    return this.request('DELETE', `/screens/${segment(id)}`, { expect: 'none' });
  }
}
