/**
 * The logger of a `tower serve` / `agent` / `start` process (pino): one for
 * the whole process, given to the controller, its Fastify server (request
 * lines) and the agent (a child per agent and per drive).
 *
 * - Level from the configuration (`log.level`, `TOWER_LOG_LEVEL`).
 * - On a terminal: one readable line per event, `2026-03-01T10:00:00.000Z WARN
 *   [agent-1 sim:0] message`, written at once (pino-pretty's formatter, no
 *   worker thread). Anywhere else (a pipe, a file, journald): JSON lines,
 *   pino's own format, with ISO 8601 times, the lines of one turn of the
 *   event loop written together ({@link batchedLines}).
 * - Request lines carry the method, the path and the status, never a token:
 *   `token` query parameters are replaced, and `authorization` and `cookie`
 *   headers are censored wherever a line carries request headers.
 */
import pino from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogLevel } from '@tower/jobs';
import { REDACTED, redactUrl } from '../api/request-log.js';

/** Fields censored in every line (headers of a request or a response, wherever they are logged). */
const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie', 'token', '*.token',
];

/** Options of {@link createProcessLogger}. */
export interface ProcessLoggerOptions {
  readonly level: LogLevel;
  /** Where the lines go; default process.stderr. Its `isTTY` decides the format. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Readable lines instead of JSON; default: when `stream` is a terminal. */
  readonly pretty?: boolean;
}

/** The process's logger. */
export type ProcessLogger = PinoLogger;

/** Make the process's logger (see the module's comment). */
export function createProcessLogger(options: ProcessLoggerOptions): ProcessLogger {
  const stream = options.stream ?? process.stderr;
  const pretty = options.pretty ?? stream.isTTY === true;
  const settings: pino.LoggerOptions = {
    level: options.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { req: requestFields, res: responseFields, err: pino.stdSerializers.err },
  };
  return pino(settings, pretty ? prettyDestination(stream) : batchedLines(stream));
}

/** Flushes of the batched destinations holding lines, for the process's exit. */
const holding = new Set<() => void>();
let exitHooked = false;

/**
 * JSON lines to `stream`, the lines of one turn of the event loop in one
 * write at its end (`setImmediate`). An agent logs a line per disc, and a
 * tower's drives end their discs together: a write per line (a system call
 * on a pipe, and a wake-up of whoever reads it) was about a tenth of the
 * agent's CPU in such a burst. Lines still held when the process exits are
 * written then (a pipe or a file takes them synchronously), so a line logged
 * just before `process.exit` is not lost.
 */
function batchedLines(stream: NodeJS.WritableStream): DestinationStream {
  let held: string[] = [];
  const flush = (): void => {
    holding.delete(flush);
    if (held.length === 0) return;
    const text = held.join('');
    held = [];
    stream.write(text);
  };
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const f of [...holding]) f();
    });
  }
  return {
    write: (line: string) => {
      if (held.length === 0) {
        holding.add(flush);
        setImmediate(flush);
      }
      held.push(line);
    },
  };
}

/** A request as a line's `req`: method, path (tokens replaced), client address; never its headers. */
function requestFields(req: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }): object {
  return { method: req.method, url: redactUrl(req.url ?? ''), remoteAddress: req.ip ?? req.socket?.remoteAddress };
}

function responseFields(res: { statusCode?: number }): object {
  return { statusCode: res.statusCode };
}

/**
 * pino-pretty's formatter, called as each line is written (its stream form
 * would write later, on another tick, after a `tower: …` line the CLI
 * writes straight to stderr).
 */
function prettyDestination(stream: NodeJS.WritableStream & { readonly isTTY?: boolean }): DestinationStream {
  const format = pinoPretty.prettyFactory({
    colorize: stream.isTTY === true,
    translateTime: 'UTC:yyyy-mm-dd\'T\'HH:MM:ss.l\'Z\'',
    ignore: 'pid,hostname',
    hideObject: true,
    messageFormat: (log, messageKey) => prettyMessage(log, messageKey),
  });
  return { write: (line: string) => void stream.write(format(line)) };
}

/** `[agent drive] message: error`: what a line concerns, before its message. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const about = [log.agent, log.drive].filter((v) => typeof v === 'string').join(' ');
  const err = log.err as { message?: unknown } | undefined;
  const message = String(log[messageKey] ?? '');
  return `${about === '' ? '' : `[${about}] `}${message}${typeof err?.message === 'string' && err.message !== message ? `: ${err.message}` : ''}`;
}
