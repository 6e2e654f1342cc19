/**
 * How a call to the controller's API fails, as a client sees it: an error
 * answer (the API's `ApiErrorBody`, or a bare status line) or no answer.
 * The CLI prints its message, `message [CODE]`, as `tower: message [CODE]`.
 * (The controller's own `ApiError`, in src/api, is the refusal a route
 * throws; this is what a client makes of it.)
 */
import type { ApiErrorBody } from '../shared/api-types.js';

/** The controller answered with an error, or could not be reached. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
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

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null
    && typeof (error as { code?: unknown }).code === 'string'
    && typeof (error as { message?: unknown }).message === 'string';
}

/** Turn a non-2xx response into an `ApiCallError` (the API's error body, or the status line). */
export async function errorFromResponse(response: Pick<Response, 'status' | 'statusText' | 'text'>): Promise<ApiCallError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isApiErrorBody(body)) {
    const { code, message, field } = body.error;
    return new ApiCallError(response.status, code, message.split('\n')[0] ?? message, field);
  }
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const snippet = text.trim().split('\n')[0]?.slice(0, 200);
  return new ApiCallError(response.status, `HTTP_${response.status}`, snippet ? `${status}: ${snippet}` : status);
}
