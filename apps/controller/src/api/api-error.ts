/**
 * An error the API answers with its own status and `ApiErrorBody`.
 */
import type { ApiErrorBody } from '../shared/api-types.js';

/** A refusal with an HTTP status, a stable code and, for bad input, the field at fault. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** For a run control conflict: the state the run was found in. */
    readonly extra: { readonly state?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The response body. */
  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
        ...(this.extra.state === undefined ? {} : { state: this.extra.state }),
      },
    };
  }
}

/** 400 INVALID_INPUT naming a field. */
export function invalidInput(field: string, message: string): ApiError {
  return new ApiError(400, 'INVALID_INPUT', message, field);
}

/** 404 NOT_FOUND. */
export function notFound(what: string, id: string, field?: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `no ${what} with id ${id}`, field);
}

/** 409 CONFLICT (or another code). */
export function conflict(message: string, code = 'CONFLICT'): ApiError {
  return new ApiError(409, code, message);
}
