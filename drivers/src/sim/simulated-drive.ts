/**
 * A simulated optical drive (`sim:N`) for demos, operator training and scale
 * tests: it validates, times and fails like a real burner, in scaled time.
 * All state is per instance; a process may hold a thousand of them, and an
 * idle drive holds no timer that keeps the process alive. Its options and
 * events: simulated-drive-types.ts; its one operation at a time:
 * drive-operation.ts; its tray, disc and auto-loader: disc-bay.ts.
 */
import type { Readable } from 'node:stream';
import type {
  BurnImage, BurnOptions, BurnResult, DeviceAddress, Drive, DriveInfo, MediaStatus, MediaType, ReadOptions, DriveFeatures, DriveEvent,
} from '../drive-contract.js';
import { DriveGoneError, NoMediaError, WriteError, WrongMediaError } from '../errors.js';
import { isRewritable, mediaClassOf } from '../media.js';
import type { MediaClass } from '../media.js';
import { AutoLoader } from './auto-loader.js';
import { checkDeclaredFeatures, checkImage, checkWritable } from './burn-checks.js';
import { runBurn } from './burn-run.js';
import { DiscBay } from './disc-bay.js';
import { createAudioReadStream } from './cue-disc-reader.js';
import { createDiscReadStream, failedStream, readRangeError } from './disc-reader.js';
import { OperationSlot } from './drive-operation.js';
import type { Operation } from './drive-operation.js';
import { abortReason, ScaledClock } from './scaled-clock.js';
import { createDisc, mediaStatusOf } from './sim-disc.js';
import type { DiscSpec, SimDisc } from './sim-disc.js';
import { FaultPlan, seededRandom } from './sim-faults.js';
import type { SimFaults } from './sim-faults.js';
import type { SimulatedDriveEvents, SimulatedDriveOptions } from './simulated-drive-types.js';
import { simulatedDriveInfo } from './sim-drive-info.js';
import { blankDurationMs, mediaRatedWriteX } from './speed-model.js';
import { TypedEmitter } from './typed-emitter.js';
import { writerWrites } from './writer-capability.js';
import type { WriterClass } from './writer-capability.js';

export type { SimulatedDriveEvents, SimulatedDriveOptions } from './simulated-drive-types.js';

/** Model time the tray takes to open or close. */
export const TRAY_MS = 1_500;

/** A simulated drive implementing the drive contract, plus operator controls and events. */
export class SimulatedDrive extends TypedEmitter<SimulatedDriveEvents> implements Drive {
  readonly address: DeviceAddress;
  readonly kind = 'sim' as const;
  readonly index: number;
  readonly writer: WriterClass;
  /** It reports its media changes; it has an auto-loader when given one, and the CUE track modes it was given. */
  readonly features: DriveFeatures;
  /** The auto-loader, when one is attached. */
  readonly autoLoader: AutoLoader | null;
  /** Read offset of `readAudio`, samples (option `audioReadOffsetSamples`, default +6). */ readonly audioReadOffsetSamples: number;
  readonly #clock: ScaledClock;
  readonly #faults: FaultPlan;
  readonly #random: () => number;
  readonly #progressIntervalMs: number;
  readonly #bay: DiscBay;
  #connected = true;
  #disposed = false;
  readonly #ops: OperationSlot;

  constructor(options: SimulatedDriveOptions = {}) {
    super();
    const index = options.index ?? 0;
    if (!(Number.isSafeInteger(index) && index >= 0)) throw new RangeError(`index must be a non-negative integer, got ${index}`);
    this.index = index;
    this.address = options.address ?? `sim:${index}`;
    this.writer = options.writer ?? 'bd';
    this.#ops = new OperationSlot(this.address);
    this.#clock = new ScaledClock(options.timeScale ?? 1, options.now);
    this.#random = options.random ?? seededRandom(options.seed ?? index + 1);
    this.#faults = new FaultPlan(options.faults, this.#random);
    this.#progressIntervalMs = Math.max(1, options.progressIntervalMs ?? 250);
    this.autoLoader = options.autoLoader === undefined ? null : new AutoLoader(options.autoLoader);
    this.audioReadOffsetSamples = options.audioReadOffsetSamples ?? 6;
    const modes = options.cueTrackModes;
    this.features = { autoLoader: this.autoLoader !== null, watchesMedia: true, ...(modes === undefined ? {} : { cueTrackModes: [...modes] }),
      ...(options.cdText === undefined ? {} : { writesCdText: options.cdText }) };
    const initial = options.media !== undefined ? options.media : (this.autoLoader?.takeBlank() ?? null);
    this.#bay = new DiscBay(this.autoLoader, initial === null ? null : createDisc(initial), {
      wallMs: (ms) => this.#clock.wallMs(ms),
      canLoad: () => this.connected && this.#ops.current === null,
      onTray: (open) => this.#notify('tray', { open }),
      onLoaded: () => this.#notify('media-change', this.#status()),
    });
  }

  /** The time scale (wall ms per model ms). */
  get timeScale(): number {
    return this.#clock.timeScale;
  }

  /** The disc in the drive (live object; do not modify), or null; one on the open tray is not in it. */
  get disc(): Readonly<SimDisc> | null { return this.#bay.loaded; }

  /** True while the tray is open (after an eject, until a load or a new disc). */
  get trayOpen(): boolean { return this.#bay.trayOpen; }

  /** False after the drive vanished (until `reconnect()`) or was disposed. */
  get connected(): boolean { return this.#connected && !this.#disposed; }

  /** Name of the operation in progress (`burn`, `read`, `blank`, `eject`, `load`), or null. */
  get busy(): string | null { return this.#ops.current?.name ?? null; }

  /** Faults currently armed. */
  get faults(): SimFaults { return this.#faults.current; }

  /** Replace the armed faults at runtime (`{}` clears them). */
  setFaults(faults: SimFaults): void { this.#faults.set(faults); }

  async info(_signal?: AbortSignal): Promise<DriveInfo> {
    this.#checkConnected();
    return simulatedDriveInfo(this, this.#bay.loaded);
  }

  async media(_signal?: AbortSignal): Promise<MediaStatus> {
    this.#checkConnected();
    return this.#status();
  }

  async burn(image: BurnImage, options: BurnOptions, signal?: AbortSignal): Promise<BurnResult> {
    const op = this.#begin('burn', signal);
    try {
      this.#takeNoMedia();
      const wrong = this.#faults.take('wrongMedia');
      if (wrong !== undefined && this.#bay.loaded !== null) {
        this.#bay.disc = createDisc(wrong.type);
        this.#notify('fault', { kind: 'wrongMedia' });
        this.#notify('media-change', this.#status());
      }
      const disc = this.#requireDisc();
      const mediaClass = checkWritable(disc, image, this.writer, this.address);
      await checkImage(image, this.address);
      await checkDeclaredFeatures(image, this.features, this.address);
      if (op.controller.signal.aborted) throw abortReason(op.controller.signal);
      const dummy = options.dummy === true;
      const startSector = disc.status === 'appendable' ? disc.usedSectors : 0;
      const faults = this.#faults.takeBurnFaults(dummy, startSector, image.sectors);
      const requested = options.speed !== undefined && options.speed > 0 ? options.speed : Infinity;
      const result = await runBurn({
        device: this.address,
        disc,
        mediaClass,
        image,
        options,
        speed: { speedCap: Math.min(requested, mediaRatedWriteX(disc.type)), speedFactor: this.#faults.speedFactor },
        clock: this.#clock,
        signal: op.controller.signal,
        progressIntervalMs: this.#progressIntervalMs,
        random: this.#random,
        ...faults,
        report: (p) => {
          options.onProgress?.(p);
          this.#notify('progress', p);
        },
      }).catch((err: unknown) => {
        if (!dummy) this.#notify('media-change', this.#status());
        this.#onBurnFailure(err);
        throw err;
      });
      if (!dummy) {
        if (faults.flipSector !== undefined) this.#notify('fault', { kind: 'verifyMismatch' });
        this.#notify('media-change', this.#status());
      }
      if (options.eject === true) await this.#eject(op.controller.signal);
      return result;
    } finally {
      this.#ops.end(op);
    }
  }

  read(length: number, options: ReadOptions = {}): Readable {
    const offset = options.offset ?? 0;
    const bad = readRangeError(length, offset);
    if (bad !== null) return failedStream(bad);
    return this.#readStream(options.signal, (disc, mediaClass, signal) => createDiscReadStream({ device: this.address, disc, mediaClass, offset, length, clock: this.#clock, signal }));
  }

  /** CD-DA frames of a burned CUE disc, shifted by this drive's read offset (`audioReadOffsetSamples`). */
  readAudio(startFrame: number, frames: number, options: { readonly signal?: AbortSignal } = {}): Readable {
    const readOffsetSamples = this.audioReadOffsetSamples;
    return this.#readStream(options.signal, (disc, mediaClass, signal) => createAudioReadStream({ device: this.address, disc, mediaClass, startFrame, frames, readOffsetSamples, clock: this.#clock, signal }));
  }

  /** A read as the drive's one operation: the stream `open` makes, or a failed one (busy, no disc). */
  #readStream(signal: AbortSignal | undefined, open: (disc: SimDisc, mediaClass: MediaClass, signal: AbortSignal) => Readable): Readable {
    let op: Operation | undefined;
    try {
      op = this.#begin('read', signal);
      this.#takeNoMedia();
      const disc = this.#requireDisc();
      const stream = open(disc, mediaClassOf(disc.type) ?? 'cd', op.controller.signal);
      stream.once('close', () => this.#ops.end(op as Operation));
      return stream;
    } catch (err) {
      if (op !== undefined) this.#ops.end(op);
      return failedStream(err as Error);
    }
  }

  async eject(signal?: AbortSignal): Promise<void> {
    const op = this.#begin('eject', signal);
    await this.#eject(op.controller.signal).finally(() => this.#ops.end(op));
  }

  async load(signal?: AbortSignal): Promise<void> {
    const op = this.#begin('load', signal);
    try {
      if (!this.#bay.trayOpen) return;
      await this.#clock.sleep(TRAY_MS, op.controller.signal);
      this.#bay.setTray(false);
      if (this.#bay.disc !== null) this.#notify('media-change', this.#status()); // the disc left on the tray is back in
    } finally {
      this.#ops.end(op);
    }
  }

  async blank(mode: 'fast' | 'all', signal?: AbortSignal): Promise<void> {
    const op = this.#begin('blank', signal);
    try {
      this.#takeNoMedia();
      const disc = this.#requireDisc();
      if (!isRewritable(disc.type) || !this.#writes(disc.type)) {
        throw new WrongMediaError(`cannot blank ${disc.type}: not rewritable media this drive writes`, { device: this.address });
      }
      await this.#clock.sleep(blankDurationMs(disc.type, mode, disc.capacitySectors), op.controller.signal);
      disc.status = 'blank';
      disc.usedSectors = 0;
      disc.content = null;
      this.#notify('media-change', this.#status());
    } finally {
      this.#ops.end(op);
    }
  }

  /** Operator: put a disc in (replacing any) and close the tray. */
  insertDisc(spec: MediaType | DiscSpec): void {
    this.#checkIdle('insert a disc');
    this.#bay.insert(createDisc(spec));
    this.#notify('media-change', this.#status());
  }

  /** Operator: open the tray and take the disc out (bypassing the auto-loader). Returns the disc. */
  removeDisc(): SimDisc | null {
    this.#checkIdle('remove the disc');
    const disc = this.#bay.takeOut();
    this.#bay.setTray(true);
    if (disc !== null) this.#notify('media-change', this.#status());
    return disc;
  }

  /** Simulate unplugging: the operation in progress fails and every call throws DriveGoneError until `reconnect()`. */
  disconnect(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#bay.cancelLoad();
    this.#ops.current?.controller.abort(new DriveGoneError('drive disappeared', { device: this.address }));
    this.#notify('connection', { connected: false });
  }

  /** Bring a vanished drive back (its disc as it was). */
  reconnect(): void {
    if (this.#connected || this.#disposed) return;
    this.#connected = true;
    this.#notify('connection', { connected: true });
    if (this.#bay.disc === null && this.#bay.trayOpen) this.#bay.scheduleLoad();
  }

  /** Media changes (a disc loaded, taken out, burned) as they happen. */
  watch(onEvent: (event: DriveEvent) => void): () => void {
    const listener = (media: MediaStatus): void => onEvent({ kind: 'media-change', media });
    this.on('media-change', listener);
    return () => this.off('media-change', listener);
  }

  /** Stop everything: the operation in progress fails, timers are cleared, listeners removed. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#bay.cancelLoad();
    this.#ops.current?.controller.abort(new DriveGoneError('drive disposed', { device: this.address }));
    this.removeAllListeners();
  }

  #status(): MediaStatus {
    const hidden = this.#faults.certain('noMedia');
    return mediaStatusOf(hidden ? null : this.#bay.loaded, this.#bay.trayOpen);
  }

  #writes(type: MediaType): boolean { return writerWrites(this.writer, type); }

  #checkConnected(): void {
    if (this.#disposed) throw new DriveGoneError('drive disposed', { device: this.address });
    if (!this.#connected) throw new DriveGoneError('drive disappeared', { device: this.address });
  }

  #checkIdle(what: string): void {
    this.#checkConnected();
    this.#ops.checkIdle(what);
  }

  #begin(name: string, signal: AbortSignal | undefined): Operation {
    this.#checkConnected();
    return this.#ops.begin(name, signal);
  }

  #takeNoMedia(): void {
    if (this.#faults.take('noMedia') === undefined) return;
    const error = new NoMediaError('no disc detected', { device: this.address });
    this.#notify('fault', { kind: 'noMedia', error });
    throw error;
  }

  #requireDisc(): SimDisc {
    const disc = this.#bay.loaded;
    if (disc === null) throw new NoMediaError(this.#bay.trayOpen ? 'the tray is open' : 'no disc in the drive', { device: this.address });
    return disc;
  }

  #onBurnFailure(err: unknown): void {
    if (err instanceof DriveGoneError && this.#connected && !this.#disposed) {
      // An injected disappearance: the drive stays gone until reconnect().
      this.#connected = false;
      this.#notify('fault', { kind: 'driveGone', error: err });
      this.#notify('connection', { connected: false });
    } else if (err instanceof WriteError) {
      this.#notify('fault', { kind: 'writeError', error: err });
    }
  }

  async #eject(signal: AbortSignal): Promise<void> {
    const held = this.#bay.loaded;
    if (!this.#bay.trayOpen) {
      await this.#clock.sleep(TRAY_MS, signal);
      this.#bay.setTray(true);
    }
    this.#bay.afterEject();
    if (held !== null) this.#notify('media-change', this.#status());
  }

  /** Emit without letting a throwing listener break the drive. */
  #notify<K extends keyof SimulatedDriveEvents & string>(event: K, ...args: SimulatedDriveEvents[K]): void {
    try {
      this.emit(event, ...args);
    } catch {
      // A watcher's bug must not fail a burn.
    }
  }
}
