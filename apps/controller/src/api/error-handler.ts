/**
 * The API's error handler: every refusal becomes an `ApiErrorBody` with the
 * right status. Schema failures and malformed JSON → 400 INVALID_INPUT,
 * library errors → their status and code (a full library volume → 507
 * INSUFFICIENT_STORAGE), run validation → 400, Redis unreachable → 503
 * REDIS_UNAVAILABLE.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { RunImageGoneError, RunValidationError } from '@tower/jobs';
import {
  ImageInUseError, ImageNotFoundError, ImageValidationError, ImportPathError, InsufficientStorageError, InvalidImageNameError,
  LibraryError, LibraryRequestError, MalwareScanError, UploadTooLargeError,
} from '../library/index.js';
import type { ApiErrorBody } from '../shared/api-types.js';
import { ApiError } from './api-error.js';
import type { RedisGuard } from './redis-guard.js';
import { ErrorBody } from './schemas.js';
import { describeValidation } from './validation-message.js';
import type { SchemaError } from './validation-message.js';

/** Map any error to a status and body. */
export function toApiError(err: unknown, request?: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const fe = err as Partial<FastifyError> & { validation?: SchemaError[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const part = fe.validationContext ?? 'body';
    const value = request === undefined ? undefined : (request as unknown as Record<string, unknown>)[part === 'querystring' ? 'query' : part];
    const { field, message } = describeValidation(fe.validation, part, value);
    return new ApiError(400, 'INVALID_INPUT', message, field);
  }
  if (err instanceof RunValidationError) return new ApiError(400, 'INVALID_INPUT', err.message, err.field);
  if (err instanceof RunImageGoneError) {
    // A delete of the image won the race with this run's creation.
    return err.reason === 'deleting'
      ? new ApiError(409, 'IMAGE_DELETING', `${err.message}: the run was not created`, 'imageId')
      : new ApiError(404, 'NOT_FOUND', `no image with id ${err.imageId} (it was deleted): the run was not created`, 'imageId');
  }
  if (err instanceof LibraryError) return libraryError(err);
  if (typeof fe.code === 'string' && fe.code.startsWith('FST_ERR_CTP_')) {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError(413, 'TOO_LARGE', 'the request body is too large');
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type: send application/json (or application/octet-stream for uploads)`);
    }
    return new ApiError(400, 'INVALID_INPUT', `the request body is not valid JSON: ${fe.message ?? ''}`.trim(), 'body');
  }
  if (err instanceof SyntaxError) return new ApiError(400, 'INVALID_INPUT', `the request body is not valid JSON: ${err.message}`, 'body');
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) return new ApiError(status, typeof fe.code === 'string' ? fe.code : 'BAD_REQUEST', fe.message ?? 'bad request');
  return new ApiError(500, 'INTERNAL', `internal error: ${fe.message ?? String(err)}`);
}

function libraryError(err: LibraryError): ApiError {
  if (err instanceof ImageNotFoundError) return new ApiError(404, 'NOT_FOUND', err.message, 'id');
  if (err instanceof ImageInUseError) return new ApiError(409, err.code, `${err.message}: cancel or finish the run first`);
  if (err instanceof UploadTooLargeError) return new ApiError(413, err.code, err.message);
  if (err instanceof InsufficientStorageError) return new ApiError(507, err.code, err.message);
  if (err instanceof ImportPathError) return new ApiError(400, err.code, err.message, 'path');
  if (err instanceof InvalidImageNameError) return new ApiError(400, err.code, err.message, 'name');
  if (err instanceof ImageValidationError) return new ApiError(422, err.code, err.message);
  if (err instanceof LibraryRequestError) return new ApiError(400, err.code, err.message);
  // The scanner (clamscan, its signatures) is what is missing, not anything of the request.
  if (err instanceof MalwareScanError) return new ApiError(503, err.code, err.message, 'id');
  return new ApiError(400, err.code, err.message);
}

/**
 * Fastify error handler sending `ApiErrorBody`. With `guard`, an error that
 * says Redis is unreachable is a 503 `REDIS_UNAVAILABLE` (with `Retry-After`).
 */
export function apiErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply, guard?: RedisGuard): FastifyReply {
  const unavailable = guard?.toApiError(err) ?? null;
  if (unavailable !== null) void reply.header('retry-after', '5');
  const api = unavailable ?? toApiError(err, request);
  if (api.statusCode >= 500) request.log.error({ err }, 'request failed');
  const body: ApiErrorBody = api.toBody();
  return reply.status(api.statusCode).type('application/json').send(body);
}

/** Methods whose requests Fastify reads a body of, whatever the route declares. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Document the refusals of body parsing on every route of a method with a
 * body that declares its responses: 400 (not JSON), 413 (over the body
 * limit), 415 (another Content-Type). A body is read before the route's own
 * schema is looked at, so a route that takes none refuses these too.
 */
export function documentBodyRefusals(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    const response = schema?.response as Record<string, unknown> | undefined;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (schema === undefined || response === undefined || !methods.some((m) => BODY_METHODS.has(m.toUpperCase()))) return;
    route.schema = { ...schema, response: { 400: ErrorBody, 413: ErrorBody, 415: ErrorBody, ...response } };
  });
}
