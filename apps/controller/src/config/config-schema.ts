/**
 * The configuration file's schema (TypeBox, JSON). Every field is optional;
 * `resolveConfig` fills in the defaults. Unknown fields are refused so a typo
 * does not silently fall back to a default.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { HotFolderListSchema } from './hot-folder-config.js';
import { AlertsConfigSchema } from './alerts-config.js';
import { PrintingConfigSchema } from './printing-config.js';
import { MalwareScanConfigSchema } from './malware-scan-config.js';
import { MetricsConfigSchema } from './metrics-config.js';
import { ReportsConfigSchema } from './reports-config.js';

const Strict = { additionalProperties: false } as const;

/** The log levels, most severe first (`log.level`, `TOWER_LOG_LEVEL`). */
export const LOG_LEVEL_NAMES = ['error', 'warn', 'info', 'debug'] as const;

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const PositiveMs = Type.Integer({ minimum: 1, maximum: 86_400_000 });

/** A drive of this host: `/dev/srN`, `stdio:/path` or `sim:N?...`. */
export const DriveEntrySchema = Type.Object({
  device: Type.String({ minLength: 1, maxLength: 4096 }),
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** For `stdio:` pseudo drives: the blank media type the file stands for (default CD-R). */
  media: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  /**
   * For `stdio:` pseudo drives: a folder (on the drive file's filesystem,
   * writable) each burned disc is moved into, passed ones at its top, failed
   * ones in its `rejects/`, before the next burn. Default none: each burn
   * overwrites the drive file.
   */
  outputDir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  /**
   * For real drives: the recorder writes CD-TEXT (check it first: nothing can
   * detect it). A TOC with CD-TEXT is burned with cdrdao's CD-TEXT option on
   * such a drive only: copies that carry CD-TEXT are offered only to such
   * drives (the drive publishes it as `writesCdText`), and another drive
   * still refuses such a copy before writing.
   */
  cdText: Type.Optional(Type.Boolean()),
  /** For real drives: the cdrdao driver, `NAME` or `NAME:0xHEX` (e.g. `generic-mmc-raw`); default cdrdao's choice. */
  cdrdaoDriver: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, Strict);

/** Slot numbers of a changer, as `mtx status` numbers them (from 1). */
const SlotList = Type.Array(Type.Integer({ minimum: 1, maximum: 65_535 }), { minItems: 1, maxItems: 1000 });

/**
 * A jukebox: a SCSI media changer (driven with mtx) feeding drives of this
 * host. Blanks wait in the input slots; good discs go to the output slots,
 * coasters to the reject slot(s); all its drives share them.
 */
export const ChangerEntrySchema = Type.Object({
  /** The changer's SCSI generic node, e.g. `/dev/sg1`. */
  device: Type.String({ minLength: 1, maxLength: 4096 }),
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** The drives it feeds: a drive of this agent (its device or id, e.g. `/dev/sr0`) and its data transfer element (mtx's drive number, from 0). */
  drives: Type.Array(Type.Object({
    drive: Type.String({ minLength: 1, maxLength: 4096 }),
    element: Type.Integer({ minimum: 0, maximum: 255 }),
  }, Strict), { minItems: 1, maxItems: 64 }),
  slots: Type.Object({ input: SlotList, output: SlotList, reject: SlotList }, Strict),
}, Strict);

/** Fault settings of one simulated drive: `sim:` address keys (see drivers/src/sim/sim-address.ts). */
export const SimFaultSchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

/** A simulated tower. */
export const SimulatedSchema = Type.Object({
  count: Type.Integer({ minimum: 0, maximum: 256 }),
  /** Number of the first drive (`sim:<firstIndex>`); give each agent of one Redis its own range. */
  firstIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  media: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  timeScale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  autoLoader: Type.Optional(Type.Boolean()),
  /**
   * Each auto-loader's stock at start (with `autoLoader`): `blanks` on its input
   * stack, `rejectBin` the coasters its reject bin holds. Defaults in
   * drive-specs.ts (`DEFAULT_SIM_LOADER`).
   */
  loader: Type.Optional(Type.Object({
    blanks: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    rejectBin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  }, Strict)),
  /** Wall ms between progress reports of each simulated drive. */
  progressMs: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Faults by drive number (`"2": { "writeErrorAt": 40, "sticky": true }`). */
  faults: Type.Optional(Type.Record(Type.String({ pattern: '^(0|[1-9][0-9]*)$' }), SimFaultSchema)),
}, Strict);

export const TokenSchema = Type.Object({
  token: Type.String({ minLength: 16, maxLength: 200, pattern: '^[A-Za-z0-9._~+/=-]+$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: Type.Union([Type.Literal('operator'), Type.Literal('viewer')]),
}, Strict);

/** The configuration file. */
export const ConfigFileSchema = Type.Object({
  http: Type.Optional(Type.Object({
    bind: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    port: Type.Optional(Port),
  }, Strict)),
  redis: Type.Optional(Type.Object({
    url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    /** Prefix of every key, channel and queue of this tower: towers sharing one Redis each need their own. */
    prefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  }, Strict)),
  dataDir: Type.Optional(Type.String({ minLength: 1 })),
  library: Type.Optional(Type.Object({
    dir: Type.Optional(Type.String({ minLength: 1 })),
    importRoots: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    maxUploadBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Import the bundled sample image when the library is first created. Default true. */
    sampleImage: Type.Optional(Type.Boolean()),
    /** Keep the original of a converted image (compressed, NRG, CloneCD, MDS, CDI, CHD, DMG, TOC) beside it, never burned. Default false. */
    keepOriginals: Type.Optional(Type.Boolean()),
    /** Malware scans of images and the run policy (malware-scan-config.ts). */
    malwareScan: Type.Optional(MalwareScanConfigSchema),
    /** How new ISO images are kept: `plain` (default) or `zstd` (compressed, staged by each agent before its burns). */
    storage: Type.Optional(Type.Union([Type.Literal('plain'), Type.Literal('zstd')])),
    /** How new CUE (CD) images are kept: `plain` (default) or `chd` (a MAME CHD made by chdman createcd, proven before the BINs go). */
    cdStorage: Type.Optional(Type.Union([Type.Literal('plain'), Type.Literal('chd')])),
  }, Strict)),
  tokens: Type.Optional(Type.Array(TokenSchema)),
  /** Where alerts go: webhooks, email, the screen (alerts-config.ts). */
  alerts: Type.Optional(AlertsConfigSchema),
  /** Folders watched for job files (hot-folder-config.ts). */
  hotFolders: Type.Optional(HotFolderListSchema),
  /** Log lines (server/process-logger.ts). */
  log: Type.Optional(Type.Object({
    /** The least severe level written: error, warn, info (default) or debug. `TOWER_LOG_LEVEL` wins. */
    level: Type.Optional(Type.Union(LOG_LEVEL_NAMES.map((l) => Type.Literal(l)))),
  }, Strict)),
  /** The CUPS queue disc labels go to (printing-config.ts). */
  printing: Type.Optional(PrintingConfigSchema),
  /** The Prometheus endpoint `GET /metrics` and its scrape token (metrics-config.ts). */
  metrics: Type.Optional(MetricsConfigSchema),
  /** Shifts and time zone of the production report (reports-config.ts). */
  reports: Type.Optional(ReportsConfigSchema),
  controller: Type.Optional(Type.Object({
    /** An agent silent this long is declared dead (drives offline, open attempts interrupted). Default 10 000. */
    agentTimeoutMs: Type.Optional(PositiveMs),
    /** BullMQ backoff between attempts of one copy. Default 5000. */
    retryBackoffMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    /** On the first start of a simulated-only tower, a run of this many copies of the sample image (0: none). Default 40. */
    demoRunCopies: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    /** How many demo runs may follow the first, each when the last ends while no operator has acted (0: only the first). Default 1000. */
    demoRunRepeats: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  }, Strict)),
  agent: Type.Optional(Type.Object({
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    quarantineAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    heartbeatMs: Type.Optional(PositiveMs),
    /** TTL of the heartbeat hash. Default 5 × heartbeatMs. */
    heartbeatTtlMs: Type.Optional(PositiveMs),
    /** BullMQ job lock of a copy in flight (renewed every half of it). Default 30 000. */
    lockDurationMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 3_600_000 })),
    /** How often an idle drive looks at its disc and the queue. Default 1000. */
    pollIntervalMs: Type.Optional(PositiveMs),
    /** Delay for a retry fetched by the drive it failed on. Default 5000. */
    sameDriveRetryDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    drives: Type.Optional(Type.Union([Type.Literal('auto'), Type.Array(DriveEntrySchema)])),
    simulated: Type.Optional(SimulatedSchema),
    /** Jukeboxes whose changers feed this agent's drives. */
    changers: Type.Optional(Type.Array(ChangerEntrySchema, { maxItems: 64 })),
    /** The staging cache images stored compressed are decompressed into: a local folder (a tmpfs for RAM) and its cap. */
    staging: Type.Optional(Type.Object({
      dir: Type.Optional(Type.String({ minLength: 1 })),
      maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
      /** Plain images: `direct` (default), read by the drives from the library; `stage`, copied once into the cache (a slow library volume). */
      plainImages: Type.Optional(Type.Union([Type.Literal('direct'), Type.Literal('stage')])),
    }, Strict)),
    /** Merged discs (per-disc serials): where their images are built, how many ahead of the drives, and their bytes at most. */
    mergeStaging: Type.Optional(Type.Object({
      dir: Type.Optional(Type.String({ minLength: 1 })),
      window: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
      maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    }, Strict)),
  }, Strict)),
}, Strict);

/** The configuration file as parsed. */
export type ConfigFile = Static<typeof ConfigFileSchema>;
