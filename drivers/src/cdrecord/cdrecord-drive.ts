/**
 * The cdrecord-family backend: real drives (`/dev/srN`) through cdrskin,
 * wodim or cdrecord (cdrdao for CUE images, from their TOC file when they
 * have one), and `stdio:` pseudo drives (a file or block device) through cdrskin.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  BurnImage, BurnOptions, BurnResult, CapabilitySource, DeviceAddress, Drive, DriveEvent, DriveFeatures, DriveInfo, DriveKind, MediaStatus,
  MediaType, ReadOptions, WriteModeState,
} from '../drive-contract.js';
import { runTrayCommand } from './tray-command.js';
import { CancelledError, DriveBusyError, DriveError, DriveGoneError, InvalidDeviceError, ToolError } from '../errors.js';
import { classifyBurnFailure } from '../parse/burn-failure.js';
import { parseDriveInquiry, parsePrcap } from '../parse/cdrskin-drive-info.js';
import { capabilitiesFromProfiles } from '../parse/mmc-profiles.js';
import { runTool } from '../tool-process.js';
import type { ToolRun } from '../tool-process.js';
import { createBlockReadStream } from './block-read-stream.js';
import { createDiscReadStream } from './disc-read-stream.js';
import { burnerBlankCommand, burnerQueryCommand, trayCommand } from './burn-args.js';
import type { ToolCommand } from './burn-args.js';
import { runBurn } from './burn-run.js';
import { toolEnvironment } from './config.js';
import { queryDriveProfiles } from './drive-profiles.js';
import { DEFAULT_MEDIA_RECHECK_MS, DEFAULT_MEDIA_REUSE_MS, MediaMemory } from './media-memory.js';
import { KernelMediaWatch } from './kernel-media-watch.js';
import { deviceRecheck } from './media-recheck.js';
import type { CdrecordDriveOptions } from './cdrecord-drive-options.js';
import { procCapabilities, sysfsDriveFacts } from './real-drive-facts.js';
import { queryRealMedia } from './real-media.js';
import { cdrecordFeatures, isStdioAddress, stdioMediaStatus, stdioTargetPath } from './stdio-target.js';
import { acquireTargetLock } from './target-lock.js';
import { findOnPath, pickBurner } from './tool-locator.js';
import { probeDriveGone } from './unit-presence.js';
import type { BurnerProgram } from './tool-locator.js';
import { WriteModeMemory } from './write-mode-memory.js';
import { assertCdrdaoDriver } from './cdrdao-driver.js';

export type { CdrecordDriveOptions } from './cdrecord-drive-options.js';

// Real drives lock themselves (EBUSY) across processes; within one process two callers would still race.
const busyDevices = new Set<string>();

/** A real or `stdio:` drive driven by the cdrecord-family command-line tools. */
export class CdrecordDrive implements Drive {
  readonly address: DeviceAddress;
  readonly kind: DriveKind;
  /** The file or device node this drive reads and writes. */
  readonly target: string;
  private burnerChoice: Promise<BurnerProgram> | undefined;
  /** Write modes this drive refused, for this object's life (see `writeModeState`). */
  private readonly writeModes = new WriteModeMemory();
  /** The last media answer of a real drive, shared for a moment (see `CdrecordDriveOptions.mediaReuseMs`). */
  private readonly mediaMemory: MediaMemory;
  /** Real drives: the kernel's media change count, watched while the drive waits for a disc. */
  private readonly mediaWatch: KernelMediaWatch | null;

  constructor(private readonly options: CdrecordDriveOptions) {
    this.address = options.address;
    if (isStdioAddress(options.address)) {
      this.kind = 'stdio';
      this.target = stdioTargetPath(options.address);
    } else if (/^\/dev\/\S+$/.test(options.address)) {
      this.kind = 'optical';
      this.target = options.address;
    } else {
      throw new InvalidDeviceError(`${options.address}: not a device path (/dev/srN) or stdio:/path`, { device: options.address });
    }
    if (options.cdrdaoDriver !== undefined) assertCdrdaoDriver(options.cdrdaoDriver, options.address);
    this.mediaMemory = new MediaMemory(options.mediaReuseMs ?? DEFAULT_MEDIA_REUSE_MS, Date.now, options.mediaRecheck?.withinMs ?? DEFAULT_MEDIA_RECHECK_MS);
    const key = path.resolve(this.target);
    this.mediaWatch = this.kind === 'optical' ? new KernelMediaWatch(this.target, () => busyDevices.has(key), options.mediaWatch) : null;
  }

  /** No auto-loader; a real drive reports discs coming in (`watch`); a `stdio:` target burns only MODE1/2048 CUE tracks. */
  get features(): DriveFeatures { return cdrecordFeatures(this.kind, this.kind === 'optical' && this.options.cdText === true); }

  /** Real drives: a disc coming into the empty drive, without its media (ask `media()`); a `stdio:` target reports nothing. */
  watch(onEvent: (event: DriveEvent) => void): () => void {
    return this.mediaWatch?.watch(() => onEvent({ kind: 'media-change' })) ?? (() => undefined);
  }

  /**
   * What this drive object has learnt about write modes: SAO burns run in
   * TAO once the drive refused SAO before writing (see `BurnOptions.mode`).
   * No tool runs; also in `info().writeMode`.
   */
  writeModeState(): WriteModeState {
    return this.writeModes.state();
  }

  private get env(): NodeJS.ProcessEnv {
    return toolEnvironment(this.options.env);
  }

  /** The program used for burning/blanking/inspection on this drive. */
  burner(): Promise<BurnerProgram> {
    if (this.kind === 'stdio') return Promise.resolve('cdrskin');
    this.burnerChoice ??= this.options.burner ? Promise.resolve(this.options.burner) : pickBurner(this.env);
    return this.burnerChoice;
  }

  /** The `dev=` value for the tools: the stdio address with an absolute path, or the device node. */
  private get toolAddress(): string {
    return this.kind === 'stdio' ? `stdio:${this.target}` : this.target;
  }

  private run(command: ToolCommand, signal?: AbortSignal, io: { onStdout?: (c: string) => void; onStderr?: (c: string) => void } = {}): Promise<ToolRun> {
    return runTool({
      program: command.program,
      args: command.args,
      ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
      ...(this.options.env === undefined ? {} : { env: this.options.env }),
      ...(signal === undefined ? {} : { signal }),
      ...(this.options.spawner === undefined ? {} : { spawner: this.options.spawner }),
      ...(this.options.killGraceMs === undefined ? {} : { killGraceMs: this.options.killGraceMs }),
      ...io,
    });
  }

  /** Run an inspection command; a failed run becomes its typed error. */
  private async query(command: ToolCommand, signal?: AbortSignal): Promise<ToolRun> {
    const run = await this.run(command, signal);
    if (run.exitCode !== 0) throw classifyBurnFailure(run, { device: this.address });
    return run;
  }

  /**
   * Identity and capabilities: `cdrskin -checkdrive` for stdio. Real drives:
   * identity from sysfs; what the drive reads and writes from its MMC profile
   * list (`xorriso -list_profiles`, else `cdrskin -v -atip`), else from
   * `-prcap` (mode page 2Ah), else from the kernel's table; `-checkdrive`
   * only when sysfs and the profile listing gave no identity.
   */
  async info(signal?: AbortSignal): Promise<DriveInfo> {
    const program = await this.burner();
    if (this.kind === 'stdio') {
      const run = await this.query(burnerQueryCommand('cdrskin', this.toolAddress, '-checkdrive'), signal);
      const inquiry = parseDriveInquiry(run.stdout);
      return {
        address: this.address,
        stableId: this.target,
        kind: 'stdio',
        vendor: inquiry?.vendor ?? 'YOYODYNE',
        model: inquiry?.model ?? 'WARP DRIVE',
        firmware: inquiry?.firmware ?? '',
        reads: ['file'],
        writes: ['file'],
        canTestWrite: true,
      };
    }
    const facts = await sysfsDriveFacts(this.target);
    const profiled = await queryDriveProfiles(this.target, {
      env: this.env,
      ...(signal === undefined ? {} : { signal }),
      ...(this.options.spawner === undefined ? {} : { spawner: this.options.spawner }),
    });
    let vendor = facts.vendor ?? profiled?.listing.vendor;
    let model = facts.model ?? profiled?.listing.model;
    let firmware = facts.firmware ?? profiled?.listing.firmware;
    if (vendor === undefined && model === undefined) {
      // Nothing named the drive: ask the burner (a gone or busy drive fails here with its typed error).
      const run = await this.query(burnerQueryCommand(program, this.target, '-checkdrive'), signal);
      const inquiry = parseDriveInquiry(`${run.stdout}\n${run.stderr}`);
      vendor = inquiry?.vendor;
      model = inquiry?.model;
      firmware ??= inquiry?.firmware;
    }
    const caps = await this.capabilities(program, facts.name, profiled === null ? null : capabilitiesFromProfiles(profiled.listing.profiles), signal);
    const devices = {
      block: facts.block,
      ...(facts.generic === undefined ? {} : { generic: facts.generic }),
      ...(facts.byPath === undefined ? {} : { byPath: facts.byPath }),
    };
    return {
      address: this.address,
      stableId: facts.byPath ?? this.target,
      kind: 'optical',
      vendor: vendor ?? '',
      model: model ?? '',
      firmware: firmware ?? '',
      reads: caps.reads,
      writes: caps.writes,
      canTestWrite: caps.canTestWrite,
      ...(caps.maxWriteSpeedX === undefined ? {} : { maxWriteSpeedX: caps.maxWriteSpeedX }),
      devices,
      capabilitiesFrom: caps.from,
      writeMode: this.writeModes.state(),
    };
  }

  /** Reads/writes of a real drive: its profiles, else `-prcap` (wodim/cdrecord), else the kernel table. */
  private async capabilities(
    program: BurnerProgram,
    kernelName: string | null,
    profiles: { reads: readonly MediaType[]; writes: readonly MediaType[]; canTestWrite: boolean } | null,
    signal?: AbortSignal,
  ): Promise<{ reads: MediaType[]; writes: MediaType[]; canTestWrite: boolean; maxWriteSpeedX?: number; from: CapabilitySource }> {
    if (profiles !== null && profiles.reads.length > 0) {
      return { reads: [...profiles.reads], writes: [...profiles.writes], canTestWrite: profiles.canTestWrite, from: 'mmc-profiles' };
    }
    // wodim/cdrecord -prcap lists what the drive reads and writes; cdrskin has no such query.
    const prcapProgram = program === 'cdrskin' ? ((await findOnPath('wodim', this.env)) ? 'wodim' : null) : program;
    const prcap = prcapProgram ? await this.run(burnerQueryCommand(prcapProgram, this.target, '-prcap'), signal) : null;
    const caps = prcap && prcap.exitCode === 0 ? parsePrcap(prcap.stdout) : null;
    if (caps && caps.reads.length > 0) {
      return {
        reads: [...caps.reads],
        writes: [...caps.writes],
        canTestWrite: caps.canTestWrite,
        ...(caps.maxWriteSpeedCdX === undefined ? {} : { maxWriteSpeedX: caps.maxWriteSpeedCdX }),
        from: 'mode-page',
      };
    }
    const proc = kernelName ? await procCapabilities(kernelName) : null;
    if (proc) return { reads: proc.reads, writes: proc.writes, canTestWrite: proc.writes.length > 0, from: 'kernel-table' };
    return { reads: ['CD-ROM'], writes: [], canTestWrite: false, from: 'none' };
  }

  /** The disc: from the target file/device for stdio, from `-minfo` (or wodim `-toc`/`-atip`) for real drives (kept a while: `mediaReuseMs`, `mediaRecheck`). */
  async media(signal?: AbortSignal): Promise<MediaStatus> {
    if (this.kind === 'stdio') return stdioMediaStatus(this.target, this.address);
    return this.mediaMemory.get(async () => {
      const program = await this.burner();
      // libburn's -minfo is the best media report; use it when cdrskin is installed whatever burns.
      const inspector = program !== 'cdrskin' && (await findOnPath('cdrskin', this.env)) ? 'cdrskin' : program;
      try {
        const media = await queryRealMedia(inspector, this.target, (command) => this.run(command, signal));
        await this.mediaWatch?.noteAnswer(media);
        return media;
      } catch (err) {
        throw await this.unanswered(err, signal);
      }
    }, deviceRecheck(this.target, this.options.mediaRecheck));
  }

  /**
   * A media query the drive failed without a reason the burner could name
   * (a target that dropped the LUN leaves `/dev/srN` answering "Media is not
   * suitable"): ask the drive itself whether it is still on the bus. A gone
   * drive becomes `DriveGoneError` with the drive's sense; anything else
   * keeps the query's own error.
   */
  private async unanswered(err: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!(err instanceof DriveError) || err instanceof DriveGoneError || err instanceof CancelledError || err instanceof DriveBusyError) return err;
    return (await probeDriveGone(this.target, this.address, (command) => this.run(command, signal))) ?? err;
  }

  /** Hold the drive for one operation: lock file for stdio targets, in-process guard for real drives. */
  private async hold<T>(work: () => Promise<T>): Promise<T> {
    if (this.kind === 'stdio') {
      const lock = await acquireTargetLock(this.target, this.address);
      try {
        return await work();
      } finally {
        await lock.release();
      }
    }
    const key = path.resolve(this.target);
    if (busyDevices.has(key)) throw new DriveBusyError(`${this.address} is busy: another operation of this process is using it`, { device: this.address });
    busyDevices.add(key);
    try {
      return await work();
    } finally {
      busyDevices.delete(key);
    }
  }

  /** Burn an image; see `Drive.burn`. Holds the drive (lock file for stdio) for the whole run. */
  burn(image: BurnImage, options: BurnOptions, signal?: AbortSignal): Promise<BurnResult> {
    return this.hold(async () => {
      try {
        return await runBurn({
          address: this.address,
          kind: this.kind,
          toolAddress: this.toolAddress,
          program: await this.burner(),
          image,
          options,
          media: () => this.media(signal),
          run: (command, io) => this.run(command, signal, io),
          ...(this.kind === 'optical' ? { writeModes: this.writeModes, cdText: this.options.cdText === true } : {}),
          ...(this.options.cdrdaoDriver === undefined ? {} : { cdrdaoDriver: this.options.cdrdaoDriver }),
          ...(signal === undefined ? {} : { signal }),
        });
      } finally {
        // Whatever happened, the disc is not the one the last answer described.
        this.mediaMemory.forget();
      }
    });
  }

  /** Block read of the target file or device node; a real drive's fresh burn the kernel has not sized yet is read through SCSI generic (see disc-read-stream). See `Drive.read`. */
  read(length: number, options: ReadOptions = {}): Readable {
    return (this.kind === 'optical' ? createDiscReadStream : createBlockReadStream)({
      path: this.target,
      device: this.address,
      offset: options.offset ?? 0,
      length,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.transientChunks === true ? { reuseBuffers: true } : {}),
    });
  }

  /** Open the tray (`eject DEV`, else the burner's -eject); nothing for stdio. */
  async eject(signal?: AbortSignal): Promise<void> { await this.tray('eject', signal); }

  /** Close the tray (`eject -t DEV`, else the burner's -load); nothing for stdio. */
  async load(signal?: AbortSignal): Promise<void> { await this.tray('load', signal); }

  /** Tray control: the `eject` program, else the burner's -eject/-load. A pseudo drive has no tray. */
  private async tray(action: 'eject' | 'load', signal?: AbortSignal): Promise<void> {
    if (this.kind === 'stdio') return;
    this.mediaMemory.forget();
    const program = await this.burner();
    const useEject = (await findOnPath('eject', this.env)) !== null;
    const command = trayCommand(useEject ? 'eject' : program, this.target, action);
    await runTrayCommand(() => this.run(command, signal).finally(() => this.mediaMemory.forget()), this.address, signal);
  }

  /** `blank=fast|all` through the burner (cdrskin leaves a stdio target as it is). */
  blank(mode: 'fast' | 'all', signal?: AbortSignal): Promise<void> {
    return this.hold(async () => {
      this.mediaMemory.forget();
      const run = await this.run(burnerBlankCommand(await this.burner(), this.toolAddress, mode), signal).finally(() => this.mediaMemory.forget());
      if (run.exitCode !== 0) throw classifyBurnFailure(run, { device: this.address });
      if (/blanking failed/.test(run.stderr + run.stdout)) {
        throw new ToolError(`${this.address}: blanking failed`, { device: this.address });
      }
    });
  }
}
