/**
 * An embedded `redis-server` for `npm start`, demos and tests: spawned with an
 * argument array on 127.0.0.1, AOF on, RDB snapshots off, and ready once it
 * answers PING.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { ToolMissingError } from 'node-cdrecord-wrapper';

/** Options of {@link startEmbeddedRedis}. */
export interface EmbeddedRedisOptions {
  /** Directory for the AOF files (created when missing). */
  readonly dataDir: string;
  /** TCP port; 0 (default) picks a free port. */
  readonly port?: number;
  /** The server program; default `redis-server` (found on PATH). */
  readonly binary?: string;
  /** Milliseconds to wait for the first PONG. Default 10 000. */
  readonly startTimeoutMs?: number;
}

/** A running embedded Redis. */
export interface EmbeddedRedis {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** OS process id of the server. */
  readonly pid: number;
  /** SIGTERM the server and wait for it to exit (idempotent). */
  stop(): Promise<void>;
}

/** The server could not be started or did not answer in time. */
export class EmbeddedRedisError extends Error {
  readonly code = 'REDIS_START_FAILED';
  constructor(message: string, readonly output: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedRedisError';
  }
}

/** Debian package that provides `redis-server`. */
export const REDIS_DEBIAN_PACKAGE = 'redis-server';

/**
 * Start `redis-server` and wait until it answers PING.
 * Rejects with `ToolMissingError` (code `TOOL_MISSING`, naming the Debian
 * package `redis-server`) when the binary does not exist, and with
 * `EmbeddedRedisError` (with the server's output) when it exits or stays silent.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = options.binary ?? 'redis-server';
  await mkdir(options.dataDir, { recursive: true });
  const fixedPort = options.port !== undefined && options.port !== 0;
  // A port picked free can be taken by someone else before the server binds it: retry then.
  for (let tryNo = 0; ; tryNo++) {
    const port = fixedPort ? (options.port as number) : await freePort();
    try {
      return await startOn(binary, port, options);
    } catch (err) {
      if (fixedPort || tryNo >= 2 || !(err instanceof EmbeddedRedisError) || !/address already in use/i.test(err.output)) {
        throw err;
      }
    }
  }
}

async function startOn(binary: string, port: number, options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dataDir,
    '--appendonly', 'yes',
    '--save', '',
    '--daemonize', 'no',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let running = true;
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      // No 'exit' follows a failed spawn: stop the PING loop here.
      running = false;
      if (err.code === 'ENOENT') reject(new ToolMissingError(binary, REDIS_DEBIAN_PACKAGE, { cause: err }));
      else reject(new EmbeddedRedisError(`cannot start ${binary}: ${err.message}`, output, { cause: err }));
    });
  });
  spawnFailed.catch(() => undefined);
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  void exited.then(() => {
    running = false;
  });
  try {
    await Promise.race([
      spawnFailed,
      exited.then(({ code, signal }) => {
        throw new EmbeddedRedisError(`${binary} exited early (code ${code}, signal ${signal}): ${lastLine(output)}`, output);
      }),
      (async () => {
        while (running) {
          if (await ping(port)) return;
          if (Date.now() > deadline) throw new EmbeddedRedisError(`${binary} did not answer PING on port ${port}`, output);
          await new Promise((r) => setTimeout(r, 25));
        }
      })(),
    ]);
  } catch (err) {
    if (running && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return stopping;
    },
  };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when a Redis server on the port answers `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
