/**
 * A QEMU guest for the read-path suite: software emulation (TCG), a kernel +
 * busybox initramfs from test/vm/build-guest.sh, the host root shared
 * read-only over virtio-9p (the guest chroots into it and runs a Node script
 * from this repo), a writable 9p share for results, one emulated ATAPI drive
 * (`ide-cd`, id `cd0`, empty at boot) and the HMP monitor on a unix socket
 * for media changes.
 *
 * QEMU is spawned with an argument array (no shell). Guest events are console
 * lines `@@TOWER-VM {json}` (see guest/read-path.guest.mjs).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const EVENT_MARK = '@@TOWER-VM ';

/** One event line from the guest. */
export interface GuestEvent {
  readonly event: string;
  readonly t?: number;
  readonly [key: string]: unknown;
}

export interface VmOptions {
  readonly kernel: string;
  readonly initrd: string;
  /** Holds the monitor socket and the serial log. */
  readonly runDir: string;
  /** Writable share, `/run/tower-vm` in the guest's chroot. */
  readonly shareDir: string;
  /** Node binary and guest script, as absolute host paths (the guest sees the host root). */
  readonly guestNode: string;
  readonly guestScript: string;
  /** A host directory to keep visible in the guest even under its own /tmp, /run, /root or /var/tmp (the project). */
  readonly expose?: string;
  readonly memoryMb?: number;
  readonly cpus?: number;
  /** The VM is killed after this long whatever happens. */
  readonly maxRuntimeMs: number;
  readonly qemuBinary?: string;
  /** The empty ATAPI drive `cd0` (default true); the rig leaves it out so its recorders are /dev/sr0.. */
  readonly atapiDrive?: boolean;
  /** More QEMU arguments, appended (devices such as the rig's iSCSI recorders). */
  readonly extraArgs?: readonly string[];
}

export interface VmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

// eslint-disable-next-line no-control-regex -- HMP answers with terminal escapes (ESC)
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]/g;
const HMP_PROMPT = '(qemu) ';

/** Paths go into QEMU option strings (comma-separated) and the kernel command line (space-separated). */
function checkPath(what: string, p: string): string {
  if (!path.isAbsolute(p) || /[\s,]/.test(p)) throw new Error(`${what} must be an absolute path without spaces or commas: ${p}`);
  return p;
}

/** QEMU's argument list for the options (exported for inspection). */
export function qemuArgs(o: VmOptions): string[] {
  const monitor = checkPath('monitor socket', path.join(o.runDir, 'mon.sock'));
  return [
    '-accel', 'tcg,thread=multi',
    '-cpu', 'max',
    '-smp', String(o.cpus ?? 2),
    '-m', String(o.memoryMb ?? 1024),
    '-machine', 'pc',
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-no-reboot',
    '-serial', 'stdio',
    '-monitor', `unix:${monitor},server=on,wait=off`,
    '-kernel', checkPath('kernel', o.kernel),
    '-initrd', checkPath('initrd', o.initrd),
    '-append', [
      'console=ttyS0', 'quiet', 'loglevel=3', 'panic=-1',
      `tower.node=${checkPath('guest node', o.guestNode)}`,
      `tower.script=${checkPath('guest script', o.guestScript)}`,
      ...(o.expose === undefined ? [] : [`tower.expose=${checkPath('exposed directory', o.expose)}`]),
    ].join(' '),
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${checkPath('share', o.shareDir)},mount_tag=share,security_model=none`,
    // One ATAPI drive on the secondary IDE channel, no disc at boot.
    ...(o.atapiDrive === false ? [] : ['-drive', 'if=none,id=cd0,media=cdrom', '-device', 'ide-cd,drive=cd0,bus=ide.1']),
    ...(o.extraArgs ?? []),
  ];
}

interface Waiter {
  readonly match: (e: GuestEvent) => boolean;
  readonly resolve: (e: GuestEvent) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A running guest. Always `stop()` it (afterAll), also after failures. */
export class TestVm {
  readonly events: GuestEvent[] = [];
  /** Resolves when QEMU has exited (never rejects). */
  readonly exited: Promise<VmExit>;
  private exit: VmExit | undefined;
  private failure: string | undefined;
  private readonly waiters = new Set<Waiter>();
  private serialTail = '';
  private lineBuffer = '';
  private readonly serialLog: WriteStream;
  private monitorSocket: net.Socket | undefined;
  private monitorQueue: Promise<unknown> = Promise.resolve();
  private readonly watchdog: NodeJS.Timeout;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  private constructor(
    private readonly child: ChildProcess,
    readonly options: VmOptions,
    readonly startedAt: number,
  ) {
    this.serialLog = createWriteStream(path.join(options.runDir, 'serial.log'));
    this.exited = new Promise((resolve) => {
      const gone = (exit: VmExit, reason: string): void => {
        if (this.exit) return;
        this.exit = exit;
        clearTimeout(this.watchdog);
        process.off('exit', this.killOnExit);
        this.monitorSocket?.destroy();
        this.fail(reason);
        resolve(exit);
      };
      child.once('exit', (code, signal) => gone({ code, signal }, `QEMU exited (code ${code}, signal ${signal})`));
      // A spawn failure (no qemu-system-x86_64) emits 'error' and no 'exit'.
      child.once('error', (err) => {
        if (child.pid === undefined) gone({ code: null, signal: null }, `QEMU could not start: ${err.message}`);
        else this.fail(`QEMU process error: ${err.message}`);
      });
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onSerial(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.onSerial(`[qemu stderr] ${chunk}`));
    this.watchdog = setTimeout(() => {
      this.fail(`VM killed after its ${options.maxRuntimeMs} ms limit`);
      child.kill('SIGKILL');
    }, options.maxRuntimeMs);
    this.watchdog.unref();
    process.on('exit', this.killOnExit);
  }

  static start(options: VmOptions): TestVm {
    const child = spawn(options.qemuBinary ?? 'qemu-system-x86_64', qemuArgs(options), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new TestVm(child, options, Date.now());
  }

  /**
   * Start the guest and wait for `event`, booting it again (up to `tries` boots) when its kernel died before
   * the guest's init ran: under TCG with two vCPUs the kernel now and then takes an int3 Oops while it patches
   * its own code early in the boot (seen 2026-12-04: `Oops: int3` in sched_clock_cpu, QEMU gone at 1.8 s). A
   * guest that reached its init (`init-done`) is never booted again: what failed then is the test's to report.
   */
  static async boot(options: VmOptions, event: string, timeoutMs: number, onRetry: (why: string) => void, tries = 3): Promise<{ vm: TestVm; ready: GuestEvent }> {
    for (let boot = 1; ; boot++) {
      const vm = TestVm.start(options);
      try {
        return { vm, ready: await vm.waitFor(event, timeoutMs) };
      } catch (err) {
        const diedBeforeInit = vm.exit !== undefined && !vm.events.some((e) => e.event === 'init-done');
        await vm.stop();
        if (!diedBeforeInit || boot >= tries) throw err;
        onRetry(`the guest died before its init ran (boot ${boot} of ${tries}), booting again: ${(err as Error).message.split('\n')[0] ?? ''}; ${/Oops[^\n]*|Kernel panic[^\n]*/.exec(vm.tail())?.[0] ?? 'no Oops on the console'}`);
      }
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last few KB of console output (for failure messages). */
  tail(chars = 4000): string {
    return this.serialTail.slice(-chars);
  }

  private onSerial(chunk: string): void {
    this.serialLog.write(chunk);
    this.serialTail = (this.serialTail + chunk).slice(-20_000);
    this.lineBuffer += chunk;
    let nl: number;
    while ((nl = this.lineBuffer.indexOf('\n')) >= 0) {
      const line = this.lineBuffer.slice(0, nl).replace(/\r/g, '');
      this.lineBuffer = this.lineBuffer.slice(nl + 1);
      const at = line.indexOf(EVENT_MARK);
      if (at < 0) continue;
      let event: GuestEvent;
      try {
        event = JSON.parse(line.slice(at + EVENT_MARK.length)) as GuestEvent;
      } catch {
        continue; // a kernel message broke into the line; the waiter times out with the log
      }
      this.events.push(event);
      for (const w of [...this.waiters]) {
        if (w.match(event)) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(event);
        }
      }
      if (event.event === 'guest-error' || event.event === 'init-failed') {
        this.fail(`guest reported ${event.event}: ${JSON.stringify(event)}`);
      }
    }
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      clearTimeout(w.timer);
      w.reject(new Error(`${reason}\n--- console tail ---\n${this.tail()}`));
    }
  }

  /** The first event (already received or future) named `name` and matching `where`. */
  waitFor(name: string, timeoutMs: number, where: (e: GuestEvent) => boolean = () => true): Promise<GuestEvent> {
    const match = (e: GuestEvent): boolean => e.event === name && where(e);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.failure !== undefined) {
      return Promise.reject(new Error(`waiting for "${name}": ${this.failure}\n--- console tail ---\n${this.tail()}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no "${name}" event from the guest within ${timeoutMs} ms\n--- console tail ---\n${this.tail()}`));
      }, timeoutMs);
      const waiter: Waiter = { match, resolve, reject, timer };
      this.waiters.add(waiter);
    });
  }

  private async connectMonitor(timeoutMs: number): Promise<net.Socket> {
    if (this.monitorSocket && !this.monitorSocket.destroyed) return this.monitorSocket;
    const sock = path.join(this.options.runDir, 'mon.sock');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit) throw new Error(`QEMU has exited; no monitor (${this.failure ?? ''})`);
      if (existsSync(sock)) {
        try {
          const socket = await new Promise<net.Socket>((resolve, reject) => {
            const s = net.createConnection(sock);
            s.once('connect', () => resolve(s));
            s.once('error', reject);
          });
          socket.setEncoding('utf8');
          socket.on('error', () => socket.destroy());
          this.monitorSocket = socket;
          await this.readUntilPrompt(socket, Math.max(1000, deadline - Date.now()));
          return socket;
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
      }
      if (Date.now() > deadline) throw new Error(`no QEMU monitor at ${sock} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private readUntilPrompt(socket: net.Socket, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let text = '';
      const done = (err?: Error): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        if (err) reject(err);
        else resolve(text);
      };
      const onData = (d: string): void => {
        text += d;
        if (text.replace(ANSI, '').endsWith(HMP_PROMPT)) done();
      };
      const onClose = (): void => done(new Error(`QEMU monitor closed; got: ${JSON.stringify(text)}`));
      const timer = setTimeout(() => done(new Error(`no QEMU monitor prompt within ${timeoutMs} ms; got: ${JSON.stringify(text)}`)), timeoutMs);
      socket.on('data', onData);
      socket.once('close', onClose);
    });
  }

  /**
   * Run one HMP command (`change cd0 /x.iso raw read-only`, `eject -f cd0`) and
   * return its output. Rejects when QEMU answers with an error.
   */
  monitor(command: string, timeoutMs = 15_000): Promise<string> {
    if (/[\r\n]/.test(command)) return Promise.reject(new Error('one monitor command per call'));
    const run = async (): Promise<string> => {
      const socket = await this.connectMonitor(timeoutMs);
      const reply = this.readUntilPrompt(socket, timeoutMs);
      socket.write(`${command}\n`);
      const raw = (await reply).replace(ANSI, '').replace(/\r/g, '');
      // HMP echoes the command line first; the output sits between it and the prompt.
      const lines = raw.slice(0, raw.length - HMP_PROMPT.length).split('\n');
      const echoed = lines.findIndex((l) => l.trim().endsWith(command));
      const output = lines.slice(echoed + 1).join('\n').trim();
      if (/\berror\b|could not|failed|not found|unknown command/i.test(output)) {
        throw new Error(`QEMU monitor "${command}": ${output}`);
      }
      return output;
    };
    const result = this.monitorQueue.then(run, run);
    this.monitorQueue = result.catch(() => undefined);
    return result;
  }

  /** Kill QEMU (SIGTERM, then SIGKILL) unless it has exited; resolves when it is gone. */
  async stop(graceMs = 3000): Promise<VmExit> {
    this.monitorSocket?.destroy();
    if (!this.exit && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    const exit = await this.exited;
    await new Promise<void>((resolve) => this.serialLog.end(resolve));
    return exit;
  }
}
