/**
 * The host's side of the rig's guest command server
 * (guest/rig-shell.guest.mjs): programs run inside the QEMU guest, started
 * with argument arrays through files on the writable 9p share.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** How a guest program ended, with its output. */
export interface GuestRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly error?: string;
}

export interface GuestCommand {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** The guest kills the program's process group after this long. */
  readonly timeoutMs?: number;
}

/** A program started in the guest and still running (or ended). */
export interface GuestProcess {
  readonly id: string;
  /** Resolves when it has ended. */
  wait(timeoutMs: number): Promise<GuestRun>;
  /** Signal its process group. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Its output so far. */
  output(): Promise<{ stdout: string; stderr: string }>;
}

export class GuestShell {
  private seq = 0;

  constructor(private readonly shareDir: string) {}

  private nextId(tag: string): string {
    this.seq++;
    return `${String(this.seq).padStart(5, '0')}-${tag.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24)}`;
  }

  private async submit(id: string, body: object): Promise<void> {
    const dir = path.join(this.shareDir, 'cmd');
    await mkdir(dir, { recursive: true });
    const tmp = path.join(this.shareDir, `${id}.json.tmp`);
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, path.join(dir, `${id}.json`));
  }

  /** Start a program in the guest. */
  async start(argv: readonly string[], options: GuestCommand = {}): Promise<GuestProcess> {
    const id = this.nextId(path.basename(argv[1] ?? argv[0] ?? 'cmd') + (argv[2] ? `-${argv[2]}` : ''));
    await this.submit(id, { argv, ...options });
    const read = async (ext: string): Promise<string> => readFile(path.join(this.shareDir, 'out', `${id}.${ext}`), 'utf8').catch(() => '');
    return {
      id,
      wait: async (timeoutMs) => {
        const doneFile = path.join(this.shareDir, 'done', `${id}.json`);
        const deadline = Date.now() + timeoutMs;
        while (!existsSync(doneFile)) {
          if (Date.now() > deadline) {
            const o = { stdout: await read('out'), stderr: await read('err') };
            throw new Error(`guest ${argv.join(' ')} did not end within ${timeoutMs} ms\n--- stdout ---\n${o.stdout.slice(-3000)}\n--- stderr ---\n${o.stderr.slice(-3000)}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        const done = JSON.parse(await readFile(doneFile, 'utf8')) as Omit<GuestRun, 'stdout' | 'stderr'>;
        return { ...done, stdout: await read('out'), stderr: await read('err') };
      },
      kill: async (signal = 'SIGTERM') => {
        await this.submit(this.nextId(`kill-${id}`), { kill: id, signal });
      },
      output: async () => ({ stdout: await read('out'), stderr: await read('err') }),
    };
  }

  /** Run a program in the guest to its end. */
  async run(argv: readonly string[], options: GuestCommand & { waitMs?: number } = {}): Promise<GuestRun> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const p = await this.start(argv, { ...options, timeoutMs });
    return p.wait(options.waitMs ?? timeoutMs + 30_000);
  }

  /** Ask the guest script to end (the guest then powers off). */
  async exit(): Promise<void> {
    await this.submit(this.nextId('exit'), { exit: true });
  }
}
