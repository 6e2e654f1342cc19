/**
 * What the controller's HTTP API and feed are built from. The caller (main.ts,
 * tests) owns every connection passed in and closes it after `app.close()`.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { RedisConnectivity, RunPlanner, RunStore } from '@tower/jobs';
import type { ImageLibrary } from '../library/index.js';
import type { Role } from '../shared/api-types.js';
import type { AuthThrottleOptions } from './auth-throttle.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { PrintingConfig } from '../config/printing-config.js';
import type { MetricsConfig } from '../config/metrics-config.js';
import type { ReportsConfig } from '../config/reports-config.js';

/** One API token. */
export interface ApiToken {
  readonly token: string;
  /** Who, for the audit log. */
  readonly name: string;
  readonly role: Role;
}

/** Where a drive sits in the tower (configuration). */
export interface DriveLayoutEntry {
  readonly label?: string;
  /** Orders the drive's tile among its agent's drives. */
  readonly position?: number;
  /** Group name; a run's `drives` may name groups. */
  readonly group?: string;
}

/** Dependencies of `createApp`. */
export interface AppDeps {
  /**
   * Connection for reads, the audit log and the controller's own keys. Made
   * with `failFastRedisOptions()` (as the controller's is), requests fail
   * with 503 within the deadline while Redis is away instead of waiting.
   */
  readonly redis: Redis;
  /** Logs a Redis outage once (start and end) for every connection it watches; default: one of the app's own, on `log`. */
  readonly connectivity?: RedisConnectivity;
  /** Deadline of a changing request's admission round trip to Redis, ms; default 3000. */
  readonly requestDeadlineMs?: number;
  /** How long the answer to a request with an `Idempotency-Key` is kept for its retries, ms; default 24 h. */
  readonly idempotencyTtlMs?: number;
  /** For the connections the app creates (the feed's subscriber, BullMQ queues). */
  readonly redisUrl: string;
  readonly library: ImageLibrary;
  /** Where runs of a merge CSV keep the files their rows name, copied when each run is made; default `merge-runs` beside the library's folder. */
  readonly mergeDir?: string;
  readonly runStore: RunStore;
  /** Started by the caller. */
  readonly planner: RunPlanner;
  readonly tokens: readonly ApiToken[];
  /** Drive id → label, position, group. */
  readonly driveLayout?: Readonly<Record<string, DriveLayoutEntry>>;
  /** Upload limit in bytes (default: the library's). */
  readonly maxUploadBytes?: number;
  /** An agent without a heartbeat for this long is offline, and so are its drives. Default 15000. */
  readonly agentTimeoutMs?: number;
  /** A drive no agent has reported for this long (by Redis's clock) leaves the live list. Default 1 h. */
  readonly driveForgetMs?: number;
  /** How long an eject waits for the agent's reply. Default 30000. */
  readonly commandTimeoutMs?: number;
  /** Clock (epoch ms). Default `Date.now`. */
  readonly now?: () => number;
  /** Reported by `/api/health`. */
  readonly version?: string;
  /** Folder of the operator UI's static export (apps/ui/out), served at `/` without auth; omitted: no UI. */
  readonly uiDir?: string;
  /** Limits of the per-client failed-authentication throttle (API and feed). Default: 10 failures a minute, then 429 for a minute. */
  readonly authThrottle?: AuthThrottleOptions;
  /** Where alerts go (tower.json `alerts`); default: the screen only. */
  readonly alerts?: AlertsConfig;
  /** Between two looks of the alert engine, ms. Default 1000. */
  readonly alertTickMs?: number;
  /** `GET /metrics` (tower.json `metrics`); default: served, no token needed. */
  readonly metrics?: MetricsConfig;
  /** Shifts and time zone of the production report (tower.json `reports`); default: the default shifts, the controller's zone. */
  readonly reports?: ReportsConfig;
  /** The CUPS queue disc labels go to (tower.json `printing`); absent or null: no printing. */
  readonly printing?: PrintingConfig | null;
  /** Where the app writes its event lines (failed authentications). Default: warnings on `logger`, else a line on stderr. */
  readonly log?: (line: string) => void;
  /** The process's logger (pino): Fastify's, one line per request without tokens (api/request-log.ts). Default: no request lines. */
  readonly logger?: FastifyBaseLogger;
}
