/**
 * The REST client: relative `/api/...` on the page's own origin, bearer token,
 * and errors turned into words (ApiCallError) rather than swallowed.
 */
import type { ApiErrorBody } from './contract';

/** A call to the controller's API that failed: its error answer, or status 0 and code NETWORK when none came (as the CLI's ApiCallError). */
export class ApiCallError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiCallError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

function isErrorBody(v: unknown): v is ApiErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
}

/** An error in words for a person: what failed, why, and which field. */
export function describeError(err: unknown): string {
  if (err instanceof ApiCallError) {
    const where = err.field ? ` (field: ${err.field})` : '';
    if (err.status === 0) return err.message;
    return `${err.message}${where} [${err.code}, HTTP ${err.status}]`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  /** Raw body (upload); sent as application/octet-stream. */
  readonly raw?: Blob | ArrayBuffer;
  readonly query?: Readonly<Record<string, string | number | undefined | null>>;
  readonly signal?: AbortSignal;
  /** Response as text (CSV) instead of JSON. */
  readonly text?: boolean;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const q = qs.toString();
  return `/api${path}${q ? `?${q}` : ''}`;
}

export async function apiRequest<T>(token: string | null, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: opts.text ? 'text/csv, */*' : 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (opts.raw !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = opts.raw;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), { method: opts.method ?? 'GET', headers, body, signal: opts.signal ?? null, cache: 'no-store' });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiCallError(0, 'NETWORK', `Cannot reach the controller (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
    if (isErrorBody(payload)) throw new ApiCallError(res.status, payload.error.code, payload.error.message, payload.error.field);
    throw new ApiCallError(res.status, `HTTP_${res.status}`, text.trim().slice(0, 300) || res.statusText || 'Request failed');
  }
  if (res.status === 204) return undefined as T;
  if (opts.text) return (await res.text()) as T;
  return (await res.json()) as T;
}
