/**
 * Running the optical tools: argument arrays only (never a shell), stdin
 * closed, each tool in its own process group so cancelling can take down
 * everything it started, output captured with a bounded tail.
 *
 * The spawner is injectable so wrappers can be tested with recorded output.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CancelledError, ToolMissingError } from './errors.js';
import type { ToolFailure } from './errors.js';

/** The part of a child process this module uses. */
export interface ChildLike {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  once(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SpawnRequest {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts a program with an argument array. Must not use a shell. */
export type Spawner = (program: string, args: readonly string[], request: SpawnRequest) => ChildLike;

/** The default spawner: node's spawn, detached into its own process group, stdin closed. */
export const defaultSpawner: Spawner = (program, args, request) =>
  nodeSpawn(program, [...args], {
    cwd: request.cwd,
    env: request.env,
    detached: true,
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Debian package that provides each program we may run. */
export const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  cdrskin: 'cdrskin',
  wodim: 'wodim',
  readom: 'wodim',
  icedax: 'icedax',
  cdrecord: 'wodim (cdrecord from cdrtools is not packaged; wodim is its Debian successor)',
  cdrdao: 'cdrdao',
  toc2cue: 'cdrdao',
  xorriso: 'xorriso',
  genisoimage: 'genisoimage',
  eject: 'eject',
  'dvd+rw-mediainfo': 'growisofs',
  growisofs: 'growisofs',
  sg_dd: 'sg3-utils',
  sg_turs: 'sg3-utils',
  gzip: 'gzip',
  xz: 'xz-utils',
  bzip2: 'bzip2',
  zstd: 'zstd',
  mkudffs: 'udftools',
  udfinfo: 'udftools',
  nrg2iso: 'nrg2iso',
  ccd2iso: 'ccd2iso',
  mdf2iso: 'mdf2iso',
  bchunk: 'bchunk',
  iat: 'iat',
  chdman: 'mame-tools',
  dmg2img: 'dmg2img',
};

export interface RunToolOptions {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly spawner?: Spawner;
  /** Each decoded chunk of stdout, as it arrives. */
  readonly onStdout?: (chunk: string) => void;
  /** Each decoded chunk of stderr, as it arrives. */
  readonly onStderr?: (chunk: string) => void;
  /**
   * After SIGTERM on cancel, how long to let the tool abort cleanly before the
   * process group gets SIGKILL. cdrskin needs a few seconds to release a drive
   * (it says "wait at least the normal burning time before any kill -9" for
   * real media); the default suits pseudo drives.
   */
  readonly killGraceMs?: number;
  /** Characters of each stream to keep (the tail). Default 256 KiB. */
  readonly keepChars?: number;
  /**
   * Take stdout raw instead of capturing it (a decompressor's output): called
   * once with the stream, which the caller must read (backpressure holds the
   * tool); `ToolRun.stdout` is then empty.
   */
  readonly takeStdout?: (stdout: Readable) => void;
}

export interface ToolRun {
  readonly program: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Tail of stdout. */
  readonly stdout: string;
  /** Tail of stderr. */
  readonly stderr: string;
  readonly durationMs: number;
}

/** Summary of a run for error reports: the last lines of both streams. */
export function toolFailure(run: ToolRun, lines = 40): ToolFailure {
  const tail = (s: string): string[] => s.split(/\r|\n/).filter((l) => l.trim() !== '');
  const output = [...tail(run.stdout), ...tail(run.stderr)].slice(-lines).join('\n');
  return { tool: run.program, exitCode: run.exitCode, signal: run.signal, output };
}

function appendTail(current: string, chunk: string, keep: number): string {
  const next = current + chunk;
  return next.length > keep ? next.slice(next.length - keep) : next;
}

function killGroup(child: ChildLike, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Run a tool to completion. Resolves with its exit status and output whatever
 * the exit code (callers classify failures); rejects with `ToolMissingError`
 * when the program is not installed and `CancelledError` when the signal aborts.
 */
export function runTool(options: RunToolOptions): Promise<ToolRun> {
  const spawner = options.spawner ?? defaultSpawner;
  const keep = options.keepChars ?? 256 * 1024;
  const started = Date.now();
  if (options.signal?.aborted) return Promise.reject(new CancelledError(`${options.program} cancelled before start`));

  return new Promise<ToolRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const request: SpawnRequest = {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
    };
    let child: ChildLike;
    try {
      child = spawner(options.program, options.args, request);
    } catch (err) {
      reject(err);
      return;
    }

    const onAbort = (): void => {
      cancelled = true;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), options.killGraceMs ?? 8_000);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr?.setEncoding('latin1');
    if (options.takeStdout && child.stdout) {
      options.takeStdout(child.stdout);
    } else {
      child.stdout?.setEncoding('latin1');
      child.stdout?.on('data', (chunk: string) => {
        stdout = appendTail(stdout, chunk, keep);
        options.onStdout?.(chunk);
      });
    }
    child.stderr?.on('data', (chunk: string) => {
      stderr = appendTail(stderr, chunk, keep);
      options.onStderr?.(chunk);
    });

    child.once('error', (err: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (err.code === 'ENOENT') {
        reject(new ToolMissingError(options.program, DEBIAN_PACKAGE[options.program] ?? options.program, { cause: err }));
      } else {
        reject(err);
      }
    });

    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // Anything the tool left in its group goes with it.
      if (cancelled) killGroup(child, 'SIGKILL');
      const run: ToolRun = {
        program: options.program,
        exitCode: code,
        signal,
        stdout,
        stderr,
        durationMs: Date.now() - started,
      };
      if (cancelled) {
        reject(new CancelledError(`${options.program} cancelled`, { tool: toolFailure(run) }));
      } else {
        resolve(run);
      }
    });
  });
}
