/**
 * This process's children as Linux shows them in /proc: their argument
 * vectors and what their stdin and stdout are (`socket:[inode]` for the
 * socket pairs Node's child_process makes as pipes), to find the programs
 * the code under test started and see how they are joined.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A child process of this one. */
export interface ProcChild {
  readonly pid: number;
  readonly argv: readonly string[];
  /** `readlink /proc/<pid>/fd/0` (null: gone or unreadable). */
  readonly stdin: string | null;
  readonly stdout: string | null;
}

function link(pid: number, fd: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return null;
  }
}

/** The live children of this process (zombies left out). */
export function childProcesses(): ProcChild[] {
  const found: ProcChild[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((a) => a !== '');
      found.push({ pid, argv, stdin: link(pid, 0), stdout: link(pid, 1) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** One live child of this process per program of `programs` (by argv[0]), in that order; null unless each runs. */
export function runningChildren(programs: readonly string[]): ProcChild[] | null {
  const children = childProcesses();
  const chain = programs.map((p) => children.find((c) => c.argv[0] === p));
  return chain.every((c) => c !== undefined) ? chain as ProcChild[] : null;
}

/** What this process's own file descriptors refer to (`readlink /proc/self/fd/*`). */
export function ownDescriptors(): Set<string> {
  const held = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      held.add(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the descriptor readdir itself used, closed meanwhile
    }
  }
  return held;
}
