/**
 * The controller's HTTP API and live feed, as types only. Shared by the
 * controller, the `tower` CLI and the operator UI; no runtime code here.
 * The request and view types are those of the TypeBox schemas the routes
 * declare (`request-schemas.ts`, `view-schemas.ts`: documented there),
 * read-only throughout; only the feed's events are written out here.
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
 * | POST   /api/drives/:id/insert         | operator | InsertDiscRequest       | DriveView             |
 * | POST   /api/drives/:id/loader/blanks  | operator | LoadBlanksRequest       | DriveView             |
 * | POST   /api/drives/:id/loader/empty-rejects | operator |                   | DriveView             |
 * | GET    /api/agents                    | viewer   |                         | AgentView[]           |
 * | GET    /api/images                    | viewer   |                         | ImageView[]           |
 * | GET    /api/images/:id                | viewer   |                         | ImageView             |
 * | POST   /api/images/import             | operator | ImportRequest           | ImageView (201)       |
 * | POST   /api/images/upload?name=       | operator | raw bytes (octet-stream)| ImageView (201)       |
 * | POST   /api/images/:id/scan           | operator |                         | ImageView             |
 * | POST   /api/images/:id/compress       | operator |                         | ImageView             |
 * | POST   /api/images/:id/decompress     | operator |                         | ImageView             |
 * | PATCH  /api/images/:id                | operator | RenameRequest           | ImageView             |
 * | DELETE /api/images/:id                | operator |                         | 204                   |
 * | POST   /api/images/build              | operator | ImageBuildRequest       | ImageBuildView (202)  |
 * | GET    /api/image-builds              | viewer   |                         | ImageBuildView[]      |
 * | GET    /api/image-builds/:id          | viewer   |                         | ImageBuildView        |
 * | POST   /api/masters                   | operator | MasterRequest           | MasterView (202)      |
 * | GET    /api/masters                   | viewer   |                         | MasterView[]          |
 * | GET    /api/masters/:id               | viewer   |                         | MasterView            |
 * | GET    /api/runs                      | viewer   | RunsQuery               | RunView[]             |
 * | POST   /api/runs                      | operator | CreateRunRequest        | RunView (201)         |
 * | GET    /api/runs/:id                  | viewer   | RunQuery (long poll)    | RunView               |
 * | POST   /api/runs/:id/pause            | operator |                         | RunView               |
 * | POST   /api/runs/:id/resume           | operator |                         | RunView               |
 * | POST   /api/runs/:id/cancel           | operator | CancelRunRequest        | RunView               |
 * | GET    /api/runs/:id/report           | viewer   | ?format=json|csv        | RunReport or CSV      |
 * | POST   /api/runs/:id/again            | operator |                         | RunView (201)         |
 * | GET    /api/templates                 | viewer   |                         | TemplateView[]        |
 * | GET    /api/templates/:name           | viewer   |                         | TemplateView          |
 * | PUT    /api/templates/:name           | operator | TemplateRequest         | TemplateView (201/200)|
 * | DELETE /api/templates/:name           | operator |                         | 204                   |
 * | POST   /api/templates/:name/run       | operator | TemplateRunRequest      | RunView (201)         |
 * | GET    /api/history                   | viewer   | HistoryQuery            | AttemptView[] or CSV  |
 * | GET    /api/stats/drives              | viewer   |                         | DriveStats[]          |
 * | GET    /api/audit                     | operator | AuditQuery              | AuditEntry[]          |
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

import type { Static, TSchema } from 'typebox';
import type * as Req from './request-schemas.js';
import type * as View from './view-schemas.js';

/** `T` with every property and array read-only, however deep. */
export type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The type of the values a schema accepts, read-only throughout. */
export type ApiType<S extends TSchema> = DeepReadonly<Static<S>>;

export type Role = ApiType<typeof View.Role>;
export type ApiErrorBody = ApiType<typeof View.ErrorBody>;
export type HealthView = ApiType<typeof View.HealthView>;
export type WhoAmI = ApiType<typeof View.WhoAmI>;
export type DriveStateName = ApiType<typeof View.DriveStateName>;
export type DriveView = ApiType<typeof View.DriveView>;
export type DriveStats = ApiType<typeof View.DriveStats>;
export type DriveDetail = ApiType<typeof View.DriveDetail>;
export type AgentView = ApiType<typeof View.AgentView>;
export type ImageView = ApiType<typeof View.ImageView>;
export type MasterView = ApiType<typeof View.MasterView>;
export type RunStatusName = ApiType<typeof View.RunStatusName>;
export type RunView = ApiType<typeof View.RunView>;
export type AttemptOutcomeName = ApiType<typeof Req.AttemptOutcomeName>;
export type AttemptView = ApiType<typeof View.AttemptView>;
export type RunReport = ApiType<typeof View.RunReport>;
export type ScreenView = ApiType<typeof View.ScreenView>;
export type ScreenPairing = ApiType<typeof View.ScreenPairing>;
export type ScreenClaim = ApiType<typeof View.ScreenClaim>;
export type AuditEntry = ApiType<typeof View.AuditEntry>;

export type QuarantineRequest = ApiType<typeof Req.QuarantineRequest>;
export type LoadBlanksRequest = ApiType<typeof Req.LoadBlanksRequest>;
export type ImportRequest = ApiType<typeof Req.ImportRequest>;
export type RenameRequest = ApiType<typeof Req.RenameRequest>;
export type MasterRequest = ApiType<typeof Req.MasterRequest>;
export type InsertDiscRequest = ApiType<typeof Req.InsertDiscRequest>;
export type VerifyPolicyInput = ApiType<typeof Req.VerifyPolicyInput>;
export type CreateRunRequest = ApiType<typeof Req.CreateRunRequest>;
export type CancelRunRequest = ApiType<typeof Req.CancelRunRequest>;
export type HistoryQuery = ApiType<typeof Req.HistoryQuery>;
export type RunsQuery = ApiType<typeof Req.RunsQuery>;
export type RunQuery = ApiType<typeof Req.RunQuery>;
export type PairScreenRequest = ApiType<typeof Req.PairScreenRequest>;
export type ClaimScreenRequest = ApiType<typeof Req.ClaimScreenRequest>;

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
  /**
   * Attempts that ended, in the order they ended: those the controller
   * learned of in one turn of its event loop go out as one event (one
   * WebSocket frame), as drive deltas do; a burst of drives ending their
   * discs at once is one frame, not one per disc.
   */
  'attempt:ends': (attempts: AttemptView[]) => void;
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
