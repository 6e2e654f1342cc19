/**
 * TypeBox schemas of what a client sends the API: ids in paths, request
 * bodies and query strings. The routes validate against them, the OpenAPI
 * document shows them, and `api-types.ts` derives the request types from
 * them (`Static`), so they are the one definition of each request.
 */
import { Type } from 'typebox';
import { RECORDABLE_MEDIA_TYPES } from 'node-cdrecord-wrapper/media';
import { MERGE_CSV_MAX_BYTES } from './merge-csv.js';
import { LabelMergeInput, RunCdTextInput } from './run-text-schemas.js';

const obj = { additionalProperties: false } as const;

/** Image ids as the library makes them. */
export const ImageId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{2,63}$', description: 'image id' });
/** Run ids (UUIDs, or ids a caller chose). */
export const RunId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$', description: 'run id' });
/** Drive ids: by-path names, `stdio:` paths, `sim:N`. */
export const DriveId = Type.String({ pattern: '^[A-Za-z0-9:._/+@=,-]{1,256}$', description: 'drive id' });
/** Master ids. */
export const MasterId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$', description: 'master id' });
/** Wall-screen ids: `scr-` and 10 hex digits. */
export const ScreenId = Type.String({ pattern: '^scr-[0-9a-f]{10}$', description: 'screen id' });

/** Marks a body schema whose body may be left out (see app.ts). */
export const OPTIONAL_BODY = 'x-optional-body';

/** How many copies are verified: 'all' (default), 'first-per-drive', 'off' or every n-th. */
export const VerifyPolicyInput = Type.Union([
  Type.Literal('all'),
  Type.Literal('first-per-drive'),
  Type.Literal('off'),
  Type.Object({ everyNth: Type.Integer({ minimum: 1, maximum: 1000 }) }, obj),
], { description: "'all' (default), 'first-per-drive', 'off' or { everyNth: n }" });

/** Blank media classes a run's copies may go on. */
export const MediaClassInput = Type.Union([
  Type.Literal('cd'), Type.Literal('dvd'), Type.Literal('dvd-dl'), Type.Literal('bd'), Type.Literal('bd-dl'),
], { description: 'blank media class the copies go on; default the smallest class the image fits that the tower\'s drives hold' });

/** Who a run is made for, printed on its certificate: each field optional. */
export const RunCustomerInput = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'customer name' })),
  order: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'order or job number' })),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the customer\'s reference, a contact' })),
}, { ...obj, title: 'RunCustomer' });

/**
 * Per-disc data, `serials` or `csv`: serial numbers, one per copy (copy k
 * gets `first + k - 1`), written on each disc as a file of its own (default
 * `/SERIAL.TXT`); or a CSV's text, one row per copy (row k on copy k;
 * shared/merge-csv.ts), whose `file:/PATH` cells name source files inside
 * the library's import roots (copied when the run is made). In a set run
 * (`set`) they are one per set: every disc of set k carries row k.
 */
export const MergeInput = Type.Object({
  csv: Type.Optional(Type.String({
    minLength: 1, maxLength: MERGE_CSV_MAX_BYTES,
    description: 'the CSV itself (RFC 4180, at most 512 KiB, one row per copy after its header): columns file:/PATH (a source file inside the import roots), text:/PATH (the cell as a file) and field names ({{row.<name>}} on labels)',
  })),
  serials: Type.Optional(Type.Object({
    first: Type.Integer({ minimum: 0, maximum: 999_999_999_999, description: 'serial of copy 1' }),
    last: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999_999_999, description: 'serial of the last copy: must be first + copies - 1' })),
    pad: Type.Optional(Type.Integer({ minimum: 0, maximum: 12, description: 'zero-padded to this many digits' })),
    prefix: Type.Optional(Type.String({ maxLength: 32, description: 'text before the number, e.g. SN-' })),
    file: Type.Optional(Type.String({ minLength: 1, maxLength: 240, description: 'path on the disc; default /SERIAL.TXT' })),
  }, obj)),
}, { ...obj, title: 'MergeInput', description: 'serials or csv, one of them; one per copy, or in a set run one per set (every disc of set k carries row k)' });

/**
 * The settings of a run besides its image and copies, each optional: one
 * definition for a new run, a template and a hot folder's job file.
 */
export const RUN_SETTINGS = {
  verify: Type.Optional(VerifyPolicyInput),
  speed: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'write speed in x' })),
  dummyFirst: Type.Optional(Type.Boolean()),
  drives: Type.Optional(Type.Array(DriveId, { minItems: 1, maxItems: 1000, description: 'drive ids or group names' })),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: '1 runs first; default 100' })),
  label: Type.Optional(Type.String({ maxLength: 200 })),
  customer: Type.Optional(RunCustomerInput),
  maxAttemptsPerCopy: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  media: Type.Optional(MediaClassInput),
  merge: Type.Optional(MergeInput),
  printLabels: Type.Optional(Type.Boolean({ description: 'print a label for each good disc (needs tower.json printing and labelTemplate); default false' })),
  labelTemplate: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'label template name' })),
  /** `{{merge.1}}`..`{{merge.N}}` on the run's labels (a PTBurn job's `MergeField=` lines). */
  labelMerge: Type.Optional(LabelMergeInput),
  /** CD-TEXT replacing an audio image's own on the run's discs (shared/run-text-schemas.ts). */
  cdText: Type.Optional(RunCdTextInput),
};

/** A collated set: its discs' library images in order (disc 1 is the run's `imageId`); `copies` then counts sets. */
export const SetInput = Type.Object({
  imageIds: Type.Array(ImageId, { minItems: 1, maxItems: 99, description: 'the discs\' library images in order; the first is imageId' }),
}, { ...obj, title: 'SetInput' });

/**
 * `POST /api/runs`. `copies`: good copies wanted (1..10000); `verify`
 * default 'all'; `speed` in x (1..100), default the drives' maximum;
 * `dummyFirst`: a test burn before each real one (default false); `drives`:
 * drive ids or group names that may take part (default all); `priority`
 * 1 (first) .. 1000, default 100; `label`: report text (0..200
 * characters); `maxAttemptsPerCopy` (1..10, default 3): attempts per copy
 * before it is replaced; `media`: default the smallest class the image fits
 * among those the tower's drives hold blanks of now, else the smallest class
 * it fits.
 */
export const CreateRunRequest = Type.Object({
  imageId: ImageId,
  copies: Type.Integer({ minimum: 1, maximum: 10000, description: 'good copies wanted (a set run: complete sets wanted)' }),
  ...RUN_SETTINGS,
  /**
   * A collated set run: its discs' images in order (disc 1 is `imageId`); `copies` then counts sets, and the
   * run completes when that many complete sets passed (sets × discs at most 10000). With `merge`, the serials or
   * CSV rows are one per set: set k carries row k on every disc (disc j of set k = image j plus row k's files).
   */
  set: Type.Optional(SetInput),
}, { ...obj, title: 'CreateRunRequest' });

/** `POST /api/runs/:id/cancel`: burns in flight finish (reported as cancelled or surplus) or stop now; default 'cancel'. */
export const CancelRunRequest = Type.Object({
  inFlight: Type.Optional(Type.Union([Type.Literal('cancel'), Type.Literal('finish')])),
}, { ...obj, title: 'CancelRunRequest', [OPTIONAL_BODY]: true, description: 'optional body' });

/** `POST /api/drives/:id/quarantine`: why, in words (1..500 characters). */
export const QuarantineRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { ...obj, title: 'QuarantineRequest' });

/** `POST /api/drives/:id/loader/blanks`: how many blanks a person put into a simulated drive's auto-loader (1..100000). */
export const LoadBlanksRequest = Type.Object({
  count: Type.Integer({ minimum: 1, maximum: 100_000 }),
}, { ...obj, title: 'LoadBlanksRequest' });

/**
 * `POST /api/drives/:id/insert`: put a disc into a simulated drive (the
 * demo's stand-in for a person at the tower): a blank of a recordable media
 * type, or a pressed disc (CD-ROM, DVD-ROM, BD-ROM by the image's media
 * class) of a library ISO image, to master or copy from.
 */
export const InsertDiscRequest = Type.Union([
  Type.Object({
    kind: Type.Literal('blank'),
    mediaType: Type.Enum(RECORDABLE_MEDIA_TYPES, { description: `one of ${RECORDABLE_MEDIA_TYPES.join(', ')}` }),
  }, obj),
  Type.Object({ kind: Type.Literal('image'), imageId: ImageId }, obj),
], { title: 'InsertDiscRequest' });

/** `POST /api/images/import`: a server-side path, inside a configured import root. */
export const ImportRequest = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096, description: 'server-side path inside an import root' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** A converted image (compressed, NRG, CloneCD, MDS, CDI, CHD, DMG, TOC): keep the original beside it, never burned. Default: the library's keepOriginals. */
  keepOriginal: Type.Optional(Type.Boolean()),
}, { ...obj, title: 'ImportRequest' });

/** `POST /api/images/upload` query. */
export const UploadQuery = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  /** A converted upload: keep the original beside it (`true` or `false`); default: the library's keepOriginals. */
  keepOriginal: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
}, obj);

/** `PATCH /api/images/:id`. */
export const RenameRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
}, { ...obj, title: 'RenameRequest' });

/**
 * `POST /api/masters`. `format` default: chosen from the disc (ISO for one
 * data track, BIN/CUE otherwise); `allowDamaged`: accept a master with
 * unreadable sectors into the library (marked damaged), default false;
 * `retries`: re-reads of each bad sector (0..20), default 3.
 */
export const MasterRequest = Type.Object({
  driveId: DriveId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  format: Type.Optional(Type.Union([Type.Literal('iso'), Type.Literal('bin-cue')])),
  allowDamaged: Type.Optional(Type.Boolean()),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
}, { ...obj, title: 'MasterRequest' });

/** `GET /api/runs/:id/report` query. */
export const ReportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
}, obj);

/**
 * `GET /api/runs/:id` query: with `waitFor=final` the answer is held until
 * the run is completed, cancelled or failed, or `timeoutMs` passes (default
 * 20000, at most 60000), and then the run is sent as it is.
 */
export const RunQuery = Type.Object({
  waitFor: Type.Optional(Type.Literal('final', { description: 'hold the answer until the run reaches a final status (completed, cancelled, failed)' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'with waitFor: longest hold, ms; default 20000' })),
}, { ...obj, title: 'RunQuery' });

/** How an attempt ended. */
export const AttemptOutcomeName = Type.Union([
  Type.Literal('passed'), Type.Literal('failed'), Type.Literal('cancelled'), Type.Literal('interrupted'),
]);

/** `GET /api/history` query: `from`/`to` epoch ms, inclusive. */
export const HistoryQuery = Type.Object({
  runId: Type.Optional(RunId),
  driveId: Type.Optional(DriveId),
  outcome: Type.Optional(AttemptOutcomeName),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'default 1000' })),
}, obj);

/** Largest page of `GET /api/runs`. */
export const RUNS_MAX_LIMIT = 1000;

/**
 * `GET /api/runs` query: a page of runs, newest first (by creation time,
 * then id). Without `limit`, every run matching `status` comes back. The
 * response carries the number of runs matching `status` in the
 * `X-Total-Count` header. Offsets count from the newest run: a run that
 * finishes between two page requests can appear on two pages, never on none
 * (finished runs do not leave the finished set).
 */
export const RunsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('active'), Type.Literal('finished')], {
    description: 'active: queued, running or paused; finished: completed, cancelled or failed; default all',
  })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'runs to skip, newest first; default 0' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: RUNS_MAX_LIMIT, description: 'largest page; default no limit' })),
}, { ...obj, title: 'RunsQuery' });

/**
 * `GET /api/audit` query: a page of the audit log, newest first, filtered.
 * Page on with `offset` and a fixed `to` (the newest entry of the first
 * page), so entries added meanwhile do not shift the pages.
 */
export const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({
    maxLength: 64, pattern: '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)*$',
    description: 'an action (run.create) or its first words up to a dot (run: run.create, run.cancel...)',
  })),
  who: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'who did it, exactly as the entries name them' })),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, description: 'matching entries to skip, newest first; default 0' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'default 100' })),
}, { ...obj, title: 'AuditQuery' });

/** `POST /api/screens/pairing`: the screen's name, 1..64 letters, digits, spaces and . _ - (starting with a letter or digit). */
export const PairScreenRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$', description: "the screen's name, e.g. wall-1" }),
}, { ...obj, title: 'PairScreenRequest' });

/** `POST /api/screens/claim`: the pairing code. */
export const ClaimScreenRequest = Type.Object({
  code: Type.String({ minLength: 8, maxLength: 9, pattern: '^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$', description: 'the pairing code, e.g. ABCD-EFGH' }),
}, { ...obj, title: 'ClaimScreenRequest' });
