/**
 * Programs joined by pipes, as a shell's `a | b | c` but without a shell:
 * each started with an argument array, each one's stdout handed to the next
 * as its stdin, so the bytes go from process to process through the kernel
 * and never through JavaScript. Each one's stderr is kept (a tail), and the
 * last one's stdout (a tool's short answer, such as a digest).
 *
 * When one of them fails (a non-zero exit, a signal) or the signal aborts,
 * every one still running is stopped (SIGTERM to its process group, SIGKILL
 * after a grace); the promise settles only once all of them have exited, so
 * the caller may remove what they wrote.
 *
 * Quirk: a stdout handed on as the next one's stdin stays open in this
 * process too. It is closed here at once, or a writer whose reader died
 * would block for ever instead of getting SIGPIPE.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { CancelledError, DEBIAN_PACKAGE, ToolMissingError } from 'node-cdrecord-wrapper';

/** One program of the pipeline, as an argument array. */
export interface PipedCommand {
  readonly program: string;
  readonly args: readonly string[];
}

/** How one program of the pipeline ended. */
export interface PipedExit {
  readonly program: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Tail of its stderr. */
  readonly stderr: string;
}

/** A pipeline that ran to its end (each program exited by itself, or was stopped after `failed`). */
export interface PipelineRun {
  /** In pipeline order. */
  readonly exits: readonly PipedExit[];
  /** The first program to end with a non-zero exit or a signal before any was stopped (null: all exited 0). */
  readonly failed: PipedExit | null;
  /** Tail of the last program's stdout. */
  readonly stdout: string;
}

export interface PipelineOptions {
  readonly signal?: AbortSignal;
  /** After SIGTERM, how long before SIGKILL; default 500 ms. */
  readonly killGraceMs?: number;
  /** Characters kept of each stderr and of the last stdout; default 8 KiB. */
  readonly keepChars?: number;
  /** A file the first program reads as its stdin (default: none, stdin closed). Rejects with the open's error when it cannot be read. */
  readonly input?: string;
}

/** Packages of the programs the staging pipes that the drivers' table does not name. */
const PACKAGE: Readonly<Record<string, string>> = { tee: 'coreutils', openssl: 'openssl' };

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Run `commands` joined by pipes. Resolves with how each ended whatever the
 * exit codes (callers classify failures); rejects with `ToolMissingError`
 * when a program is not installed and `CancelledError` when `signal` aborts,
 * in both cases once every started program has exited.
 */
export function runPipeline(commands: readonly PipedCommand[], options: PipelineOptions = {}): Promise<PipelineRun> {
  if (commands.length === 0) return Promise.reject(new Error('an empty pipeline'));
  if (options.signal?.aborted === true) return Promise.reject(new CancelledError(`${commands[0]!.program} cancelled before start`));
  let input: number | undefined;
  try {
    if (options.input !== undefined) input = openSync(options.input, 'r');
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  const keep = options.keepChars ?? 8192;
  const tail = (s: string, chunk: string): string => (s.length + chunk.length > keep ? (s + chunk).slice(-keep) : s + chunk);
  return new Promise<PipelineRun>((resolve, reject) => {
    const children: ChildProcess[] = [];
    const exits: (PipedExit | undefined)[] = commands.map(() => undefined);
    const stderr = commands.map(() => '');
    let stdout = '';
    let failedAt: number | null = null;
    let stopping = false;
    let cancelled = false;
    let startError: Error | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let open = 0;

    const stopAll = (): void => {
      if (stopping) return;
      stopping = true;
      for (const c of children) killGroup(c, 'SIGTERM');
      killTimer = setTimeout(() => { for (const c of children) killGroup(c, 'SIGKILL'); }, options.killGraceMs ?? 500);
      killTimer.unref();
    };
    const onAbort = (): void => {
      cancelled = true;
      stopAll();
    };
    const settle = (): void => {
      if (open > 0) return;
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      if (cancelled) reject(new CancelledError(`${commands.map((c) => c.program).join(' | ')} cancelled`));
      else if (startError !== null) reject(startError);
      else {
        const ended = exits.map((e, i) => e ?? { program: commands[i]!.program, exitCode: null, signal: null, stderr: stderr[i]! });
        resolve({ exits: ended, failed: failedAt === null ? null : ended[failedAt]!, stdout });
      }
    };

    commands.forEach((command, i) => {
      if (startError !== null) return;
      const previous = children[i - 1];
      let child: ChildProcess;
      try {
        child = spawn(command.program, [...command.args], {
          detached: true, shell: false,
          stdio: [previous?.stdout ?? input ?? 'ignore', 'pipe', 'pipe'],
        });
      } catch (err) {
        startError = err instanceof Error ? err : new Error(String(err));
        stopAll();
        return;
      } finally {
        // The first program holds its own copy of the input's descriptor.
        if (i === 0 && input !== undefined) closeSync(input);
      }
      previous?.stdout?.destroy();
      children.push(child);
      open++;
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        open--;
        settle();
      };
      child.stderr?.setEncoding('latin1');
      child.stderr?.on('data', (chunk: string) => { stderr[i] = tail(stderr[i]!, chunk); });
      if (i === commands.length - 1) {
        child.stdout?.setEncoding('latin1');
        child.stdout?.on('data', (chunk: string) => { stdout = tail(stdout, chunk); });
      }
      child.once('error', (err: NodeJS.ErrnoException) => {
        startError ??= err.code === 'ENOENT'
          ? new ToolMissingError(command.program, DEBIAN_PACKAGE[command.program] ?? PACKAGE[command.program] ?? command.program, { cause: err })
          : err;
        stopAll();
        // A program that could not start emits no 'close' of its own on every Node version.
        if (child.pid === undefined) end();
      });
      // 'exit' (not 'close', which waits for the stderr pipe to drain) stops the others as soon as one fails.
      child.once('exit', (exitCode, signal) => {
        if ((exitCode !== 0 || signal !== null) && !stopping) {
          failedAt = i;
          stopAll();
        }
      });
      child.once('close', (exitCode, signal) => {
        exits[i] = { program: command.program, exitCode, signal, stderr: stderr[i]! };
        end();
      });
    });
    if (open === 0) {
      settle();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
