/**
 * TypeBox schemas of what the API answers: the views and the error body.
 * Each route declares them as its response schemas (the OpenAPI document),
 * the API tests check every answer against them, and `api-types.ts` derives
 * the view types from them (`Static`), so they are the one definition of
 * each view.
 */
import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import { AttemptOutcomeName, RunCustomerInput } from './request-schemas.js';
import { RunCdTextInput } from './run-text-schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/**
 * Every refusal: a 4xx/5xx status and this body. `code` is stable:
 * INVALID_INPUT, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE,
 * or a drive/library error code; `field`: the request field at fault, for
 * INVALID_INPUT.
 */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    state: Type.Optional(Type.String({ description: 'a run control conflict (409): the state the run was found in (queued, running, paused, cancelling, completed, failed, cancelled)' })),
  }),
}, { title: 'ApiErrorBody' });

/** A token's role: `viewer` (read-only) or `operator` (everything). */
export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator')]);

const Range = Type.Object({ startSector: Type.Integer(), sectors: Type.Integer() });

export const HealthView = Type.Object({
  ok: Type.Boolean(), version: Type.String(), redis: Type.Union([Type.Literal('up'), Type.Literal('down')]), uptimeSeconds: Type.Number(),
}, { title: 'HealthView' });

export const WhoAmI = Type.Object({ name: Type.String(), role: Role }, { title: 'WhoAmI' });

/** Drive states, as the UI shows them (DESIGN.md). */
export const DriveStateName = Type.Union([
  Type.Literal('offline'), Type.Literal('empty'), Type.Literal('blank'), Type.Literal('burning'), Type.Literal('verifying'),
  Type.Literal('done'), Type.Literal('failed'), Type.Literal('wrong-media'), Type.Literal('quarantined'), Type.Literal('busy'),
]);

const driveViewProps = {
  /** The drive's stable id (by-path, stdio path or sim:N). */
  id: Type.String(),
  agentId: Type.String(),
  /** Operator's label (config). */
  label: Type.String(),
  /** Position in the tower (config); orders tiles within an agent. */
  position: Type.Number(),
  state: DriveStateName,
  mediaType: Nullable(Type.String()), percent: Nullable(Type.Number()), speedX: Nullable(Type.Number()), speedMBps: Nullable(Type.Number()),
  etaSeconds: Nullable(Type.Number()), bufferPercent: Nullable(Type.Number()), runId: Nullable(Type.String()), copy: Nullable(Type.Integer()),
  /** What the copy's disc carries of its own (a merged run: `serial 01003`), while a copy is in the drive or just done; else null. */
  discLabel: Nullable(Type.String()),
  /**
   * The phase of the copy in a burning or verifying drive (null otherwise):
   * preparing and fixating (closing the disc) move no data, so they have no
   * speed; `percent`, `speedX`, `speedMBps` and `etaSeconds` are the phase's own.
   */
  phase: Nullable(Type.Union([Type.Literal('preparing'), Type.Literal('writing'), Type.Literal('fixating'), Type.Literal('verifying')])),
  /** The phase in words: Preparing, Writing, Closing disc, Verifying. */
  activity: Nullable(Type.String()),
  /** Whole seconds the drive has been in `phase`. */
  phaseSeconds: Nullable(Type.Number()),
  /** What a person must do, in words, for states that need one. */
  message: Nullable(Type.String()),
  needsAttention: Type.Boolean(), passed: Type.Integer(), failed: Type.Integer(),
  quarantine: Nullable(Type.Object({ reason: Type.String(), at: Type.Number(), by: Type.String() })),
  /** The drive's disc loader (a jukebox's changer, an auto-loader), when it has one: its stock as last reported. */
  loader: Type.Optional(Type.Object({
    /** Blanks waiting in the input (the drive's own not counted); null: an endless supply. */
    blanks: Nullable(Type.Integer()),
    /** Good discs in the output slots now, and coasters in the reject slot(s). */
    passed: Type.Integer(), rejected: Type.Integer(),
    /** Room left in the output and the reject slot(s); null: unbounded. */
    outputFree: Nullable(Type.Integer()), rejectFree: Nullable(Type.Integer()),
    /** Why the loader cannot go on without a person, or null. */
    needsPerson: Nullable(Type.Union([Type.Literal('input-empty'), Type.Literal('output-full'), Type.Literal('reject-full')])),
    /** The changer's slot numbers by role, when it numbers them. */
    slots: Nullable(Type.Object({ input: Type.Array(Type.Integer()), output: Type.Array(Type.Integer()), reject: Type.Array(Type.Integer()) })),
    /** The loader's last failure (code and words), while it lasts. */
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  })),
  /**
   * CD-TEXT as the drive declares it (tower.json `"cdText": true`; nothing detects it): `true`, it writes a
   * TOC file's CD-TEXT and takes copies that carry it; `false`, a real drive not declared to: it is offered
   * no copy with CD-TEXT; absent, the drive burns no TOC file (a `stdio:` or simulated drive).
   */
  writesCdText: Type.Optional(Type.Boolean()),
  /** A simulated drive (`sim:N`): an operator can put a disc into it (`POST /api/drives/:id/insert`). */
  simulated: Type.Optional(Type.Boolean()),
  /** It can be mastered from now: a readable disc with data, idle, not quarantined. */
  canMaster: Type.Optional(Type.Boolean()),
  /** Why it cannot be mastered from now, in words (null when it can). */
  cannotMasterReason: Type.Optional(Nullable(Type.String())),
  updatedAt: Type.Number(),
};
/** One drive on the tower screen. */
export const DriveView = Type.Object(driveViewProps, { title: 'DriveView' });

export const DriveStats = Type.Object({
  driveId: Type.String(), discs: Type.Integer(), passed: Type.Integer(), failed: Type.Integer(), failureRate: Type.Number(), totalBytes: Type.Number(),
  lastError: Nullable(Type.Object({ code: Type.String(), message: Type.String(), at: Type.Number() })),
  quarantineHistory: Type.Array(Type.Object({
    reason: Type.String(), at: Type.Number(), by: Type.String(), releasedAt: Type.Optional(Type.Number()), releasedBy: Type.Optional(Type.String()),
  })),
}, { title: 'DriveStats' });

/** One burn (and verify) of one copy on one drive. */
export const AttemptView = Type.Object({
  id: Type.String(), runId: Type.String(), copy: Type.Integer(), driveId: Type.String(),
  /** What the operator called the drive when the attempt began (for a real drive: kernel name, vendor and model); null in older history. */
  driveLabel: Nullable(Type.String()),
  /** The label of the attempt's run, where the answer looks it up (history, run reports); null: the run has none. */
  runLabel: Type.Optional(Nullable(Type.String())),
  agentId: Type.String(),
  /** A merged run: the row this disc carries (its copy's) and what an operator reads for it; `imageSha256` is the disc's own image's. */
  merge: Type.Optional(Type.Object({ row: Type.Integer(), label: Type.String() })),
  /** A set run: the set and disc of the attempt's copy slot, and what an operator reads for it (`set 2 · disc 1/3`). */
  set: Type.Optional(Type.Object({ set: Type.Integer(), disc: Type.Integer(), discs: Type.Integer(), label: Type.String() })),
  mediaType: Nullable(Type.String()), imageSha256: Type.String(), startedAt: Type.Number(), endedAt: Nullable(Type.Number()), bytes: Nullable(Type.Number()),
  averageSpeedX: Nullable(Type.Number()), verifyPolicy: Type.String(), verifyResult: Nullable(Type.String()),
  /** null while open. */
  outcome: Nullable(AttemptOutcomeName),
  counted: Type.Boolean(), surplus: Type.Boolean(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), output: Type.Optional(Type.String()) })),
}, { title: 'AttemptView' });

export const DriveDetail = Type.Object({
  ...driveViewProps, stats: DriveStats, recentAttempts: Type.Array(AttemptView),
}, { title: 'DriveDetail' });

/** serving: beating; silent: no new beat within the agent timeout; stopped: it said goodbye (a clean stop). */
export const AgentStateName = Type.Union([Type.Literal('serving'), Type.Literal('silent'), Type.Literal('stopped')], { title: 'AgentStateName' });

export const AgentView = Type.Object({
  id: Type.String(), host: Type.String(), online: Type.Boolean(), lastHeartbeat: Type.Number(), driveIds: Type.Array(Type.String()),
  state: AgentStateName,
  heartbeatAgeMs: Nullable(Type.Number({ description: 'ms since the controller last saw a new beat (on its own clock); null when it saw none since it started, or the agent stopped' })),
  version: Type.Optional(Type.String({ description: 'version of the agent, when its heartbeat names one' })),
}, { title: 'AgentView' });

export const ImageView = Type.Object({
  id: Type.String(), name: Type.String(), format: Type.Union([Type.Literal('iso'), Type.Literal('cue')]), sizeBytes: Type.Number(),
  sectors: Type.Integer(), sha256: Type.String(), volumeLabel: Nullable(Type.String()), filesystems: Type.Array(Type.String()),
  mediaSizes: Type.Array(Type.String()), mediaClass: Nullable(Type.String()),
  /**
   * `startSector` (LBA of INDEX 01) and `sectors` both count from INDEX 01: `startSector + sectors` is where the next
   * track's pregap starts (the last track's: the disc's end); `pregapSectors` lie before `startSector`. ISRC and
   * CD-TEXT title/performer when the image has them (a mastered audio CD's TOC file).
   */
  tracks: Type.Array(Type.Object({
    number: Type.Integer(), mode: Type.String(), startSector: Type.Integer(), sectors: Type.Integer(), pregapSectors: Type.Integer(),
    isrc: Type.Optional(Type.String()), title: Type.Optional(Type.String()), performer: Type.Optional(Type.String()),
  })),
  /** The disc's catalog number (MCN, the UPC/EAN), when the image has one. */
  catalog: Type.Optional(Type.String()),
  /** The disc's CD-TEXT title and performer, when present. */
  cdText: Type.Optional(Type.Object({ title: Type.Optional(Type.String()), performer: Type.Optional(Type.String()) })),
  /** The cdrdao TOC file kept beside a mastered CUE image (CD-TEXT, ISRC, catalog, pregaps), relative to the library folder; real drives burn from it. */
  tocFile: Type.Optional(Type.String()),
  provenance: Type.Object({ kind: Type.String(), detail: Type.String(), at: Type.String() }),
  damaged: Type.Boolean(), damage: Type.Array(Range), inUse: Type.Boolean(), createdAt: Type.String(),
  /**
   * The image's last malware scan (clamscan), null when never scanned. `result`: clean, infected (`signatures`
   * found, `found` by file), incomplete (a limit stopped the read: counts as unscanned) or error (`error`).
   * `databaseVersion`: the signature database's (null for a hand-made one); `databaseSignatures`: how many were loaded.
   */
  malwareScan: Nullable(Type.Object({
    at: Type.String(),
    result: Type.Union([Type.Literal('clean'), Type.Literal('infected'), Type.Literal('incomplete'), Type.Literal('error')]),
    signatures: Type.Array(Type.String()), found: Type.Array(Type.Object({ file: Type.String(), signature: Type.String() })),
    engine: Nullable(Type.String()), databaseVersion: Nullable(Type.Integer()), databaseSignatures: Nullable(Type.Integer()), error: Nullable(Type.String()),
  })),
  /** On an import's answer: the images the library already held with the same content (SHA-256), to use instead. */
  sameContentAs: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String() }))),
  /** The file a burn writes (the ISO, or the CUE sheet of a CUE image), relative to the library folder. */
  burnFile: Type.Optional(Type.String()),
  /** A converted image's originals kept beside it (role source, never burned); empty when none were kept. */
  keptOriginals: Type.Optional(Type.Array(Type.String())),
  /** What the image was converted from (nrg, ccd, mds, cdi, chd, toc, gzip...) and the proof of the conversion; null when it was not converted. */
  conversion: Type.Optional(Nullable(Type.Object({ from: Type.String(), proof: Type.String() }))),
  /**
   * How the library keeps it: `plain`, `zstd` (an ISO compressed) or `chd` (a CD image as a MAME CHD); each agent stages a compressed one before its burns. `storedBytes`: the
   * bytes it takes in the library; `savedBytes`: `sizeBytes - storedBytes` (0 when plain).
   */
  storage: Type.Object({
    compression: Type.Union([Type.Literal('plain'), Type.Literal('zstd'), Type.Literal('chd')]), storedBytes: Type.Number(), savedBytes: Type.Number(),
  }),
}, { title: 'ImageView' });

export const MasterView = Type.Object({
  id: Type.String(), driveId: Type.String(), name: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('reading'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('cancelled')]),
  bytesRead: Type.Number(), bytesTotal: Type.Number(), speedMBps: Nullable(Type.Number()), etaSeconds: Nullable(Type.Number()),
  unreadableSectors: Type.Integer(), damage: Type.Array(Range), imageId: Nullable(Type.String()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })), startedAt: Type.Number(), endedAt: Nullable(Type.Number()),
}, { title: 'MasterView' });

export const RunStatusName = Type.Union([
  Type.Literal('queued'), Type.Literal('running'), Type.Literal('paused'), Type.Literal('completed'), Type.Literal('cancelled'), Type.Literal('failed'),
]);

export const RunView = Type.Object({
  id: Type.String(), imageId: Type.String(), imageName: Type.String(), label: Nullable(Type.String()), mediaClass: Type.String(),
  copies: Type.Integer(), status: RunStatusName,
  statusReason: Nullable(Type.String()), verify: Type.String(), priority: Type.Integer(), passed: Type.Integer(), failed: Type.Integer(),
  inProgress: Type.Integer(), remaining: Type.Integer(), surplus: Type.Integer(), cancelled: Type.Integer(), interrupted: Type.Integer(),
  /** The write speed the run asked for, in x; absent: each drive's maximum. */
  speed: Type.Optional(Type.Number()),
  /** Good discs per hour since the run started. */
  discsPerHour: Nullable(Type.Number()),
  etaSeconds: Nullable(Type.Number()), createdAt: Type.Number(), completedAt: Nullable(Type.Number()),
  createdBy: Type.String(),
  /** Who the run is made for (customer name, order, reference), when given. */
  customer: Type.Optional(RunCustomerInput),
  /** On a create's answer only: what the operator should know, the run being made all the same (blank stock that cannot cover it). */
  warnings: Type.Optional(Type.Array(Type.String())),
  /** A merged run: what its discs carry of their own, in words (`serials SN-01001 to SN-01100 in /SERIAL.TXT`, `12 CSV rows (name, file:/RECIPIENT/letter.pdf)`). */
  merge: Type.Optional(Type.String()),
  /** `{{merge.1}}`, `{{merge.2}}`… of the run's labels, in order (a JRQ job's MergeField lines). */
  labelMerge: Type.Optional(Type.Array(Type.String())),
  /** The run's own CD-TEXT, burned instead of the image's (through the run's TOC file). */
  cdText: Type.Optional(RunCdTextInput),
  /**
   * A collated set run (`copies` is then sets × discs, `passed` discs): its discs' images, the sets wanted and done
   * (all their discs passed), and each disc that failed at least once (`redone`: it has passed since).
   */
  set: Type.Optional(Type.Object({
    discs: Type.Integer(), sets: Type.Integer(), setsDone: Type.Integer(), imageIds: Type.Array(Type.String()),
    failedDiscs: Type.Array(Type.Object({ set: Type.Integer(), disc: Type.Integer(), redone: Type.Boolean() })),
  })),
}, { title: 'RunView' });

export const RunReport = Type.Object({ run: RunView, attempts: Type.Array(AttemptView), generatedAt: Type.Number() }, { title: 'RunReport' });

/** A wall screen: paired (it holds a screen token, role viewer), or pending (its pairing code not used yet). */
export const ScreenView = Type.Object({
  /** `scr-` and 10 hex digits. */
  id: Type.String(),
  name: Type.String(), status: Type.Union([Type.Literal('pending'), Type.Literal('paired')]),
  createdAt: Type.Number(),
  /** The operator who made the pairing code. */
  createdBy: Type.String(),
  /** When the pairing code expires (pending only, else null). */
  expiresAt: Nullable(Type.Number()),
  pairedAt: Nullable(Type.Number()),
}, { title: 'ScreenView' });

/** A new pairing code: shown once, only its digest is kept. */
export const ScreenPairing = Type.Object({
  screen: ScreenView,
  /** 8 characters as `ABCD-EFGH` (no 0, O, 1, I, L); typed in any case, with or without the dash. */
  code: Type.String(),
  expiresAt: Type.Number(),
}, { title: 'ScreenPairing' });

/** A claimed pairing code: the screen's own token. Keep it in the screen's storage; send it as the bearer token and the feed's `auth.token`. */
export const ScreenClaim = Type.Object({
  token: Type.String(), id: Type.String(), name: Type.String(), role: Type.Literal('viewer'),
}, { title: 'ScreenClaim' });

export const AuditEntry = Type.Object({
  at: Type.Number(), who: Type.String(), role: Role, action: Type.String(), target: Type.String(), detail: Type.String(),
}, { title: 'AuditEntry' });
