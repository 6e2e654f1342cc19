/**
 * The CLI's client of the controller's HTTP API (the `ApiClient` of
 * api-client.ts) over node:http (node-http-fetch.ts, fetch's shape without
 * undici's start-up cost; the global `fetch` when given). Every failure becomes an
 * `ApiCallError` whose message reads `message [CODE]`, so the CLI prints
 * `tower: message [CODE]`.
 *
 * Every request that changes something carries an `Idempotency-Key` of its
 * own (a fresh UUID per call). A request whose answer was lost (the
 * connection dropped after it was sent), or that was answered 503 (Redis
 * unreachable) or 409 `IDEMPOTENCY_KEY_IN_USE`, is sent again, with the same
 * key, after 1 s and then 2 s: the controller carries it out once and
 * replays its answer. An upload (its body is a stream) is not sent again.
 */
import { CancelledError } from 'node-cdrecord-wrapper/errors';
import type {
  AttemptView, CancelRunRequest, CreateRunRequest, DriveDetail, DriveStats, DriveView, ImageView, ImportRequest,
  InsertDiscRequest, MasterRequest, MasterView, RunView, ScreenPairing, ScreenView, WhoAmI,
} from '../shared/api-types.js';
import type { TemplateRequest, TemplateRunRequest, TemplateView } from '../shared/template-schemas.js';
import type { StockLevelView } from '../shared/stock-schemas.js';
import type { ProductionReportQueryInput, ProductionReportView } from '../shared/report-schemas.js';
import type { AlertDelivery, AlertsOverviewView } from '../shared/alert-schemas.js';
import { ApiCallError, errorFromResponse } from './api-call-error.js';
import type { ApiClient, HistoryFilter, RunWait, UploadBody } from './api-client.js';
import { parseBaseUrl } from './controller-url.js';
import { newRequestKey } from './request-key.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import type { HttpFetch, HttpFetchInit, HttpFetchResponse } from './node-http-fetch.js';

/** What an {@link HttpApiClient} needs. */
export interface HttpApiClientOptions {
  /** Base URL of the controller, e.g. `http://127.0.0.1:8080` (no `/api`). */
  readonly url: string;
  readonly token: string;
  /** Default: node:http in fetch's shape (node-http-fetch.ts); the global `fetch` or a fake of it. */
  readonly fetch?: HttpFetch;
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

export interface RequestSpec {
  readonly body?: unknown;
  readonly query?: Query;
  readonly upload?: UploadBody;
  readonly expect: 'json' | 'text' | 'bytes' | 'none';
}

function causeText(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Failures of requests that may have reached the controller (the connection dropped before the answer). */
const ANSWER_LOST = new WeakSet<ApiCallError>();

/** A failure worth sending the same request again for (with the same idempotency key). */
function isRetryable(err: ApiCallError): boolean {
  return ANSWER_LOST.has(err) || err.code === 'REDIS_UNAVAILABLE' || err.code === 'IDEMPOTENCY_KEY_IN_USE';
}

function segment(id: string): string {
  return encodeURIComponent(id);
}

/** The API client over HTTP. */
export class HttpApiClient implements ApiClient {
  private readonly base: URL;
  private readonly fetchImpl: HttpFetch;

  constructor(private readonly options: HttpApiClientOptions) {
    this.base = parseBaseUrl(options.url);
    this.fetchImpl = options.fetch ?? nodeHttpFetch;
  }

  /**
   * Send one request (again, with the same idempotency key, when its answer
   * was lost or Redis was away: see the module comment); resolves with the
   * parsed body or rejects with `ApiCallError`/`CancelledError`.
   */
  protected async request<T>(method: string, path: string, spec: RequestSpec): Promise<T> {
    const key = CHANGING.has(method) ? newRequestKey() : undefined;
    const delays = spec.upload ? [] : (this.options.retryDelaysMs ?? [1000, 2000]);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, spec, key);
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined || !(err instanceof ApiCallError) || !isRetryable(err)) throw err;
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
    let body: HttpFetchInit['body'];
    if (spec.upload) {
      headers['content-type'] = 'application/octet-stream';
      if (spec.upload.sizeBytes !== undefined) headers['content-length'] = String(spec.upload.sizeBytes);
      body = spec.upload.data;
    } else if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    const init: HttpFetchInit = {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(spec.upload ? { duplex: 'half' as const } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
    let response: HttpFetchResponse;
    try {
      response = await this.fetchImpl(url, init);
    } catch (err) {
      if (this.options.signal?.aborted || (err instanceof Error && err.name === 'AbortError')) throw new CancelledError('cancelled');
      const cause = causeText(err);
      const failure = new ApiCallError(0, 'UNREACHABLE', `cannot reach the controller at ${this.base.origin} (${cause}); check --url or TOWER_URL`);
      // The request may have reached the controller and only its answer was lost: worth sending again.
      if (!NOT_SENT.has(cause)) ANSWER_LOST.add(failure);
      throw failure;
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (spec.expect === 'none') {
      await response.body?.cancel().catch(() => undefined);
      return undefined as T;
    }
    if (spec.expect === 'bytes') return new Uint8Array(await response.arrayBuffer()) as T;
    const text = await response.text();
    if (spec.expect === 'text') return text as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiCallError(response.status, 'BAD_RESPONSE', `the controller at ${this.base.origin} sent a response that is not JSON`);
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

  loadBlanks(id: string, count: number): Promise<DriveView> {
    return this.request('POST', `/drives/${segment(id)}/loader/blanks`, { body: { count }, expect: 'json' });
  }

  emptyRejects(id: string): Promise<DriveView> {
    return this.request('POST', `/drives/${segment(id)}/loader/empty-rejects`, { expect: 'json' });
  }

  insertDisc(id: string, disc: InsertDiscRequest): Promise<DriveView> {
    return this.request('POST', `/drives/${segment(id)}/insert`, { body: disc, expect: 'json' });
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

  scanImage(id: string): Promise<ImageView> {
    return this.request('POST', `/images/${segment(id)}/scan`, { expect: 'json' });
  }

  changeImageStorage(id: string, action: 'compress' | 'decompress', as?: 'zstd' | 'chd'): Promise<ImageView> {
    return this.request('POST', `/images/${segment(id)}/${action}`, { expect: 'json', ...(as === undefined ? {} : { query: { as } }) });
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

  getRun(id: string, wait?: RunWait): Promise<RunView> {
    const query = wait === undefined ? {} : { query: { waitFor: 'final', timeoutMs: Math.max(0, Math.round(wait.timeoutMs)) } };
    return this.request('GET', `/runs/${segment(id)}`, { expect: 'json', ...query });
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

  runAgain(id: string): Promise<RunView> {
    return this.request('POST', `/runs/${segment(id)}/again`, { expect: 'json' });
  }

  listTemplates(): Promise<TemplateView[]> {
    return this.request('GET', '/templates', { expect: 'json' });
  }

  getTemplate(name: string): Promise<TemplateView> {
    return this.request('GET', `/templates/${segment(name)}`, { expect: 'json' });
  }

  saveTemplate(name: string, request: TemplateRequest): Promise<TemplateView> {
    return this.request('PUT', `/templates/${segment(name)}`, { body: request, expect: 'json' });
  }

  deleteTemplate(name: string): Promise<void> {
    return this.request('DELETE', `/templates/${segment(name)}`, { expect: 'none' });
  }

  runTemplate(name: string, overrides: TemplateRunRequest): Promise<RunView> {
    return this.request('POST', `/templates/${segment(name)}/run`, { body: overrides, expect: 'json' });
  }

  history(filter: HistoryFilter): Promise<AttemptView[]> {
    return this.request('GET', '/history', { query: { ...filter, format: 'json' }, expect: 'json' });
  }

  historyCsv(filter: HistoryFilter): Promise<string> {
    return this.request('GET', '/history', { query: { ...filter, format: 'csv' }, expect: 'text' });
  }

  productionReport(query: Omit<ProductionReportQueryInput, 'format'>): Promise<ProductionReportView> {
    return this.request('GET', '/reports/production', { query: { ...query }, expect: 'json' });
  }
  productionReportCsv(query: Omit<ProductionReportQueryInput, 'format'>): Promise<string> {
    return this.request('GET', '/reports/production', { query: { ...query, format: 'csv' }, expect: 'text' });
  }
  runCertificate(id: string): Promise<Uint8Array> {
    return this.request('GET', `/runs/${segment(id)}/certificate.pdf`, { expect: 'bytes' });
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

  stock(): Promise<StockLevelView[]> {
    return this.request('GET', '/stock', { expect: 'json' });
  }

  changeStock(action: 'received' | 'adjust' | 'threshold', body: Record<string, unknown>): Promise<StockLevelView> {
    return this.request('POST', `/stock/${action}`, { body, expect: 'json' });
  }

  alerts(): Promise<AlertsOverviewView> {
    return this.request('GET', '/alerts', { expect: 'json' });
  }

  alertDeliveries(limit?: number): Promise<AlertDelivery[]> {
    return this.request('GET', '/alerts/deliveries', { ...(limit === undefined ? {} : { query: { limit } }), expect: 'json' });
  }
}
