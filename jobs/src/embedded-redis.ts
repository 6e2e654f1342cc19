/**
 * An embedded `redis-server` for `npm start`, demos and tests: on 127.0.0.1,
 * AOF on, RDB snapshots off, with a password, and ready once it answers
 * PING. Its settings are in a configuration file of mode 0600 (the one
 * argument it is started with, so `ps` shows no password), its data folder
 * is mode 0700 and the files it writes there are not group/other readable.
 * The password is random, kept in a file of mode 0600 and reused on restart.
 * The server holds a lock on its data folder and dies with the process that
 * started it; a server a crashed tower left behind is stopped before a new
 * one starts, and a folder another tower serves is refused (see
 * embedded-redis-claim.ts).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ToolMissingError } from 'node-cdrecord-wrapper';
import {
  EMBEDDED_REDIS_LOCK, EMBEDDED_REDIS_OWNER_ENV, EMBEDDED_REDIS_PIDFILE, EmbeddedRedisInUseError, LOCK_CONFLICT_STATUS, lockedServerArgs, reclaimDataDir,
} from './embedded-redis-claim.js';
import { writeEmbeddedRedisConf } from './embedded-redis-config.js';
import { readOrCreateRedisPassword } from './embedded-redis-password.js';

export { RedisPasswordFileError } from './embedded-redis-password.js';
export { EMBEDDED_REDIS_LOCK, EMBEDDED_REDIS_PIDFILE, EmbeddedRedisInUseError } from './embedded-redis-claim.js';

/** File name of the configuration file inside the data folder. */
export const EMBEDDED_REDIS_CONF = 'redis.conf';
/** File name of the password inside the data folder, when no `passwordFile` is given. */
export const EMBEDDED_REDIS_PASSWORD = 'password';

/** Options of {@link startEmbeddedRedis}. */
export interface EmbeddedRedisOptions {
  /** Directory for the AOF files and the configuration file (created when missing; made mode 0700). */
  readonly dataDir: string;
  /**
   * File holding the password (first line), created with a random one
   * (mode 0600) when missing and reused after. Default `<dataDir>/password`.
   */
  readonly passwordFile?: string;
  /** TCP port; 0 (default) picks a free port. */
  readonly port?: number;
  /** The server program; default `redis-server` (found on PATH). */
  readonly binary?: string;
  /** Milliseconds to wait for the first PONG. Default 10 000. */
  readonly startTimeoutMs?: number;
  /** Where to say that a server left behind by a crashed start is being stopped. */
  readonly log?: (line: string) => void;
}

/** A running embedded Redis. */
export interface EmbeddedRedis {
  /** `redis://:PASSWORD@127.0.0.1:PORT`: what clients connect with. Never print it. */
  readonly url: string;
  /** `redis://127.0.0.1:PORT`: the URL without the password, to print. */
  readonly displayUrl: string;
  readonly port: number;
  /** Where the password is kept (mode 0600). */
  readonly passwordFile: string;
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
/** Debian package that provides `setpriv` and `flock` (Essential). */
const UTIL_LINUX = 'util-linux';

/** flock found the folder locked by another server. */
class LockConflict extends Error {}

/**
 * Start `redis-server` and wait until it answers PING.
 * Rejects with `ToolMissingError` (code `TOOL_MISSING`, naming the Debian
 * package `redis-server`, or `util-linux` for `setpriv`/`flock`) when a
 * program does not exist, with `EmbeddedRedisInUseError` when a live
 * process's server serves the folder, and with `EmbeddedRedisError` (with
 * the server's output) when it exits or stays silent.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = options.binary ?? 'redis-server';
  await privateFolder(options.dataDir);
  const passwordFile = options.passwordFile ?? path.join(options.dataDir, EMBEDDED_REDIS_PASSWORD);
  const password = await readOrCreateRedisPassword(passwordFile);
  const fixedPort = options.port !== undefined && options.port !== 0;
  const conf = path.join(options.dataDir, EMBEDDED_REDIS_CONF);
  // A port picked free can be taken by someone else before the server binds it, and
  // another start can take the folder's lock between our look and our start: retry then.
  for (let tryNo = 0; ; tryNo++) {
    await reclaimDataDir(options.dataDir, conf, password, options.log ?? (() => undefined));
    const port = fixedPort ? (options.port as number) : await freePort();
    try {
      return await startOn(binary, port, password, passwordFile, options);
    } catch (err) {
      if (err instanceof LockConflict) {
        // The next look names the server that holds it (once its pid file is written).
        if (tryNo >= 2) throw new EmbeddedRedisInUseError(options.dataDir, null, null);
        await new Promise((r) => setTimeout(r, 300));
        continue;
      }
      if (fixedPort || tryNo >= 2 || !(err instanceof EmbeddedRedisError) || !/address already in use/i.test(err.output)) {
        throw err;
      }
    }
  }
}

/**
 * Make `dir` (created when missing) mode 0700, and take group/other access
 * off what an earlier server left in it (two levels: the AOF files are in
 * `appendonlydir/`).
 */
async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tighten = async (folder: string, depth: number): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) continue;
      const p = path.join(folder, entry.name);
      const mode = (await stat(p)).mode & 0o777;
      if ((mode & 0o077) !== 0) await chmod(p, mode & 0o700);
      if (entry.isDirectory() && depth > 0) await tighten(p, depth - 1);
    }
  };
  await tighten(dir, 1);
}

/**
 * Spawn the server holding the folder's lock and dying with this process
 * (see embedded-redis-claim.ts), with umask 077, so the files the server
 * creates are its user's alone. Its environment names this process as its
 * owner; the C locale keeps the tools' messages parseable.
 */
function spawnPrivate(binary: string, conf: string, lockFile: string): ChildProcess {
  let previous: number | null = null;
  try {
    previous = process.umask(0o077);
  } catch {
    // Not settable here (a worker thread): the 0700 folder still keeps the files private.
  }
  try {
    // eslint-disable-next-line no-restricted-properties -- passed on to the child, not read as configuration
    const env = { ...process.env, LC_ALL: 'C', [EMBEDDED_REDIS_OWNER_ENV]: String(process.pid) };
    return spawn('setpriv', lockedServerArgs(binary, conf, lockFile), { stdio: ['ignore', 'pipe', 'pipe'], env });
  } finally {
    if (previous !== null) process.umask(previous);
  }
}

async function startOn(binary: string, port: number, password: string, passwordFile: string, options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const conf = path.join(options.dataDir, EMBEDDED_REDIS_CONF);
  const dir = path.resolve(options.dataDir);
  await writeEmbeddedRedisConf(conf, { port, dir, password, pidFile: path.join(dir, EMBEDDED_REDIS_PIDFILE) });
  const child = spawnPrivate(binary, conf, path.join(dir, EMBEDDED_REDIS_LOCK));
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  let running = true;
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      // No 'exit' follows a failed spawn: stop the PING loop here.
      running = false;
      if (err.code === 'ENOENT') reject(new ToolMissingError('setpriv', UTIL_LINUX, { cause: err }));
      else reject(new EmbeddedRedisError(`cannot start ${binary}: ${err.message}`, output, { cause: err }));
    });
  });
  spawnFailed.catch(() => undefined);
  const deadline = performance.now() + (options.startTimeoutMs ?? 10_000);
  void exited.then(() => {
    running = false;
  });
  try {
    await Promise.race([
      spawnFailed,
      exited.then(async ({ code, signal }) => {
        // 'exit' can come before the last of the output: wait a moment for the pipes to close.
        await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
        if (code === LOCK_CONFLICT_STATUS) throw new LockConflict();
        // setpriv or flock could not exec the next program of the chain.
        const missing = /failed to execute (.+?): No such file or directory/.exec(output)?.[1];
        if (missing !== undefined) throw new ToolMissingError(missing, missing === binary ? REDIS_DEBIAN_PACKAGE : UTIL_LINUX);
        throw new EmbeddedRedisError(`${binary} exited early (code ${code}, signal ${signal}): ${lastLine(output)}`, output);
      }),
      (async () => {
        while (running) {
          if (await ping(port, password)) return;
          if (performance.now() > deadline) throw new EmbeddedRedisError(`${binary} did not answer PING on port ${port}`, output);
          await new Promise((r) => setTimeout(r, 25));
        }
        // Gone before it answered: its exit (or the failed spawn) says why.
        await new Promise(() => undefined);
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
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    displayUrl: `redis://127.0.0.1:${port}`,
    port,
    passwordFile,
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

/** True when a Redis server on the port takes the password and answers `+PONG`. */
function ping(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n*1\r\n$4\r\nPING\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const lines = reply.split('\r\n');
      if (lines[0] !== undefined && lines.length > 1 && !lines[0].startsWith('+OK')) done(false);
      else if (lines.length > 2) done(lines[1] === '+PONG');
    });
  });
}
