/**
 * The resolved configuration every process works from: all defaults filled
 * in, every path absolute.
 */
import type { ChangerSpec, DriveSource, DriveSpec } from '@tower/agent';
import type { LogLevel } from '@tower/jobs';
import type { HotFolderSpec } from './hot-folder-config.js';
import type { AlertsConfig } from './alerts-config.js';
import type { PrintingConfig } from './printing-config.js';
import type { MalwareScanSettings } from '../library/index.js';
import type { MetricsConfig } from './metrics-config.js';
import type { ReportsConfig } from './reports-config.js';

export type { ChangerSpec, DriveSource, DriveSpec };

/** An API token. */
export interface TokenEntry {
  readonly token: string;
  readonly name: string;
  readonly role: 'operator' | 'viewer';
}

/** The resolved configuration. */
export interface TowerConfig {
  /** The file it came from, or null for defaults only. */
  readonly file: string | null;
  readonly http: { readonly bind: string; readonly port: number };
  /** null: start an embedded redis-server (in `tower start`). */
  readonly redisUrl: string | null;
  /** Prefix of every Redis key, channel and queue name of this tower (`redis.prefix`, `TOWER_REDIS_PREFIX`); default `tower`. */
  readonly redisPrefix: string;
  readonly dataDir: string;
  /** `TOWER_METRICS_FILE`: append process metrics (event-loop lag, RSS, CPU) as JSON lines every second; null: off. */
  readonly metricsFile?: string | null;
  /** Log lines: the least severe level written (`log.level`, `TOWER_LOG_LEVEL`); absent: info. */
  readonly log?: { readonly level: LogLevel };
  readonly library: {
    readonly dir: string;
    readonly importRoots: readonly string[];
    readonly maxUploadBytes: number;
    readonly sampleImage: boolean;
    /** Keep a converted image's original beside it (`library.keepOriginals`); an import's keepOriginal wins. Default false. */
    readonly keepOriginals?: boolean;
    /** Malware scans and the run policy (`library.malwareScan`); default policy off. */
    readonly malwareScan: MalwareScanSettings;
    /** How new ISO images are kept (`library.storage`): plain, or compressed with zstd. Default plain. */
    readonly storage?: 'plain' | 'zstd';
    /** How new CUE (CD) images are kept (`library.cdStorage`): plain, or as a CHD. Default plain. */
    readonly cdStorage?: 'plain' | 'chd';
  };
  /** Where alerts go (`alerts`); absent: the screen only. */
  readonly alerts?: AlertsConfig;
  /** Shifts and time zone of the production report (`reports`); absent: the default shifts. */
  readonly reports?: ReportsConfig;
  /** The CUPS queue disc labels go to (`printing`); absent or null: no printing. */
  readonly printing?: PrintingConfig | null;
  /** Folders watched for job files (`hotFolders`); absent or empty: none. */
  readonly hotFolders?: readonly HotFolderSpec[];
  /** `GET /metrics` (`metrics`, `TOWER_METRICS_TOKEN`); absent: served, no token needed. */
  readonly metrics?: MetricsConfig;
  /** Tokens from the file and the environment; empty: generated into `dataDir/tokens.json`. */
  readonly tokens: readonly TokenEntry[];
  readonly controller: {
    readonly agentTimeoutMs: number;
    readonly retryBackoffMs: number;
    readonly demoRunCopies: number;
    /** How many demo runs may follow the first, each started when the last ends while no operator has acted. */
    readonly demoRunRepeats: number;
  };
  readonly agent: {
    readonly id: string;
    readonly quarantineAfter: number;
    readonly heartbeatMs: number;
    readonly heartbeatTtlMs: number;
    readonly lockDurationMs: number;
    readonly pollIntervalMs: number;
    readonly sameDriveRetryDelayMs: number;
    readonly drives: DriveSource;
    /** Jukeboxes feeding this agent's drives (none: every drive is loaded by hand or by its own auto-loader). */
    readonly changers: readonly ChangerSpec[];
    /**
     * Merged discs (`agent.mergeStaging`): their images are built in `dir` (default `<dataDir>/staging/merged`),
     * up to `window` ahead of the drives (default the agent's drive count), at most `maxBytes` (default 8 GiB).
     */
    readonly mergeStaging?: { readonly dir: string; readonly window?: number; readonly maxBytes?: number };
    /**
     * The staging cache of images stored compressed (`agent.staging`): default `<dataDir>/staging/images`, at most 60 GB;
     * plain images read from the library (`direct`, the default) or copied into it once too (`stage`).
     */
    readonly staging?: { readonly dir: string; readonly maxBytes: number; readonly plainImages: 'direct' | 'stage' };
  };
}

export { ConfigError } from './config-error.js';
