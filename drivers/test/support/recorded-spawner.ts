/**
 * A `Spawner` that plays back recorded tool output instead of running
 * anything: per program, the stdout/stderr text and exit code, or "not
 * installed" (an ENOENT spawn error, as node reports a missing program).
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildLike, Spawner } from '../../src/tool-process.js';

/** What one program "prints". */
export type Recording =
  | { readonly stdout?: string; readonly stderr?: string; readonly exitCode: number }
  | { readonly missing: true };

/** A spawner plus the calls it received. */
export interface RecordedSpawner {
  readonly spawner: Spawner;
  readonly calls: Array<{ program: string; args: readonly string[] }>;
}

/** Play back `recordings[program]`; programs without a recording are "not installed". */
export function recordedSpawner(recordings: Readonly<Record<string, Recording>>): RecordedSpawner {
  const calls: Array<{ program: string; args: readonly string[] }> = [];
  const spawner: Spawner = (program, args) => {
    calls.push({ program, args: [...args] });
    const child = new EventEmitter() as EventEmitter & ChildLike;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    Object.assign(child, { stdout, stderr, kill: () => true });
    const recording = recordings[program] ?? { missing: true as const };
    setImmediate(() => {
      if ('missing' in recording) {
        child.emit('error', Object.assign(new Error(`spawn ${program} ENOENT`), { code: 'ENOENT' }));
        return;
      }
      let open = 2;
      const done = (): void => {
        open -= 1;
        if (open === 0) child.emit('close', recording.exitCode, null);
      };
      stdout.once('end', done);
      stderr.once('end', done);
      stdout.end(recording.stdout ?? '');
      stderr.end(recording.stderr ?? '');
    });
    return child;
  };
  return { spawner, calls };
}
