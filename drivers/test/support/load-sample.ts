/**
 * Fixture loader for captured tool output (`fixtures/samples/`, verbatim
 * copies of /work/shared/optical/samples) and the README-quoted excerpts
 * (`fixtures/readme/`). A capture's first line is `$ command`, its last
 * `[exit code: N]`; what lies between is the tool's merged output, CRs kept.
 * The tgt captures (`tgt-*.txt`, optical tools reference §9) keep the streams
 * apart: `# stdout:`, the stdout, `# stderr:`, the stderr, `# exit: N` (or
 * `# exit: signal SIGKILL` for a tool killed by a signal).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolRun } from '../../src/tool-process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Absolute path of a fixture: `samples/x.txt` or `readme/y.txt`. */
export function fixturePath(name: string): string {
  return path.join(FIXTURES, name.includes('/') ? name : `samples/${name}`);
}

/** Raw text of a fixture file. */
export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'latin1');
}

/** Program named by the `$ command` line (`sh -c cdrdao …` names cdrdao). */
function programOf(command: string): string {
  const words = command.replace(/^\$\s*/, '').trim().split(/\s+/);
  const first = words[0] === 'sh' && words[1] === '-c' ? words[2] : words[0];
  return path.basename(first ?? 'unknown');
}

export interface LoadedSample {
  readonly command: string;
  readonly output: string;
  readonly exitCode: number;
}

/** A capture with its streams apart (the tgt format). */
export interface StreamCapture {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Null when a signal ended the tool. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Split a tgt-format capture (`# stdout:` / `# stderr:` / `# exit: N`); null for the merged format. */
export function parseStreamCapture(text: string): StreamCapture | null {
  const m = /^(\$ [^\n]*)\n# stdout:\n([\s\S]*?)# stderr:\n([\s\S]*?)# exit: (-?\d+|signal (SIG[A-Z0-9]+))\s*$/.exec(text);
  if (!m) return null;
  const signal = (m[5] ?? null) as NodeJS.Signals | null;
  return { command: m[1] ?? '', stdout: m[2] ?? '', stderr: m[3] ?? '', exitCode: signal === null ? Number(m[4]) : null, signal };
}

/** A `ToolRun` from a tgt-format capture, each stream as the tool wrote it. */
export function loadStreams(name: string): ToolRun {
  const capture = parseStreamCapture(readFixture(name));
  if (!capture) throw new Error(`${name} does not keep its streams apart`);
  return {
    program: programOf(capture.command),
    exitCode: capture.exitCode,
    signal: capture.signal,
    stdout: capture.stdout,
    stderr: capture.stderr,
    durationMs: 0,
  };
}

/** Split a capture into its command, output and exit code (a tgt capture's output is stdout then stderr). */
export function parseSample(text: string): LoadedSample {
  const streams = parseStreamCapture(text);
  if (streams) return { command: streams.command, output: `${streams.stdout}${streams.stderr}`, exitCode: streams.exitCode ?? -1 };
  const firstBreak = text.indexOf('\n');
  const command = text.slice(0, firstBreak);
  if (!command.startsWith('$ ')) throw new Error(`not a capture: first line is ${JSON.stringify(command)}`);
  const exit = /\n?\[exit code: (-?\d+)\]\s*$/.exec(text);
  if (!exit) throw new Error('not a capture: no [exit code: N] line');
  return { command, output: text.slice(firstBreak + 1, exit.index), exitCode: Number(exit[1]) };
}

/**
 * A `ToolRun` built from a capture. The capture merged both streams, so the
 * whole output goes to one of them (`stdout` unless told; cdrdao writes only
 * to stderr).
 */
export function loadSample(name: string, options: { stream?: 'stdout' | 'stderr'; program?: string } = {}): ToolRun {
  const sample = parseSample(readFixture(name));
  const program = options.program ?? programOf(sample.command);
  const stream = options.stream ?? (program === 'cdrdao' ? 'stderr' : 'stdout');
  return {
    program,
    exitCode: sample.exitCode,
    signal: null,
    stdout: stream === 'stdout' ? sample.output : '',
    stderr: stream === 'stderr' ? sample.output : '',
    durationMs: 0,
  };
}

/** One chunk as Node's child_process delivered it (from a `node-spawn-*` capture). */
export interface SpawnChunk {
  readonly ms: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** Chunks of a `node-spawn-*.txt` capture (lines `  124ms out "…"`, JSON-quoted), and its exit code. */
export function loadSpawnChunks(name: string): { chunks: SpawnChunk[]; exitCode: number | null } {
  const chunks: SpawnChunk[] = [];
  let exitCode: number | null = null;
  for (const line of readFixture(name).split('\n')) {
    const m = /^\s*(\d+)ms (out|err) ("(?:[^"\\]|\\.)*")\s*$/.exec(line);
    if (m) {
      chunks.push({ ms: Number(m[1]), stream: m[2] === 'out' ? 'stdout' : 'stderr', text: JSON.parse(m[3] ?? '""') as string });
      continue;
    }
    const close = /^\s*\d+ms close code=(\d+|null)/.exec(line);
    if (close) exitCode = close[1] === 'null' ? null : Number(close[1]);
  }
  return { chunks, exitCode };
}
