/**
 * Runs controller commands in-process the way `tower` does (same commander
 * settings, same failure line and exit codes), with captured output and an
 * injected fetch, client or feed: no network unless the test brings a server.
 */
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import type { ApiClient } from '../../src/cli/api-client.js';
import { EXIT, exitCodeFor, failureJson, failureLine } from '../../src/cli/cli-output.js';
import { registerControllerCommands } from '../../src/cli/controller-commands.js';
import type { ControllerCliContext } from '../../src/cli/controller-context.js';

/** A writable that keeps what was written. */
export class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false, readonly columns = 120) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** One recorded request of a {@link fakeFetch}. */
export interface SentRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

type Responder = (req: SentRequest) => Response | Promise<Response>;

/** JSON response helper. */
export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A fetch that records every request and answers with `respond`. */
export function fakeFetch(respond: Responder): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init?.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const req = { method: init?.method ?? 'GET', url: new URL(String(input)), headers, body };
    sent.push(req);
    return respond(req);
  };
  return { fetch: impl as typeof fetch, sent };
}

/** What a {@link runCli} call produced. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Context overrides for {@link runCli}. */
export type HarnessOptions = Partial<Omit<ControllerCliContext, 'stdout' | 'stderr' | 'signal'>> & {
  readonly signal?: AbortSignal;
  readonly stdout?: Capture;
  readonly stderr?: Capture;
  readonly client?: ApiClient;
};

/** Run `tower <argv>` with the controller commands, as tower.ts does. */
export async function runCli(argv: readonly string[], options: HarnessOptions = {}): Promise<CliResult> {
  const stdout = options.stdout ?? new Capture();
  const stderr = options.stderr ?? new Capture();
  const program = new Command('tower')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s), outputError: () => undefined });
  const { client, ...rest } = options;
  const ctx: ControllerCliContext = {
    env: { TOWER_TOKEN: 'test-token', TOWER_URL: 'http://controller.test:8080' },
    pollIntervalMs: 5,
    ...rest,
    ...(client ? { createClient: () => client } : {}),
    stdout,
    stderr,
    signal: options.signal ?? new AbortController().signal,
  };
  registerControllerCommands(program, ctx);
  let code: number = EXIT.ok;
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      code = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (err.exitCode !== 0) stderr.write(`tower: ${(err.message.split('\n')[0] ?? '').replace(/^error: /, '')}\n`);
    } else {
      if (argv.includes('--json')) stdout.write(`${JSON.stringify(failureJson(err))}\n`);
      stderr.write(`${failureLine(err)}\n`);
      code = exitCodeFor(err);
    }
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}
