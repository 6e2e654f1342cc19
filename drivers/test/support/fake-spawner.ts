/**
 * A Spawner that runs nothing: it records each call and plays back scripted
 * output, so wrappers can be tested on their argument arrays and on recorded
 * tool output without drives.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildLike, SpawnRequest, Spawner } from '../../src/tool-process.js';

export interface FakeCall {
  readonly program: string;
  readonly args: readonly string[];
  readonly request: SpawnRequest;
}

export interface FakeReply {
  /** stdout chunks, delivered one per tick. */
  readonly stdout?: string | readonly string[];
  readonly stderr?: string | readonly string[];
  readonly exitCode?: number;
}

const chunks = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];

/** A recording spawner answering each call with `reply(call)`. */
export function fakeSpawner(reply: (call: FakeCall) => FakeReply): { spawner: Spawner; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const spawner: Spawner = (program, args, request) => {
    const call = { program, args: [...args], request };
    calls.push(call);
    const answer = reply(call);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const events = new EventEmitter();
    const child: ChildLike = {
      pid: undefined,
      stdout,
      stderr,
      once: (event: string, listener: (...a: never[]) => void) => events.once(event, listener as (...a: unknown[]) => void),
      kill: () => true,
    } as ChildLike;
    void (async () => {
      const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
      for (const c of chunks(answer.stdout)) {
        await tick();
        stdout.write(c);
      }
      for (const c of chunks(answer.stderr)) {
        await tick();
        stderr.write(c);
      }
      stdout.end();
      stderr.end();
      await tick();
      events.emit('close', answer.exitCode ?? 0, null);
    })();
    return child;
  };
  return { spawner, calls };
}
