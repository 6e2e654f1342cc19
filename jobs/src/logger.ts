/**
 * The logger the packages write to: a structural type (pino's loggers fit
 * it, and so does Fastify's), injected by the apps, so this package needs
 * no logging library of its own. A plain line function (what tests and
 * older callers pass) is turned into one by {@link toLogger}.
 */

/** One level of a {@link Logger}: a message, or fields then a message. */
export interface LogMethod {
  (msg: string): void;
  (fields: object, msg: string): void;
}

/** Levelled, structured logging; `child` adds fields to every line it writes. */
export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  child(bindings: Record<string, unknown>): Logger;
}

/** Where a component logs: a {@link Logger}, or a function that takes each line as text. */
export type LogSink = Logger | ((line: string) => void);

/** The levels of a {@link Logger}, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A {@link Logger} for a sink: the logger itself, or one that hands each
 * line's message (whatever its level; fields other than a child's are left
 * out) to the function, prefixed by its children's fields as `[agent a1,
 * drive sim:0] …`. Undefined: a logger that writes nothing.
 */
export function toLogger(sink: LogSink | undefined): Logger {
  if (sink === undefined) return lineLogger(() => undefined, '');
  return typeof sink === 'function' ? lineLogger(sink, '') : sink;
}

function lineLogger(write: (line: string) => void, prefix: string): Logger {
  const method: LogMethod = (a: object | string, b?: string): void => {
    write(`${prefix}${typeof a === 'string' ? a : (b ?? '')}`);
  };
  return {
    error: method,
    warn: method,
    info: method,
    debug: method,
    child(bindings) {
      const fields = Object.entries(bindings).map(([k, v]) => `${k} ${String(v)}`).join(', ');
      return lineLogger(write, fields === '' ? prefix : `${prefix}[${fields}] `);
    },
  };
}
