/**
 * The resolved configuration every process works from: all defaults filled
 * in, every path absolute.
 */
import type { MediaType } from 'node-cdrecord-wrapper';

/** An API token. */
export interface TokenEntry {
  readonly token: string;
  readonly name: string;
  readonly role: 'operator' | 'viewer';
}

/** A drive the agent opens. */
export interface DriveSpec {
  /** Device string for `openDrive` (sim settings included). */
  readonly device: string;
  /** Stable id the drive is known by (`sim:N`, the stdio path, `/dev/srN` or its by-path link for `auto`). */
  readonly id: string;
  readonly label: string;
  readonly position: number;
  readonly group?: string;
  /** For `stdio:` pseudo drives: the blank media type the file stands for. */
  readonly stdioMedia?: MediaType;
  readonly simulated: boolean;
}

/** A jukebox's changer and the drives of this agent it feeds (see `ChangerEntrySchema`). */
export interface ChangerSpec {
  /** The changer's SCSI generic node (`/dev/sgN`). */
  readonly device: string;
  readonly label: string;
  /** Each drive it feeds (a drive's device or id as configured) with its data transfer element number. */
  readonly drives: readonly { readonly drive: string; readonly element: number }[];
  /** Slot numbers by role, shared by its drives. */
  readonly slots: { readonly input: readonly number[]; readonly output: readonly number[]; readonly reject: readonly number[] };
}

/** Where the drives come from: a list, or discovery of this host's real drives. */
export type DriveSource =
  | { readonly kind: 'list'; readonly drives: readonly DriveSpec[] }
  | { readonly kind: 'auto'; readonly extra: readonly DriveSpec[] };

/** The resolved configuration. */
export interface TowerConfig {
  /** The file it came from, or null for defaults only. */
  readonly file: string | null;
  readonly http: { readonly bind: string; readonly port: number };
  /** null: start an embedded redis-server (in `tower start`). */
  readonly redisUrl: string | null;
  readonly dataDir: string;
  /** `TOWER_METRICS_FILE`: append process metrics (event-loop lag, RSS, CPU) as JSON lines every second; null: off. */
  readonly metricsFile?: string | null;
  readonly library: {
    readonly dir: string;
    readonly importRoots: readonly string[];
    readonly maxUploadBytes: number;
    readonly sampleImage: boolean;
  };
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
  };
}

/** A configuration that cannot be used; `field` is its path (`agent.drives[2].device`). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(field === '' ? message : `config ${field}: ${message}`, options);
    this.name = 'ConfigError';
  }
}
