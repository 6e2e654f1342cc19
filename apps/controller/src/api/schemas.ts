/**
 * TypeBox schemas of every request part (validated) and of the views (for
 * the OpenAPI document). They mirror `src/shared/api-types.ts`.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { TSchema } from '@fastify/type-provider-typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const obj = { additionalProperties: false } as const;

/** Image ids as the library makes them. */
export const ImageId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{2,63}$', description: 'image id' });
/** Run ids (UUIDs, or ids a caller chose). */
export const RunId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$', description: 'run id' });
/** Drive ids: by-path names, `stdio:` paths, `sim:N`. */
export const DriveId = Type.String({ pattern: '^[A-Za-z0-9:._/+@=,-]{1,256}$', description: 'drive id' });
/** Master ids. */
export const MasterId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$', description: 'master id' });

/** Wall-screen ids. */
export const ScreenId = Type.String({ pattern: '^scr-[0-9a-f]{10}$', description: 'screen id' });

export const IdParams = (id: typeof ImageId) => Type.Object({ id }, obj);

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    state: Type.Optional(Type.String({ description: 'a run control conflict (409): the state the run was found in (queued, running, paused, cancelling, completed, failed, cancelled)' })),
  }),
}, { title: 'ApiErrorBody' });

export const VerifyPolicyInput = Type.Union([
  Type.Literal('all'),
  Type.Literal('first-per-drive'),
  Type.Literal('off'),
  Type.Object({ everyNth: Type.Integer({ minimum: 1, maximum: 1000 }) }, obj),
], { description: "'all' (default), 'first-per-drive', 'off' or { everyNth: n }" });

export const CreateRunRequest = Type.Object({
  imageId: ImageId,
  copies: Type.Integer({ minimum: 1, maximum: 10000, description: 'good copies wanted' }),
  verify: Type.Optional(VerifyPolicyInput),
  speed: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'write speed in x' })),
  dummyFirst: Type.Optional(Type.Boolean()),
  drives: Type.Optional(Type.Array(DriveId, { minItems: 1, maxItems: 1000, description: 'drive ids or group names' })),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: '1 runs first; default 100' })),
  label: Type.Optional(Type.String({ maxLength: 200 })),
  maxAttemptsPerCopy: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  media: Type.Optional(Type.Union(['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'].map((c) => Type.Literal(c)), {
    description: 'blank media class the copies go on; default the smallest class the image fits that the tower\'s drives hold',
  })),
}, { ...obj, title: 'CreateRunRequest' });

/** Marks a body schema whose body may be left out. */
export const OPTIONAL_BODY = 'x-optional-body';

export const CancelRunRequest = Type.Object({
  inFlight: Type.Optional(Type.Union([Type.Literal('cancel'), Type.Literal('finish')])),
}, { ...obj, title: 'CancelRunRequest', [OPTIONAL_BODY]: true, description: 'optional body' });

export const QuarantineRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { ...obj, title: 'QuarantineRequest' });

export const ImportRequest = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096, description: 'server-side path inside an import root' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { ...obj, title: 'ImportRequest' });

/** Marks a body schema that documents a raw stream and is not validated. */
export const RAW_BODY = 'x-raw-body';

/** The upload body: the image's bytes. */
export const UploadBody = Type.Unsafe<unknown>({ type: 'string', format: 'binary', [RAW_BODY]: true, description: 'the ISO image, streamed' });

export const UploadQuery = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
}, obj);

export const RenameRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
}, { ...obj, title: 'RenameRequest' });

export const MasterRequest = Type.Object({
  driveId: DriveId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  format: Type.Optional(Type.Union([Type.Literal('iso'), Type.Literal('bin-cue')])),
  allowDamaged: Type.Optional(Type.Boolean()),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
}, { ...obj, title: 'MasterRequest' });

export const ReportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
}, obj);

export const HistoryQuery = Type.Object({
  runId: Type.Optional(RunId),
  driveId: Type.Optional(DriveId),
  outcome: Type.Optional(Type.Union(['passed', 'failed', 'cancelled', 'interrupted'].map((o) => Type.Literal(o)))),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'default 1000' })),
}, obj);

/** Largest page of `GET /api/runs`. */
export const RUNS_MAX_LIMIT = 1000;

export const RunsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('active'), Type.Literal('finished')], {
    description: 'active: queued, running or paused; finished: completed, cancelled or failed; default all',
  })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'runs to skip, newest first; default 0' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: RUNS_MAX_LIMIT, description: 'largest page; default no limit' })),
}, { ...obj, title: 'RunsQuery' });

export const AuditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'default 100' })),
}, obj);

export const PairScreenRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$', description: "the screen's name, e.g. wall-1" }),
}, { ...obj, title: 'PairScreenRequest' });

export const ClaimScreenRequest = Type.Object({
  code: Type.String({ minLength: 8, maxLength: 9, pattern: '^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$', description: 'the pairing code, e.g. ABCD-EFGH' }),
}, { ...obj, title: 'ClaimScreenRequest' });

// ---- views (documentation) ----

const Range = Type.Object({ startSector: Type.Integer(), sectors: Type.Integer() });

export const HealthView = Type.Object({
  ok: Type.Boolean(), version: Type.String(), redis: Type.Union([Type.Literal('up'), Type.Literal('down')]), uptimeSeconds: Type.Number(),
}, { title: 'HealthView' });

export const WhoAmI = Type.Object({ name: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('operator')]) }, { title: 'WhoAmI' });

const DriveStateName = Type.Union(
  ['offline', 'empty', 'blank', 'burning', 'verifying', 'done', 'failed', 'wrong-media', 'quarantined', 'busy'].map((s) => Type.Literal(s)),
);

const driveViewProps = {
  id: Type.String(), agentId: Type.String(), label: Type.String(), position: Type.Number(), state: DriveStateName,
  mediaType: Nullable(Type.String()), percent: Nullable(Type.Number()), speedX: Nullable(Type.Number()), speedMBps: Nullable(Type.Number()),
  etaSeconds: Nullable(Type.Number()), bufferPercent: Nullable(Type.Number()), runId: Nullable(Type.String()), copy: Nullable(Type.Integer()),
  message: Nullable(Type.String()), needsAttention: Type.Boolean(), passed: Type.Integer(), failed: Type.Integer(),
  quarantine: Nullable(Type.Object({ reason: Type.String(), at: Type.Number(), by: Type.String() })),
  updatedAt: Type.Number(),
};
export const DriveView = Type.Object(driveViewProps, { title: 'DriveView' });

export const DriveStats = Type.Object({
  driveId: Type.String(), discs: Type.Integer(), passed: Type.Integer(), failed: Type.Integer(), failureRate: Type.Number(), totalBytes: Type.Number(),
  lastError: Nullable(Type.Object({ code: Type.String(), message: Type.String(), at: Type.Number() })),
  quarantineHistory: Type.Array(Type.Object({
    reason: Type.String(), at: Type.Number(), by: Type.String(), releasedAt: Type.Optional(Type.Number()), releasedBy: Type.Optional(Type.String()),
  })),
}, { title: 'DriveStats' });

export const AttemptView = Type.Object({
  id: Type.String(), runId: Type.String(), copy: Type.Integer(), driveId: Type.String(), driveLabel: Nullable(Type.String()), agentId: Type.String(),
  mediaType: Nullable(Type.String()), imageSha256: Type.String(), startedAt: Type.Number(), endedAt: Nullable(Type.Number()), bytes: Nullable(Type.Number()),
  averageSpeedX: Nullable(Type.Number()), verifyPolicy: Type.String(), verifyResult: Nullable(Type.String()),
  outcome: Nullable(Type.Union(['passed', 'failed', 'cancelled', 'interrupted'].map((o) => Type.Literal(o)))),
  counted: Type.Boolean(), surplus: Type.Boolean(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), output: Type.Optional(Type.String()) })),
}, { title: 'AttemptView' });

export const DriveDetail = Type.Object({
  ...driveViewProps, stats: DriveStats, recentAttempts: Type.Array(AttemptView),
}, { title: 'DriveDetail' });

export const AgentView = Type.Object({
  id: Type.String(), host: Type.String(), online: Type.Boolean(), lastHeartbeat: Type.Number(), driveIds: Type.Array(Type.String()),
}, { title: 'AgentView' });

export const ImageView = Type.Object({
  id: Type.String(), name: Type.String(), format: Type.Union([Type.Literal('iso'), Type.Literal('cue')]), sizeBytes: Type.Number(),
  sectors: Type.Integer(), sha256: Type.String(), volumeLabel: Nullable(Type.String()), filesystems: Type.Array(Type.String()),
  mediaSizes: Type.Array(Type.String()), mediaClass: Nullable(Type.String()),
  tracks: Type.Array(Type.Object({ number: Type.Integer(), mode: Type.String(), startSector: Type.Integer(), sectors: Type.Integer() })),
  provenance: Type.Object({ kind: Type.String(), detail: Type.String(), at: Type.String() }),
  damaged: Type.Boolean(), damage: Type.Array(Range), inUse: Type.Boolean(), createdAt: Type.String(),
}, { title: 'ImageView' });

export const MasterView = Type.Object({
  id: Type.String(), driveId: Type.String(), name: Type.String(),
  status: Type.Union(['queued', 'reading', 'done', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  bytesRead: Type.Number(), bytesTotal: Type.Number(), speedMBps: Nullable(Type.Number()), etaSeconds: Nullable(Type.Number()),
  unreadableSectors: Type.Integer(), damage: Type.Array(Range), imageId: Nullable(Type.String()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })), startedAt: Type.Number(), endedAt: Nullable(Type.Number()),
}, { title: 'MasterView' });

export const RunView = Type.Object({
  id: Type.String(), imageId: Type.String(), imageName: Type.String(), label: Nullable(Type.String()), mediaClass: Type.String(),
  copies: Type.Integer(), status: Type.Union(['queued', 'running', 'paused', 'completed', 'cancelled', 'failed'].map((s) => Type.Literal(s))),
  statusReason: Nullable(Type.String()), verify: Type.String(), priority: Type.Integer(), passed: Type.Integer(), failed: Type.Integer(),
  inProgress: Type.Integer(), remaining: Type.Integer(), surplus: Type.Integer(), cancelled: Type.Integer(), interrupted: Type.Integer(),
  discsPerHour: Nullable(Type.Number()), etaSeconds: Nullable(Type.Number()), createdAt: Type.Number(), completedAt: Nullable(Type.Number()),
  createdBy: Type.String(),
}, { title: 'RunView' });

export const RunReport = Type.Object({ run: RunView, attempts: Type.Array(AttemptView), generatedAt: Type.Number() }, { title: 'RunReport' });

export const ScreenView = Type.Object({
  id: Type.String(), name: Type.String(), status: Type.Union([Type.Literal('pending'), Type.Literal('paired')]),
  createdAt: Type.Number(), createdBy: Type.String(), expiresAt: Nullable(Type.Number()), pairedAt: Nullable(Type.Number()),
}, { title: 'ScreenView' });

export const ScreenPairing = Type.Object({ screen: ScreenView, code: Type.String(), expiresAt: Type.Number() }, { title: 'ScreenPairing' });

export const ScreenClaim = Type.Object({
  token: Type.String(), id: Type.String(), name: Type.String(), role: Type.Literal('viewer'),
}, { title: 'ScreenClaim' });

export const AuditEntry = Type.Object({
  at: Type.Number(), who: Type.String(), role: Type.String(), action: Type.String(), target: Type.String(), detail: Type.String(),
}, { title: 'AuditEntry' });

/**
 * Response schemas of a route, for the document only: typed `unknown` so the
 * handlers' return types come from api-types.ts, and not serialised by them
 * (the app's serializer is JSON.stringify).
 */
export function doc(ok: Record<number, TSchema>, ...errorCodes: number[]): Record<number, unknown> {
  return { ...ok, ...Object.fromEntries(errorCodes.map((c) => [c, ErrorBody])) };
}
