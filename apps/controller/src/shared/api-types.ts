/**
 * The controller's HTTP API and live feed, as types only. Shared by the
 * controller, the `tower` CLI and the operator UI; no runtime code here.
 *
 * Every route is under `/api`. Auth: `Authorization: Bearer <token>`; a
 * token has the role `viewer` (read-only) or `operator` (everything). Errors
 * are `ApiErrorBody` with a 4xx/5xx status: 400 invalid input, 401 missing or
 * unknown token, 403 viewer on a mutating call, 404 unknown id, 409 state
 * conflict (image in use, run already finished), 413 upload too large.
 *
 * | method & path                         | role     | body / query            | response              |
 * |---------------------------------------|----------|-------------------------|-----------------------|
 * | GET    /api/health                    | none     |                         | HealthView            |
 * | GET    /api/openapi.json              | none     |                         | OpenAPI 3 document    |
 * | GET    /api/whoami                    | viewer   |                         | WhoAmI                |
 * | GET    /api/drives                    | viewer   |                         | DriveView[]           |
 * | GET    /api/drives/:id                | viewer   |                         | DriveDetail           |
 * | POST   /api/drives/:id/eject          | operator |                         | DriveView             |
 * | POST   /api/drives/:id/quarantine     | operator | QuarantineRequest       | DriveView             |
 * | POST   /api/drives/:id/release        | operator |                         | DriveView             |
 * | GET    /api/agents                    | viewer   |                         | AgentView[]           |
 * | GET    /api/images                    | viewer   |                         | ImageView[]           |
 * | GET    /api/images/:id                | viewer   |                         | ImageView             |
 * | POST   /api/images/import             | operator | ImportRequest           | ImageView (201)       |
 * | POST   /api/images/upload?name=       | operator | raw bytes (octet-stream)| ImageView (201)       |
 * | PATCH  /api/images/:id                | operator | RenameRequest           | ImageView             |
 * | DELETE /api/images/:id                | operator |                         | 204                   |
 * | POST   /api/masters                   | operator | MasterRequest           | MasterView (202)      |
 * | GET    /api/masters                   | viewer   |                         | MasterView[]          |
 * | GET    /api/masters/:id               | viewer   |                         | MasterView            |
 * | GET    /api/runs                      | viewer   | RunsQuery               | RunView[]             |
 * | POST   /api/runs                      | operator | CreateRunRequest        | RunView (201)         |
 * | GET    /api/runs/:id                  | viewer   |                         | RunView               |
 * | POST   /api/runs/:id/pause            | operator |                         | RunView               |
 * | POST   /api/runs/:id/resume           | operator |                         | RunView               |
 * | POST   /api/runs/:id/cancel           | operator | CancelRunRequest        | RunView               |
 * | GET    /api/runs/:id/report           | viewer   | ?format=json|csv        | RunReport or CSV      |
 * | GET    /api/history                   | viewer   | HistoryQuery            | AttemptView[] or CSV  |
 * | GET    /api/stats/drives              | viewer   |                         | DriveStats[]          |
 * | GET    /api/audit                     | operator | ?limit=                 | AuditEntry[]          |
 * | GET    /api/screens                   | operator |                         | ScreenView[]          |
 * | POST   /api/screens/pairing           | operator | PairScreenRequest       | ScreenPairing (201)   |
 * | POST   /api/screens/claim             | none     | ClaimScreenRequest      | ScreenClaim (201)     |
 * | DELETE /api/screens/:id               | operator |                         | 204                   |
 *
 * Wall screens pair instead of carrying a token in their URL: an operator
 * makes a pairing code for a named screen (valid 10 minutes, once); the
 * screen's page posts it to `/api/screens/claim` (no token needed; wrong
 * codes count as failed authentications of the client, 401
 * INVALID_PAIRING_CODE, and 429 TOO_MANY_ATTEMPTS after 10 a minute) and
 * gets a screen token (role viewer) it keeps in its storage. Deleting the
 * screen revokes the token at once: its requests get 401 and its feed
 * connections are closed (`feed:error` REVOKED).
 */

export type Role = 'viewer' | 'operator';

export interface ApiErrorBody {
  readonly error: {
    /** Stable code: INVALID_INPUT, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE, or a drive/library error code. */
    readonly code: string;
    readonly message: string;
    /** The request field at fault, for INVALID_INPUT. */
    readonly field?: string;
    /** A run control conflict (409): the state the run was found in (queued, running, paused, cancelling, completed, failed, cancelled). */
    readonly state?: string;
  };
}

export interface HealthView {
  readonly ok: boolean;
  readonly version: string;
  readonly redis: 'up' | 'down';
  readonly uptimeSeconds: number;
}

export interface WhoAmI {
  readonly name: string;
  readonly role: Role;
}

/** Drive states, as the UI shows them (DESIGN.md). */
export type DriveStateName =
  | 'offline' | 'empty' | 'blank' | 'burning' | 'verifying' | 'done' | 'failed' | 'wrong-media' | 'quarantined' | 'busy';

/** One drive on the tower screen. `id` is the drive's stable id (by-path, stdio path or sim:N). */
export interface DriveView {
  readonly id: string;
  readonly agentId: string;
  /** Operator's label and position in the tower (config); position orders tiles within an agent. */
  readonly label: string;
  readonly position: number;
  readonly state: DriveStateName;
  readonly mediaType: string | null;
  readonly percent: number | null;
  readonly speedX: number | null;
  readonly speedMBps: number | null;
  readonly etaSeconds: number | null;
  readonly bufferPercent: number | null;
  readonly runId: string | null;
  readonly copy: number | null;
  /** What a person must do, in words, for states that need one. */
  readonly message: string | null;
  readonly needsAttention: boolean;
  readonly passed: number;
  readonly failed: number;
  readonly quarantine: { readonly reason: string; readonly at: number; readonly by: string } | null;
  readonly updatedAt: number;
}

export interface DriveStats {
  readonly driveId: string;
  readonly discs: number;
  readonly passed: number;
  readonly failed: number;
  readonly failureRate: number;
  readonly totalBytes: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  readonly quarantineHistory: readonly { readonly reason: string; readonly at: number; readonly by: string; readonly releasedAt?: number; readonly releasedBy?: string }[];
}

export interface DriveDetail extends DriveView {
  readonly stats: DriveStats;
  readonly recentAttempts: readonly AttemptView[];
}

export interface QuarantineRequest {
  /** Why, in words (1..500 characters). */
  readonly reason: string;
}

export interface AgentView {
  readonly id: string;
  readonly host: string;
  readonly online: boolean;
  readonly lastHeartbeat: number;
  readonly driveIds: readonly string[];
}

export interface ImageView {
  readonly id: string;
  readonly name: string;
  readonly format: 'iso' | 'cue';
  readonly sizeBytes: number;
  readonly sectors: number;
  readonly sha256: string;
  readonly volumeLabel: string | null;
  readonly filesystems: readonly string[];
  readonly mediaSizes: readonly string[];
  readonly mediaClass: string | null;
  readonly tracks: readonly { readonly number: number; readonly mode: string; readonly startSector: number; readonly sectors: number }[];
  readonly provenance: { readonly kind: string; readonly detail: string; readonly at: string };
  readonly damaged: boolean;
  readonly damage: readonly { readonly startSector: number; readonly sectors: number }[];
  readonly inUse: boolean;
  readonly createdAt: string;
}

export interface ImportRequest {
  /** Server-side path, inside a configured import root. */
  readonly path: string;
  readonly name?: string;
}

export interface RenameRequest {
  readonly name: string;
}

export interface MasterRequest {
  readonly driveId: string;
  readonly name: string;
  /** Default: chosen from the disc (ISO for one data track, BIN/CUE otherwise). */
  readonly format?: 'iso' | 'bin-cue';
  /** Accept a master with unreadable sectors into the library (marked damaged). Default false. */
  readonly allowDamaged?: boolean;
  /** Re-reads of each bad sector (0..20). Default 3. */
  readonly retries?: number;
}

export interface MasterView {
  readonly id: string;
  readonly driveId: string;
  readonly name: string;
  readonly status: 'queued' | 'reading' | 'done' | 'failed' | 'cancelled';
  readonly bytesRead: number;
  readonly bytesTotal: number;
  readonly speedMBps: number | null;
  readonly etaSeconds: number | null;
  readonly unreadableSectors: number;
  readonly damage: readonly { readonly startSector: number; readonly sectors: number }[];
  readonly imageId: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

export type VerifyPolicyInput = 'all' | 'first-per-drive' | 'off' | { readonly everyNth: number };

export interface CreateRunRequest {
  readonly imageId: string;
  /** Good copies wanted: integer 1..10000. */
  readonly copies: number;
  /** Default 'all'. */
  readonly verify?: VerifyPolicyInput;
  /** Write speed in x (1..100); default the drives' maximum. */
  readonly speed?: number;
  /** Test burn before each real one. Default false. */
  readonly dummyFirst?: boolean;
  /** Drive ids or group names that may take part; default all. */
  readonly drives?: readonly string[];
  /** 1 (first) .. 1000; default 100. */
  readonly priority?: number;
  /** Label text for the report (0..200 characters). */
  readonly label?: string;
  /** Attempts per copy before it is replaced (1..10). Default 3. */
  readonly maxAttemptsPerCopy?: number;
  /**
   * Blank media class the copies go on (`cd`, `dvd`, `dvd-dl`, `bd`, `bd-dl`).
   * Default: the smallest class the image fits among those the tower's drives
   * hold blanks of now, else the smallest class it fits.
   */
  readonly media?: 'cd' | 'dvd' | 'dvd-dl' | 'bd' | 'bd-dl';
}

export interface CancelRunRequest {
  /** Burns in flight: let them finish (reported as cancelled or surplus) or stop them now. Default 'cancel'. */
  readonly inFlight?: 'cancel' | 'finish';
}

export type RunStatusName = 'queued' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export interface RunView {
  readonly id: string;
  readonly imageId: string;
  readonly imageName: string;
  readonly label: string | null;
  readonly mediaClass: string;
  readonly copies: number;
  readonly status: RunStatusName;
  readonly statusReason: string | null;
  readonly verify: string;
  readonly priority: number;
  readonly passed: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly remaining: number;
  readonly surplus: number;
  readonly cancelled: number;
  readonly interrupted: number;
  /** Good discs per hour since the run started. */
  readonly discsPerHour: number | null;
  readonly etaSeconds: number | null;
  readonly createdAt: number;
  readonly completedAt: number | null;
  readonly createdBy: string;
}

export type AttemptOutcomeName = 'passed' | 'failed' | 'cancelled' | 'interrupted';

export interface AttemptView {
  readonly id: string;
  readonly runId: string;
  readonly copy: number;
  readonly driveId: string;
  /** What the operator called the drive when the attempt began (for a real drive: kernel name, vendor and model); null in older history. */
  readonly driveLabel: string | null;
  readonly agentId: string;
  readonly mediaType: string | null;
  readonly imageSha256: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly bytes: number | null;
  readonly averageSpeedX: number | null;
  readonly verifyPolicy: string;
  readonly verifyResult: string | null;
  /** null while open. */
  readonly outcome: AttemptOutcomeName | null;
  readonly counted: boolean;
  readonly surplus: boolean;
  readonly error: { readonly code: string; readonly message: string; readonly output?: string } | null;
}

export interface HistoryQuery {
  readonly runId?: string;
  readonly driveId?: string;
  readonly outcome?: AttemptOutcomeName;
  /** Epoch ms, inclusive. */
  readonly from?: number;
  readonly to?: number;
  readonly format?: 'json' | 'csv';
  readonly limit?: number;
}

/**
 * A page of `GET /api/runs`, newest first (by creation time, then id).
 * Without `limit`, every run matching `status` comes back. The response
 * carries the number of runs matching `status` in the `X-Total-Count`
 * header. Offsets count from the newest run: a run that finishes between
 * two page requests can appear on two pages, never on none (finished runs
 * do not leave the finished set).
 */
export interface RunsQuery {
  /** `active`: queued, running or paused; `finished`: completed, cancelled or failed; `all` (default). */
  readonly status?: 'all' | 'active' | 'finished';
  /** Runs to skip, 0..1000000. Default 0. */
  readonly offset?: number;
  /** Largest page, 1..1000. Default: no limit. */
  readonly limit?: number;
}

export interface RunReport {
  readonly run: RunView;
  readonly attempts: readonly AttemptView[];
  readonly generatedAt: number;
}

/** A wall screen: paired (it holds a screen token, role viewer), or pending (its pairing code not used yet). */
export interface ScreenView {
  /** `scr-` and 10 hex digits. */
  readonly id: string;
  readonly name: string;
  readonly status: 'pending' | 'paired';
  readonly createdAt: number;
  /** The operator who made the pairing code. */
  readonly createdBy: string;
  /** When the pairing code expires (pending only, else null). */
  readonly expiresAt: number | null;
  readonly pairedAt: number | null;
}

export interface PairScreenRequest {
  /** The screen's name: 1..64 letters, digits, spaces and . _ - (starting with a letter or digit). */
  readonly name: string;
}

/** A new pairing code: shown once, only its digest is kept. */
export interface ScreenPairing {
  readonly screen: ScreenView;
  /** 8 characters as `ABCD-EFGH` (no 0, O, 1, I, L); typed in any case, with or without the dash. */
  readonly code: string;
  readonly expiresAt: number;
}

export interface ClaimScreenRequest {
  /** The pairing code. */
  readonly code: string;
}

/** A claimed pairing code: the screen's own token. Keep it in the screen's storage; send it as the bearer token and the feed's `auth.token`. */
export interface ScreenClaim {
  readonly token: string;
  readonly id: string;
  readonly name: string;
  readonly role: 'viewer';
}

export interface AuditEntry {
  readonly at: number;
  readonly who: string;
  readonly role: Role;
  readonly action: string;
  readonly target: string;
  readonly detail: string;
}

/**
 * Live feed (socket.io, path `/socket.io`, handshake `auth: { token }`).
 *
 * Limits: at most 20 connections per token at once (one more is refused;
 * its `connect_error` carries `data.code` `TOO_MANY_CONNECTIONS`). Events a
 * client sends are rate-limited per connection (a burst of 10, then 2 a
 * second; the excess is dropped); a connection that keeps sending far beyond
 * that (more than a burst of 100, or over 10 a second) gets `feed:error`
 * `RATE_LIMITED` and is disconnected. `snapshot:request`s that arrive while
 * a snapshot for the connection is being built or is still being written
 * out are answered by one snapshot after it.
 */
export interface FeedSnapshot {
  readonly drives: readonly DriveView[];
  /**
   * The active runs (queued, running, paused), all of them, then the newest
   * finished runs (at most 20, by creation time), newest first within each.
   * Older finished runs are paged through `GET /api/runs?status=finished`.
   */
  readonly runs: readonly RunView[];
  /**
   * How many finished runs exist beyond those in `runs` (0: `runs` holds
   * every run). Always sent by this controller; absent from older ones.
   */
  readonly olderRuns?: number;
  readonly agents: readonly AgentView[];
  readonly masters: readonly MasterView[];
  readonly at: number;
}

/** Why the controller is about to close a feed connection (sent just before it does). */
export interface FeedError {
  /** `RATE_LIMITED`: the client sent events far faster than allowed; `REVOKED`: the screen's token was revoked. */
  readonly code: string;
  readonly message: string;
}

/** A drive's changed fields only, plus its id. */
export type DriveDelta = Pick<DriveView, 'id'> & Partial<Omit<DriveView, 'id'>>;

/**
 * Events the controller sends.
 *
 * `drive:updates` carries drive deltas, in order: each the fields of one
 * drive changed since that drive's previous delta. The deltas produced in
 * one turn of the controller's event loop go out as one event (one
 * WebSocket frame), not one frame per drive; apply them in array order.
 * A change of `state` or of any field other than the progress fields
 * (`percent`, `speedX`, `speedMBps`, `etaSeconds`, `bufferPercent`,
 * `updatedAt`) goes at once, never held, dropped or merged away.
 * Progress-only deltas are throttled per drive to one per 250 ms (the
 * feed interval) of the agent's time (`updatedAt`, when the agent published
 * the event): a tick is sent at once when its `updatedAt` is at least 250 ms
 * after the previous progress delta's, else held (the newest replaces it)
 * until 250 ms have passed on the controller's clock; never two within
 * 125 ms of each other. State changes neither wait for nor reset that
 * throttle. The newest values always arrive, at most 250 ms late.
 */
export interface ServerToClientEvents {
  snapshot: (snapshot: FeedSnapshot) => void;
  'drive:updates': (deltas: DriveDelta[]) => void;
  'run:update': (run: RunView) => void;
  'attempt:end': (attempt: AttemptView) => void;
  'agent:update': (agent: AgentView) => void;
  'master:update': (master: MasterView) => void;
  /** The controller closes this connection next, for this reason. */
  'feed:error': (error: FeedError) => void;
}

/**
 * Events a client may send: only a request for a fresh snapshot (everything
 * that changes state goes through the REST API). Rate-limited: see
 * {@link FeedSnapshot}. A client needs one request after a reconnect, not
 * one per event it cannot place.
 */
export interface ClientToServerEvents {
  'snapshot:request': () => void;
}
