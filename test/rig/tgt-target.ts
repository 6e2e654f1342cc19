/**
 * The rig's recorders: Linux's SCSI target daemon (`tgtd`, Debian's `tgt`)
 * emulating MMC DVD recorders over iSCSI on a loopback portal. Each recorder
 * is a LUN of `--device-type cd` with a backing file: a 0-byte file is a blank
 * DVD+R; once burned and closed it is a DVD-ROM holding exactly the bytes
 * written. QEMU attaches each LUN to the guest (virtio-scsi + scsi-block), so
 * the guest kernel has `/dev/srN` recorders that the real tools burn through
 * the real SCSI stack (see ../shared/optical/README.md section 9).
 *
 * Every program is spawned with an argument array, never a shell.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rename, stat, truncate, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { runProgram } from '../vm/images.js';

/** What `tgtadm --op show` says of one recorder LUN. */
export interface LunState {
  readonly lun: number;
  /** `Online: Yes`: a disc is in the closed tray. */
  readonly online: boolean;
  readonly backingPath: string;
}

export interface TgtOptions {
  /** Folder for the backing files and tgtd's log. */
  readonly dir: string;
  /** Number of recorder LUNs (1..n). */
  readonly recorders: number;
  readonly targetName?: string;
  /**
   * Another folder for some recorders' backing files, by LUN (e.g. a small
   * tmpfs, so that recorder's writes fail when it fills up).
   */
  readonly backingDirs?: Readonly<Record<number, string>>;
}

/** A free TCP port on 127.0.0.1 (taken and released at once). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Parse `tgtadm --mode target --op show`: the LUNs of type cd/dvd. */
export function parseLunStates(text: string): LunState[] {
  const states: LunState[] = [];
  for (const block of text.split(/^\s*LUN: /m).slice(1)) {
    const lun = Number.parseInt(block, 10);
    if (!/Type: cd\/dvd/.test(block)) continue;
    const online = /Online: Yes/.test(block);
    const backingPath = /Backing store path: (.*)$/m.exec(block)?.[1]?.trim() ?? '';
    states.push({ lun, online, backingPath });
  }
  return states;
}

/** A running tgtd with one iSCSI target and its recorder LUNs. */
export class TgtTarget {
  readonly targetName: string;
  private constructor(
    private readonly daemon: ChildProcess,
    readonly portalPort: number,
    /** tgtd's control port (`-C`): several daemons can run side by side. */
    readonly controlPort: number,
    readonly options: TgtOptions,
  ) {
    this.targetName = options.targetName ?? 'iqn.2026-12.local:tower-rig';
  }

  /** Start tgtd, create the target and `recorders` blank DVD+R LUNs. */
  static async start(options: TgtOptions): Promise<TgtTarget> {
    const portalPort = await freePort();
    const controlPort = 100 + Math.floor(Math.random() * 800);
    const log = createWriteStream(path.join(options.dir, 'tgtd.log'));
    const daemon = spawn('tgtd', ['-f', '-C', String(controlPort), '--iscsi', `portal=127.0.0.1:${portalPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout?.pipe(log);
    daemon.stderr?.pipe(log);
    const tgt = new TgtTarget(daemon, portalPort, controlPort, options);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await tgt.admin(['--mode', 'sys', '--op', 'show']);
        break;
      } catch (err) {
        if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`tgtd did not start: ${String(err)}`, { cause: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await tgt.admin(['--lld', 'iscsi', '--mode', 'target', '--op', 'new', '--tid', '1', '--targetname', tgt.targetName]);
    await tgt.admin(['--lld', 'iscsi', '--mode', 'target', '--op', 'bind', '--tid', '1', '-I', 'ALL']);
    for (let lun = 1; lun <= options.recorders; lun++) await tgt.addRecorder(lun);
    return tgt;
  }

  /** The backing file of a recorder LUN. */
  discFile(lun: number): string {
    return path.join(this.options.backingDirs?.[lun] ?? this.options.dir, `disc${lun}.img`);
  }

  /** Create a recorder LUN holding a blank DVD+R. */
  async addRecorder(lun: number): Promise<void> {
    await writeFile(this.discFile(lun), '');
    await this.admin(['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'new', '--tid', '1', '--lun', String(lun), '--device-type', 'cd', '-b', this.discFile(lun)]);
  }

  /** Take a recorder off the bus (the guest sees the device leave). */
  async deleteRecorder(lun: number): Promise<void> {
    await this.admin(['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'delete', '--tid', '1', '--lun', String(lun)]);
  }

  /** Tray closed with a disc (`true`) or open, no disc (`false`). */
  async setOnline(lun: number, online: boolean): Promise<void> {
    await this.admin(['--lld', 'iscsi', '--mode', 'logicalunit', '--op', 'update', '--tid', '1', '--lun', String(lun), '--params', `online=${online ? 1 : 0}`]);
  }

  /**
   * Take the disc out from under a recorder, burning or not: its backing
   * file moved aside (`<file>.pulled`) and tgt told to look at the tray
   * again (`online=1`), which finds no medium: the LUN goes offline with no
   * profile, and every command after, WRITE included, gets NOT READY /
   * MEDIUM NOT PRESENT (2/3A/00). `online=0` alone does not do it mid-burn:
   * tgt refuses it while the burner holds PREVENT MEDIUM REMOVAL ("this
   * device has Prevent Removal set"), and its MMC emulation keeps taking
   * WRITEs for an offline LUN (it checks the disc's profile, not the tray).
   */
  async pullDisc(lun: number): Promise<void> {
    await rename(this.discFile(lun), `${this.discFile(lun)}.pulled`);
    await this.setOnline(lun, true);
  }

  /** Put a pulled disc back where the loader finds it (the tray stays open). */
  async returnPulledDisc(lun: number): Promise<void> {
    await rename(`${this.discFile(lun)}.pulled`, this.discFile(lun));
  }

  /** The recorder LUNs as tgtd sees them now. */
  async lunStates(): Promise<LunState[]> {
    const run = await this.admin(['--lld', 'iscsi', '--mode', 'target', '--op', 'show']);
    return parseLunStates(run.stdout);
  }

  /** Keep what was burned on a recorder (copied to `keepAs`) and load a blank: the file emptied. */
  async swapForBlank(lun: number, keepAs: string): Promise<number> {
    const file = this.discFile(lun);
    const { size } = await stat(file);
    await runProgram('cp', ['--sparse=never', file, keepAs], 60_000);
    await truncate(file, 0);
    return size;
  }

  /** QEMU arguments attaching every recorder LUN to the guest's virtio-scsi bus. */
  qemuArgs(): string[] {
    const args = ['-device', 'virtio-scsi-pci,id=scsi0'];
    for (let lun = 1; lun <= this.options.recorders; lun++) {
      args.push(
        '-drive', `file=iscsi://127.0.0.1:${this.portalPort}/${this.targetName}/${lun},if=none,id=rec${lun},format=raw`,
        '-device', `scsi-block,drive=rec${lun},bus=scsi0.0`,
      );
    }
    return args;
  }

  /**
   * Stop (`true`, SIGSTOP) or resume (`false`, SIGCONT) the daemon: every
   * recorder's commands wait meanwhile, as on a stalled bus. A fault test
   * holds a burn mid-write this way while it acts in the guest. Keep it
   * short: QEMU's iSCSI client reconnects after about 15 s of unanswered
   * NOPs.
   */
  freeze(frozen: boolean): void {
    if (this.daemon.pid !== undefined && this.daemon.exitCode === null) process.kill(this.daemon.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** One tgtadm call on this daemon's control port. */
  admin(args: readonly string[]): ReturnType<typeof runProgram> {
    return runProgram('tgtadm', ['-C', String(this.controlPort), ...args], 15_000);
  }

  /** Shut the daemon down (tgtd ignores SIGTERM while targets exist, so SIGKILL follows). */
  async stop(): Promise<void> {
    if (this.daemon.exitCode !== null) return;
    this.freeze(false);
    await this.admin(['--mode', 'system', '--op', 'delete']).catch(() => undefined);
    const gone = new Promise<void>((resolve) => this.daemon.once('exit', () => resolve()));
    const timer = setTimeout(() => this.daemon.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }
}
