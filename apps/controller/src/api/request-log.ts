/**
 * The API's request lines: one per answered request, on the logger Fastify
 * was given (`AppDeps.logger`), at `info` (`error` for a 5xx or a failed
 * answer), reading
 * `GET /api/runs?limit=5 200 3 ms` with `req`, `res` and `responseTime`
 * fields. No token reaches a line: `token` query parameters are replaced
 * in the URL, and the process logger's serializer leaves request headers
 * (Authorization, Cookie) out (server/process-logger.ts).
 */
import { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';

/** What a censored value reads as. */
export const REDACTED = '[redacted]';

/** A URL with the value of every `token` / `access_token` query parameter replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_)?token=)[^&#]*/gi, `$1${encodeURIComponent(REDACTED)}`);
}

/** True for a logger Fastify can take as its own (pino's): not a bare line function or a structural `Logger`. */
export function isFastifyLogger(value: unknown): value is FastifyBaseLogger {
  if (typeof value !== 'object' || value === null) return false;
  const l = value as Record<string, unknown>;
  return typeof l.level === 'string' && ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'child'].every((m) => typeof l[m] === 'function');
}

/**
 * Fastify's request logging as one line per answered request, written when
 * the answer is sent (Fastify's own: a line as the request comes in and
 * another when it is answered). Its other lines (a handler's 5xx error,
 * a stream that broke) are Fastify's.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {
    // One line per request, written once it is answered.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const ms = Math.round(reply.elapsedTime);
    const failed = error !== null && error !== undefined;
    request.log[failed || status >= 500 ? 'error' : 'info'](
      { req: request, res: reply, responseTime: ms, ...(failed ? { err: error } : {}) },
      `${request.method} ${redactUrl(request.url)} ${status} ${ms} ms`,
    );
  }
}
