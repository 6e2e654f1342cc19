/**
 * How a simulated drive is made (`SimulatedDriveOptions`) and what it tells
 * a watcher (`SimulatedDriveEvents`).
 */
import type { BurnProgress, DeviceAddress, MediaStatus, MediaType } from '../drive-contract.js';
import type { DriveError } from '../errors.js';
import type { AutoLoaderOptions } from './auto-loader.js';
import type { DiscSpec } from './sim-disc.js';
import type { FaultKind, SimFaults } from './sim-faults.js';
import type { WriterClass } from './writer-capability.js';

/** Options of a `SimulatedDrive`. */
export interface SimulatedDriveOptions {
  /** The N of `sim:N`. Default 0. */
  readonly index?: number;
  /** The address as opened; default `sim:N`. */
  readonly address?: DeviceAddress;
  /** Drive capability. Default `bd`: writes CD-R/RW, DVD±R/RW/DL and BD-R/RE (DL too). */
  readonly writer?: WriterClass;
  /**
   * The CUE track modes the drive burns (see `DriveFeatures.cueTrackModes`);
   * a sheet with another mode is refused with `WrongMediaError` before
   * anything is written. Default: every mode. `['MODE1/2048']` plays a
   * `stdio:` pseudo drive, which cannot write audio.
   */
  readonly cueTrackModes?: readonly string[];
  /**
   * CD-TEXT of a TOC file beside the sheet (`DriveFeatures.writesCdText`):
   * `true` declares it written; `false` plays a real drive not declared to
   * write it (a TOC with CD-TEXT is refused with `CdTextNotDeclaredError`
   * before anything is written). Default: not said, the TOC is ignored.
   */
  readonly cdText?: boolean;
  /**
   * The drive's audio read offset in samples (`readAudio`: read-back sample
   * i is the disc's sample i + offset), within ±5000. Default +6, a common
   * offset of real drives.
   */
  readonly audioReadOffsetSamples?: number;
  /** Disc in the drive at start. Default: the auto-loader's first blank, else none. */
  readonly media?: MediaType | DiscSpec | null;
  /** Wall milliseconds per model millisecond (0.01: 100 times faster). Default 1. */
  readonly timeScale?: number;
  readonly faults?: SimFaults;
  /** Attach an auto-loader. */
  readonly autoLoader?: AutoLoaderOptions;
  /** Random source for faults and progress noise. Default: seeded from `seed`, else from the index. */
  readonly random?: () => number;
  readonly seed?: number;
  /** Wall clock in ms. Default `performance.now`. */
  readonly now?: () => number;
  /** Wall milliseconds between progress reports (at most one per interval). Default 250. */
  readonly progressIntervalMs?: number;
}

/** What a watcher (a tower agent) can listen to. */
export interface SimulatedDriveEvents {
  /** The disc changed: inserted, removed, written, blanked. */
  'media-change': [media: MediaStatus];
  /** The tray opened or closed. */
  tray: [state: { readonly open: boolean }];
  /** Each burn progress report (also passed to `onProgress`). */
  progress: [progress: BurnProgress];
  /** An injected fault fired. */
  fault: [event: { readonly kind: FaultKind; readonly error?: DriveError }];
  /** The drive vanished (`connected: false`) or came back. */
  connection: [state: { readonly connected: boolean }];
}
