import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError, ToolMissingError } from '../src/errors.js';
import type { ChildLike, Spawner } from '../src/tool-process.js';
import { runTool, toolFailure } from '../src/tool-process.js';

/** Running, as opposed to gone or a zombie waiting for a parent that does not reap. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

describe('runTool', () => {
  it('passes arguments as an array, never through a shell', async () => {
    const run = await runTool({ program: 'printf', args: ['%s|', 'a b', '$(echo x)', ';ls'] });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('a b|$(echo x)|;ls|');
  });

  it('names the Debian package of a missing tool', async () => {
    const err = await runTool({ program: 'cdrdao-not-here', args: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    const viaMap = await runTool({
      program: 'cdrdao',
      args: [],
      spawner: () => {
        const child = new EventEmitter() as EventEmitter & ChildLike;
        Object.assign(child, { stdout: new PassThrough(), stderr: new PassThrough(), kill: () => true });
        setImmediate(() => child.emit('error', Object.assign(new Error('spawn cdrdao ENOENT'), { code: 'ENOENT' })));
        return child;
      },
    }).catch((e: unknown) => e);
    expect((viaMap as ToolMissingError).message).toBe('cdrdao is not installed: apt-get install cdrdao');
  });

  it('kills the whole process group on cancel and leaves nothing behind', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const running = runTool({
      program: 'bash',
      args: ['-c', 'sleep 30 & echo $!; wait'],
      signal: controller.signal,
      killGraceMs: 500,
      onStdout: (chunk) => {
        grandchild = Number(chunk.trim());
        controller.abort();
      },
    });
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('keeps a bounded tail of long output and summarises the last lines', async () => {
    const run = await runTool({ program: 'seq', args: ['1', '100000'], keepChars: 1000 });
    expect(run.stdout.length).toBe(1000);
    expect(run.stdout.endsWith('100000\n')).toBe(true);
    expect(toolFailure(run, 2).output).toBe('99999\n100000');
  });

  it('uses an injected spawner', async () => {
    const calls: { program: string; args: readonly string[]; cwd?: string }[] = [];
    const spawner: Spawner = (program, args, request) => {
      calls.push({ program, args, ...(request.cwd ? { cwd: request.cwd } : {}) });
      const child = new EventEmitter() as EventEmitter & ChildLike;
      const stdout = new PassThrough();
      Object.assign(child, { stdout, stderr: new PassThrough(), kill: () => true });
      setImmediate(() => {
        stdout.end('\rTrack 01:    1 of   18 MB written');
        setImmediate(() => child.emit('close', 10, null));
      });
      return child;
    };
    const run = await runTool({ program: 'cdrskin', args: ['-v', 'dev=stdio:/x'], cwd: '/tmp', spawner });
    expect(calls).toEqual([{ program: 'cdrskin', args: ['-v', 'dev=stdio:/x'], cwd: '/tmp' }]);
    expect(run.exitCode).toBe(10);
    expect(run.stdout).toContain('Track 01');
  });
});
