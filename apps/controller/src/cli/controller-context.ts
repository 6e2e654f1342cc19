/**
 * What every controller command shares: its streams and Ctrl-C signal, the
 * `--url`/`--token-file`/`--token`/`--json` options, the API client they
 * produce, and how a result is printed (JSON, or text for people).
 *
 * The token comes from `--token-file <path>` (first line, a file of mode
 * 0600), `--token` or `TOWER_TOKEN`. `--token` still works but warns: a
 * command line is visible to every user of the host (`ps`).
 */
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { ApiClient } from './api-client.js';
import { HttpApiClient } from './http-api-client.js';
import { UsageError } from './cli-output.js';
import type { CliEnv, ConnectionSettings } from './config.js';
import { connectionSettings, processCliEnv } from './config.js';
import type { FeedOpener } from './feed-client.js';
import { readTokenFile } from './token-file.js';

/** An output stream; `isTTY`, `columns` and `rows` decide how live views draw (a terminal's stream also emits 'resize'). */
export type OutputStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/** The process a controller command runs in, and what tests may replace. */
export interface ControllerCliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Default: `TOWER_URL`/`TOWER_TOKEN` from the process environment. */
  readonly env?: CliEnv;
  /** Default: node:http in fetch's shape (node-http-fetch.ts); tests give a fake fetch. */
  readonly fetch?: typeof fetch;
  /** Replaces the HTTP client entirely (tests). */
  readonly createClient?: (settings: ConnectionSettings & { token: string }) => ApiClient;
  /** Default: the socket.io feed. */
  readonly openFeed?: FeedOpener;
  /** Polling period of `--wait`, ms. Default 1000. */
  readonly pollIntervalMs?: number;
}

/** Options every controller command takes. */
export interface ConnectionOptions {
  readonly url?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly json?: boolean;
}

/** The one line `--token` prints on stderr. */
export const TOKEN_OPTION_WARNING = 'tower: warning: --token shows the token to every user of this host (ps); use TOWER_TOKEN or --token-file <path> instead';

/** Add `--url`, `--token-file`, `--token` and `--json` to a command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', 'controller URL (default: $TOWER_URL or http://127.0.0.1:8080)')
    .option('--token-file <path>', 'read the API token from the first line of this file (mode 0600; default: $TOWER_TOKEN)')
    .option('--token <token>', 'API token on the command line: visible in ps, prefer $TOWER_TOKEN or --token-file')
    .option('--json', 'machine-readable output');
}

/** Commands whose `--token` warning is out (a command may resolve its connection more than once). */
const warned = new WeakSet<ConnectionOptions>();

/**
 * Merged connection settings with a token, or a `UsageError` saying how to
 * give one. `--token-file` and `--token` win over `TOWER_TOKEN`; both at
 * once are refused. `--token` warns once on stderr.
 */
export function resolveConnection(ctx: ControllerCliContext, opts: ConnectionOptions): ConnectionSettings & { token: string } {
  if (opts.token !== undefined && opts.tokenFile !== undefined) throw new UsageError('give --token-file or --token, not both');
  const token = opts.tokenFile !== undefined ? readTokenFile(opts.tokenFile) : opts.token;
  if (opts.token !== undefined && !warned.has(opts)) {
    warned.add(opts);
    ctx.stderr.write(`${TOKEN_OPTION_WARNING}\n`);
  }
  const settings = connectionSettings({ url: opts.url, token }, ctx.env ?? processCliEnv());
  if (settings.token === undefined) {
    throw new UsageError('no API token: set TOWER_TOKEN or pass --token-file <path> (ask the controller\'s operator for one)');
  }
  return { url: settings.url, token: settings.token };
}

/** The API client for a command's options. Throws `UsageError` for a missing token or a bad URL; sends nothing. */
export function clientFor(ctx: ControllerCliContext, opts: ConnectionOptions): ApiClient {
  const settings = resolveConnection(ctx, opts);
  if (ctx.createClient) return ctx.createClient(settings);
  return new HttpApiClient({ url: settings.url, token: settings.token, signal: ctx.signal, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
}

/**
 * Print a result: pretty JSON with `--json`, else the text. A text given as a
 * function is made only when it is printed: with `--json` no number or date
 * is formatted (a process's first Intl formatter costs 20 ms here, a quarter
 * of a second in the rig's QEMU guest).
 */
export function printResult(ctx: ControllerCliContext, opts: ConnectionOptions, value: unknown, text: string | (() => string)): void {
  ctx.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${typeof text === 'function' ? text() : text}\n`);
}

/** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
