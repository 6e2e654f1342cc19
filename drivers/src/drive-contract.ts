/**
 * The drive contract: the one interface every backend (real optical drive,
 * file-backed `stdio:` pseudo drive, simulated drive) implements, and the one
 * the contract test suite (`describeDriveContract`) checks.
 *
 * Units: sizes in bytes unless a name says `Sectors`; a sector is 2048 bytes
 * (one data block on CD/DVD/BD). Speeds are given both as a multiple of the
 * media's 1x rate (CD 150 KiB/s, DVD 1385 kB/s, BD 4.5 MB/s) and in MB/s
 * (10^6 bytes per second).
 *
 * Failures are thrown (or emitted on read streams) as the typed errors of
 * `errors.ts`; nothing else is thrown for an expected drive or media condition.
 */
import type { Readable } from 'node:stream';

/** A device as the user writes it: `/dev/srN`, `stdio:/path/to/file` or `sim:N`. */
export type DeviceAddress = string;

/** Which backend drives a device. */
export type DriveKind = 'optical' | 'stdio' | 'sim';

/** Physical media types a drive can report. `file` is a `stdio:` pseudo drive's "disc". */
export type MediaType =
  | 'CD-ROM'
  | 'CD-R'
  | 'CD-RW'
  | 'DVD-ROM'
  | 'DVD-R'
  | 'DVD-RW'
  | 'DVD+R'
  | 'DVD+RW'
  | 'DVD-R DL'
  | 'DVD+R DL'
  | 'DVD-RAM'
  | 'BD-ROM'
  | 'BD-R'
  | 'BD-RE'
  | 'BD-R DL'
  | 'BD-RE DL'
  | 'file';

/** Every media type, in a stable order (for listings and validation). */
export const MEDIA_TYPES: readonly MediaType[] = [
  'CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW',
  'DVD-R DL', 'DVD+R DL', 'DVD-RAM', 'BD-ROM', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL', 'file',
];

/** State of the disc in the tray, as MMC "disc status" reports it. */
export type DiscStatus = 'none' | 'blank' | 'appendable' | 'complete';

/** One track of a recorded disc, as its table of contents reports it. */
export interface DiscTrack {
  /** 1-based track number. */
  readonly number: number;
  readonly session: number;
  readonly kind: 'data' | 'audio';
  /** First sector (LBA) of the track. */
  readonly startSector: number;
  /** Length in sectors, run-out excluded. */
  readonly sectors: number;
}

/** What is in the drive. */
export interface MediaStatus {
  /** `none` when there is no disc (tray open or empty). */
  readonly status: DiscStatus;
  /** Media type, or null when no disc or the drive cannot tell. */
  readonly type: MediaType | null;
  /** True for media that can be blanked or overwritten (RW, RE, RAM, files). */
  readonly rewritable: boolean;
  /** Total recordable capacity of the disc, in 2048-byte sectors (0 when no disc; for closed discs, the recorded size). */
  readonly capacitySectors: number;
  /** Sectors already recorded. */
  readonly usedSectors: number;
  /** Sectors still writable (0 for a complete disc). */
  readonly freeSectors: number;
  /** True when the drive reports its tray open, when it can tell. */
  readonly trayOpen?: boolean;
  /** Recorded tracks from the table of contents, when the backend can read it. */
  readonly tracks?: readonly DiscTrack[];
}

/** How a burn records: disc-at-once (session-at-once) or track-at-once. */
export type WriteMode = 'sao' | 'tao';

/**
 * A write mode the drive refused before a byte was written (for instance
 * RESERVE TRACK or SEND CUE SHEET answered with ILLEGAL REQUEST). The disc
 * was not touched; the backend burned in the next mode instead.
 */
export interface WriteModeRefusal {
  readonly mode: WriteMode;
  /** The refused SCSI command, e.g. `RESERVE TRACK (53h)`. */
  readonly command: string;
  /** Sense key/ASC/ASCQ in hex, e.g. `5/20/00`. */
  readonly sense: string;
  /** When the drive refused it (ms since the epoch). */
  readonly at: number;
}

/**
 * What a drive object has learnt about write modes while it lived: burns
 * asked for SAO (the default) use `preferred` instead once the drive refused
 * SAO. Kept per Drive object, in memory only: a new object starts afresh.
 */
export interface WriteModeState {
  /** The mode a burn asked for as SAO will use. */
  readonly preferred: WriteMode;
  /** Modes refused so far, first refusal of each. Empty until a refusal. */
  readonly refused: readonly WriteModeRefusal[];
}

/** Where a drive's `reads`/`writes` came from, most to least trustworthy. */
export type CapabilitySource =
  /** The drive's MMC profile list (GET CONFIGURATION: `xorriso -list_profiles`, `cdrskin -v`). */
  | 'mmc-profiles'
  /** The legacy capabilities mode page 2Ah (`wodim -prcap`). */
  | 'mode-page'
  /** The kernel's table, `/proc/sys/dev/cdrom/info` (read from mode page 2Ah at boot; MMC recorders may leave it empty). */
  | 'kernel-table'
  /** Nothing told: `writes` is empty and `reads` a guess. */
  | 'none';

/** Identity and capabilities of a drive. */
export interface DriveInfo {
  /** The address it was opened with. */
  readonly address: DeviceAddress;
  /**
   * Identity that survives reboots and re-enumeration: the `/dev/disk/by-path`
   * name for real drives (the tray's position on the bus), the absolute file
   * path for `stdio:` drives, `sim:N` for simulated ones.
   */
  readonly stableId: string;
  readonly kind: DriveKind;
  readonly vendor: string;
  readonly model: string;
  readonly firmware: string;
  /** Media types the drive can read. */
  readonly reads: readonly MediaType[];
  /** Media types the drive can write (empty for a ROM drive). */
  readonly writes: readonly MediaType[];
  /** Whether a test (dummy) burn is supported. */
  readonly canTestWrite: boolean;
  /** Maximum write speed in x of the current or best media, when known. */
  readonly maxWriteSpeedX?: number;
  /** Sysfs/udev facts for real drives (block device, sg device, by-path link). */
  readonly devices?: { readonly block?: string; readonly generic?: string; readonly byPath?: string };
  /** Where `reads`/`writes` came from (real drives). */
  readonly capabilitiesFrom?: CapabilitySource;
  /**
   * Write modes this drive object has seen refused and the mode SAO burns now
   * use (real drives; see `WriteModeState`). Absent on backends that have no
   * write modes to learn.
   */
  readonly writeMode?: WriteModeState;
}

/** An image to burn. */
export interface BurnImage {
  /** ISO (2048-byte data sectors) or a CUE sheet with its BIN files. */
  readonly format: 'iso' | 'cue';
  /** Path to the ISO or to the CUE sheet. */
  readonly path: string;
  /** Size of the data that lands on disc, in bytes (for CUE: the sum of its BIN files). */
  readonly sizeBytes: number;
  /** Size on disc in 2048-byte sectors (for CUE: frames, pregaps included). */
  readonly sectors: number;
  /**
   * A CUE image's cdrdao TOC file (beside the sheet, naming the same BIN
   * files): a real drive then burns with `cdrdao write` from the TOC, which
   * carries CD-TEXT, ISRC, the catalog number and the pregaps the CUE sheet
   * lost. A `stdio:` pseudo drive ignores it (it takes no audio, no CD-TEXT).
   */
  readonly tocPath?: string;
}

/**
 * Phase of a burn, in this order (a phase may be skipped, never revisited):
 *
 * - `preparing`: before data goes to the disc: the tool starts, checks the
 *   disc, calibrates the laser (OPC), writes the lead-in, fills its FIFO.
 *   `bytesWritten` is 0 and `speedX` 0.
 * - `writing`: data is being recorded; `bytesWritten` rises, `speedX` is the
 *   current write speed.
 * - `fixating`: all data is written and the drive closes the track, session
 *   or disc (`Fixating...`, `cdrskin: working post-track`, cdrdao's lead-out).
 *   This can take from seconds to a minute; `bytesWritten` stays where the
 *   write phase ended (usually `bytesTotal`) and `speedX` is 0 because no data
 *   moves: a screen should say "closing the disc" here, not "100% at 0x".
 *   Tools that print no fixation step (cdrskin on a `stdio:` file) never
 *   report it.
 *
 * A backend that retries in another write mode after a refusal (nothing
 * written yet) stays in the phase it had reached; its byte count is still 0.
 */
export type BurnPhase = 'preparing' | 'writing' | 'fixating';

/** Progress of a burn, emitted as the tool reports it (several times a second at most). */
export interface BurnProgress {
  /** See `BurnPhase`: preparing, writing, then fixating (closing the track/disc). */
  readonly phase: BurnPhase;
  readonly bytesWritten: number;
  readonly bytesTotal: number;
  /** Current speed as a multiple of the media's 1x rate. */
  readonly speedX: number;
  /** Current speed in MB/s (10^6 bytes per second). */
  readonly speedMBps: number;
  /** Host-side FIFO fill, 0..100, when the tool reports it. */
  readonly fifoPercent?: number;
  /** Drive buffer fill, 0..100, when the tool reports it. */
  readonly bufferPercent?: number;
  /** Track being written, 1-based. */
  readonly track?: number;
}

export interface BurnOptions {
  /** Write speed in x; omitted means the drive's maximum. */
  readonly speed?: number;
  /** Test (dummy) burn: the laser stays off, nothing is recorded. */
  readonly dummy?: boolean;
  /**
   * Disc-at-once (default) or track-at-once. SAO is a preference: a real
   * drive that refuses SAO before writing a byte is burned in TAO instead
   * (once per burn), and later SAO burns on the same Drive object go straight
   * to TAO (`DriveInfo.writeMode`, `BurnResult.writeMode`). CUE images are
   * always written SAO.
   */
  readonly mode?: WriteMode;
  /** Eject the tray when the burn has finished. Default false. */
  readonly eject?: boolean;
  /** Called with each progress report. */
  readonly onProgress?: (progress: BurnProgress) => void;
}

export interface BurnResult {
  readonly bytesWritten: number;
  readonly durationMs: number;
  /** Average speed over the write phase, in x of the media. */
  readonly averageSpeedX: number;
  /** Lowest drive buffer fill seen, when reported. */
  readonly minBufferPercent?: number;
  readonly dummy: boolean;
  /** The write mode the disc was written in, when the backend has modes. */
  readonly writeMode?: WriteMode;
  /** Set when this burn asked for another mode, which the drive refused before writing: why `writeMode` differs. */
  readonly writeModeRefusal?: WriteModeRefusal;
}

export interface ReadOptions {
  /** First byte to read (multiple of 2048). Default 0. */
  readonly offset?: number;
  readonly signal?: AbortSignal;
  /**
   * The consumer is done with each chunk before it takes the one after next
   * and keeps no reference to it: the drive may hand out the same memory
   * again (a small ring of buffers), which saves allocating and faulting in
   * fresh memory for every chunk of a long read. Default false.
   */
  readonly transientChunks?: boolean;
}

/** What a backend declares about itself, known without asking the drive. */
export interface DriveFeatures {
  /** The drive has an auto-loader: it takes discs out and puts blanks in by itself. */
  readonly autoLoader: boolean;
  /** `watch()` reports media changes as they happen, at least a disc coming into an empty drive (all a real drive reports). */
  readonly watchesMedia: boolean;
  /**
   * The CUE track modes (as a sheet writes them: `AUDIO`, `MODE1/2048`...) this backend can burn; absent: every mode
   * the CUE reader accepts. A `stdio:` pseudo drive takes `MODE1/2048` only (cdrskin writes no audio there); a
   * scheduler offers it no other CUE image. Its `burn` refuses other modes with `WrongMediaError`, before writing.
   */
  readonly cueTrackModes?: readonly string[];
  /** CD-TEXT of a TOC (`BurnImage.tocPath`): `true` written (as configured; nothing detects it), `false` refused before
   * writing (`CdTextNotDeclaredError`), absent: no TOC is burned (`stdio:`, plain simulated drives). */
  readonly writesCdText?: boolean;
}

/** A change a backend reports through `watch()`: the disc or tray changed. */
export interface DriveEvent {
  readonly kind: 'media-change';
  /** What is in the drive now, when the backend knows without asking the drive (simulated drives); else ask `media()`. */
  readonly media?: MediaStatus;
}

/**
 * One drive. A Drive is not safe for concurrent use: callers serialise
 * operations on one drive (the tower's drive worker does). `stdio:` targets
 * have no locking of their own, so a backend also refuses a second
 * simultaneous operation on the same target within one process.
 */
export interface Drive {
  readonly address: DeviceAddress;
  readonly kind: DriveKind;

  /** Vendor, model, firmware and capabilities. */
  info(signal?: AbortSignal): Promise<DriveInfo>;

  /** What disc is loaded, its state and capacity. */
  media(signal?: AbortSignal): Promise<MediaStatus>;

  /**
   * Burn an image. Refuses before writing anything when the image is missing or
   * unreadable (`ImageError`), when there is no disc (`NoMediaError`), when the
   * disc cannot take it (`WrongMediaError`) or is too small (`MediaTooSmallError`).
   * Aborting the signal stops the burn, kills the tool and its process group and
   * rejects with `CancelledError`.
   */
  burn(image: BurnImage, options: BurnOptions, signal?: AbortSignal): Promise<BurnResult>;

  /**
   * Stream exactly `length` bytes from the disc, starting at `options.offset`.
   * The stream fails with `ReadError` (naming the first unreadable sector),
   * `NoMediaError` or `CancelledError`; it ends early only with an error.
   */
  read(length: number, options?: ReadOptions): Readable;

  /**
   * Stream exactly `frames` CD-DA frames (2352 bytes each: 588 stereo 16-bit
   * samples) from disc frame (LBA) `startFrame`, as READ CD returns audio:
   * shifted by the drive's read offset, so read-back sample i is the disc's
   * sample i + offset (verification finds the offset). Fails like `read`.
   * Only backends that can read audio back have it: the simulated drive
   * today; a `stdio:` target holds no audio, and a real drive's reads here
   * are 2048-byte data reads (see `readsAudioBack`).
   */
  readAudio?(startFrame: number, frames: number, options?: { readonly signal?: AbortSignal }): Readable;

  /** Open the tray (or its equivalent). */
  eject(signal?: AbortSignal): Promise<void>;

  /** Close the tray (or its equivalent). */
  load(signal?: AbortSignal): Promise<void>;

  /** Blank rewritable media. `WrongMediaError` on write-once media. */
  blank(mode: 'fast' | 'all', signal?: AbortSignal): Promise<void>;

  /** What the backend declares about itself; absent: no auto-loader, no media events. */
  readonly features?: DriveFeatures;

  /**
   * Report media and tray changes as they happen (backends with
   * `features.watchesMedia`); returns the function that stops it.
   */
  watch?(onEvent: (event: DriveEvent) => void): () => void;

  /** Release what the drive holds in this process (timers, listeners); the drive is not used afterwards. */
  dispose?(): void;
}
