/**
 * Runs and attempts as the run store keeps them, and their conversion from
 * the flat string hashes Redis holds.
 */
import type { MediaClass, MediaType } from 'node-cdrecord-wrapper';
import { isMediaRefusal } from './copy-suitability.js';
import type { VerifyPolicy } from './job-types.js';
import type { RunImage, StoredImage } from './run-image.js';
import { storedImageProblem } from './run-image.js';
import { parseVerifyPolicy } from './job-types.js';
import type { RunMerge } from './disc-merge.js';
import { parseRunSet } from './disc-set.js';
import type { RunSet, SetPosition } from './disc-set.js';

/** Where a run is in its life. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

/** How an attempt ended. */
export type AttemptOutcome = 'passed' | 'failed' | 'cancelled' | 'interrupted';

/** What verification found: `skipped` by policy, `not-reached` when the burn failed first. */
export type VerifyResultKind = 'passed' | 'failed' | 'skipped' | 'not-reached';

/** Counters of a run; `passed` is the number of distinct copy slots with a counted passed attempt. */
export interface RunCounters {
  readonly passed: number;
  readonly failed: number;
  /** Good discs beyond N (or a second good disc for a slot): reported, never counted. */
  readonly surplus: number;
  readonly cancelled: number;
  readonly interrupted: number;
  /** Attempts begun. */
  readonly attempts: number;
  /** Attempts begun and not yet ended. */
  readonly open: number;
  /** Replacement copy jobs added after a copy exhausted its attempts. */
  readonly replacements: number;
}

/** What a run is created with (the planner fills in the defaults). */
export interface NewRun {
  readonly id: string;
  readonly image: RunImage;
  readonly mediaClass: MediaClass;
  readonly copies: number;
  readonly verify: VerifyPolicy;
  readonly speed?: number;
  readonly priority: number;
  readonly dummyFirst: boolean;
  readonly allowedDrives?: readonly string[];
  readonly maxAttemptsPerCopy: number;
  /** Failed attempts the run may spend before it stops and asks for a person. */
  readonly failureBudget: number;
  /** The library image the run burns, when it came from the library: the image cannot be deleted while the run is unfinished. */
  readonly imageId?: string;
  /** Per-disc data: each copy slot's disc gets its own row (disc-merge.ts). */
  readonly merge?: RunMerge;
  /** A collated set run: `copies` is sets × discs, slot s burns its disc's image (disc-set.ts); `image` is disc 1's. */
  readonly set?: RunSet;
}

/** A run as stored. */
export interface RunRecord extends NewRun {
  readonly status: RunStatus;
  /** Why the run is paused, failed or cancelled, in words. */
  readonly statusReason?: string;
  /** Paused by a cancel that waits for its burns in flight (`cancelling`, see run-control.ts): it cannot be resumed. */
  readonly finishing?: true;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt?: number;
  readonly counters: RunCounters;
}

/** The error of a failed attempt: the typed error's code and flags and the full tool output. */
export interface AttemptError {
  readonly code: string;
  readonly message: string;
  readonly name?: string;
  readonly retryable: boolean;
  readonly driveFault: boolean;
  readonly needsOperator: boolean;
  readonly tool?: { readonly tool: string; readonly exitCode: number | null; readonly signal: string | null; readonly output: string };
}

/** What `beginAttempt` is given. */
export interface AttemptStart {
  readonly id: string;
  readonly runId: string;
  readonly copy: number;
  readonly jobId: string;
  readonly driveId: string;
  /** What the operator calls the drive when the attempt began (e.g. `sr0 IET VIRTUAL-CDROM`: kernel name, INQUIRY vendor and model). */
  readonly driveLabel?: string;
  readonly agentId: string;
  readonly mediaType: MediaType | null;
  readonly imageSha256: string;
  readonly verifyPolicy: string;
  readonly startedAt: number;
  /** A test burn precedes the real one. */
  readonly dummyFirst: boolean;
  /** A merged run: the row the disc carries (its slot's) and what the operator reads for it; `imageSha256` is then the disc's own image's. */
  readonly merge?: { readonly row: number; readonly label: string };
  /** A set run: the set and disc the attempt's slot is. */
  readonly set?: SetPosition;
}

/** What `endAttempt` is given. */
export interface AttemptEnd {
  readonly outcome: AttemptOutcome;
  readonly endedAt: number;
  readonly bytes?: number;
  /** How long the burn took (the test burn before it left out), ms. */
  readonly durationMs?: number;
  /** How long the read-back verify took, ms: a verify that passed (a mismatch stops it early). */
  readonly verifyDurationMs?: number;
  readonly averageSpeedX?: number;
  readonly averageSpeedMBps?: number;
  readonly verifyResult?: VerifyResultKind;
  readonly discSha256?: string;
  /** A verified CUE image with audio: the drive's read offset, samples, as the verify found it. */
  readonly audioReadOffsetSamples?: number;
  readonly error?: AttemptError;
}

/** One attempt: one disc in one drive for one copy slot. */
export interface AttemptRecord extends AttemptStart, Partial<Omit<AttemptEnd, 'outcome' | 'endedAt'>> {
  /** 1-based: attempts of this run begun on this drive, this one included. */
  readonly driveOrdinal: number;
  readonly endedAt?: number;
  readonly outcome?: AttemptOutcome;
  /** True when this passed attempt made its slot count. */
  readonly counted?: boolean;
  /** True for a passed attempt that did not count (its slot was already passed, or N was reached). */
  readonly surplus?: boolean;
}

type Hash = Record<string, string>;

const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
const int0 = (v: string | undefined): number => num(v) ?? 0;

/** Flatten a new run into hash fields. */
export function runToHash(run: NewRun, now: number): Hash {
  const h: Hash = {
    id: run.id,
    imagePath: run.image.path,
    imageSha256: run.image.sha256,
    imageBytes: String(run.image.sizeBytes),
    imageSectors: String(run.image.sectors),
    imageFormat: run.image.format,
    mediaClass: run.mediaClass,
    copies: String(run.copies),
    status: 'queued',
    verify: JSON.stringify(run.verify),
    priority: String(run.priority),
    dummyFirst: run.dummyFirst ? '1' : '0',
    maxAttemptsPerCopy: String(run.maxAttemptsPerCopy),
    failureBudget: String(run.failureBudget),
    createdAt: String(now),
    updatedAt: String(now),
  };
  if (run.image.identity !== undefined) h.imageIdentity = run.image.identity;
  if (run.image.trackModes !== undefined) h.imageTrackModes = JSON.stringify(run.image.trackModes);
  if (run.image.tocPath !== undefined) h.imageTocPath = run.image.tocPath;
  if (run.image.cdText === true) h.imageCdText = '1';
  if (run.image.stored !== undefined) h.imageStored = JSON.stringify(run.image.stored);
  if (run.speed !== undefined) h.speed = String(run.speed);
  if (run.allowedDrives !== undefined) h.allowedDrives = JSON.stringify(run.allowedDrives);
  if (run.imageId !== undefined) h.imageId = run.imageId;
  if (run.merge !== undefined) h.merge = JSON.stringify(run.merge);
  if (run.set !== undefined) h.set = JSON.stringify(run.set);
  return h;
}

/** Parse a run hash; null when empty. */
export function runFromHash(h: Hash): RunRecord | null {
  if (h.id === undefined) return null;
  const verify = parseJson<VerifyPolicy>(h.verify) ?? parseVerifyPolicy(h.verify ?? '') ?? { mode: 'all' };
  const allowed = parseJson<string[]>(h.allowedDrives);
  return {
    id: h.id,
    image: {
      path: h.imagePath ?? '',
      sha256: h.imageSha256 ?? '',
      sizeBytes: int0(h.imageBytes),
      sectors: int0(h.imageSectors),
      format: h.imageFormat === 'cue' ? 'cue' : 'iso',
      ...(h.imageIdentity === undefined ? {} : { identity: h.imageIdentity }),
      ...trackModesOf(h.imageTrackModes),
      ...(h.imageTocPath === undefined || h.imageFormat !== 'cue' ? {} : { tocPath: h.imageTocPath }),
      ...(h.imageCdText === '1' && h.imageTocPath !== undefined && h.imageFormat === 'cue' ? { cdText: true } : {}),
      ...storedOf(h.imageStored),
    },
    mediaClass: (h.mediaClass ?? 'cd') as MediaClass,
    copies: int0(h.copies),
    verify,
    ...(h.speed === undefined ? {} : { speed: Number(h.speed) }),
    priority: int0(h.priority),
    dummyFirst: h.dummyFirst === '1',
    ...(allowed === undefined ? {} : { allowedDrives: allowed }),
    maxAttemptsPerCopy: int0(h.maxAttemptsPerCopy),
    failureBudget: int0(h.failureBudget),
    ...(h.imageId === undefined ? {} : { imageId: h.imageId }),
    ...mergeOf(h.merge),
    ...setOf(h.set),
    status: (h.status ?? 'queued') as RunStatus,
    ...(h.statusReason === undefined ? {} : { statusReason: h.statusReason }),
    ...(h.status === 'paused' && h.finishing === '1' ? { finishing: true as const } : {}),
    createdAt: int0(h.createdAt),
    updatedAt: int0(h.updatedAt),
    ...(h.completedAt === undefined ? {} : { completedAt: Number(h.completedAt) }),
    counters: {
      passed: int0(h.passed),
      failed: int0(h.failed),
      surplus: int0(h.surplus),
      cancelled: int0(h.cancelled),
      interrupted: int0(h.interrupted),
      attempts: int0(h.attempts),
      open: int0(h.open),
      replacements: int0(h.replacements),
    },
  };
}

/** Hash fields of an attempt's start. */
export function attemptStartToFields(a: AttemptStart): string[] {
  return [
    'id', a.id, 'runId', a.runId, 'copy', String(a.copy), 'jobId', a.jobId, 'driveId', a.driveId, 'agentId', a.agentId,
    'mediaType', a.mediaType ?? '', 'imageSha256', a.imageSha256, 'verifyPolicy', a.verifyPolicy,
    'startedAt', String(a.startedAt), 'dummyFirst', a.dummyFirst ? '1' : '0',
    ...(a.driveLabel === undefined ? [] : ['driveLabel', a.driveLabel]),
    ...(a.merge === undefined ? [] : ['mergeRow', String(a.merge.row), 'mergeLabel', a.merge.label]),
    ...(a.set === undefined ? [] : ['setNo', String(a.set.set), 'setDisc', String(a.set.disc), 'setDiscs', String(a.set.discs)]),
  ];
}

/** Hash fields of an attempt's end, outcome and endedAt excluded (the script writes those). */
export function attemptEndToFields(e: AttemptEnd): string[] {
  const f: string[] = [];
  const put = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) f.push(k, String(v));
  };
  put('bytes', e.bytes);
  put('durationMs', e.durationMs);
  put('verifyDurationMs', e.verifyDurationMs);
  put('averageSpeedX', e.averageSpeedX);
  put('averageSpeedMBps', e.averageSpeedMBps);
  put('verifyResult', e.verifyResult);
  put('discSha256', e.discSha256);
  put('audioReadOffsetSamples', e.audioReadOffsetSamples);
  if (e.error !== undefined) f.push('error', JSON.stringify(e.error));
  // A copy refused for its media: the drive counts scripts leave it out of the drive's failed discs.
  if (e.outcome === 'failed' && isMediaRefusal(e.error)) f.push('refusal', '1');
  return f;
}

/** Parse an attempt hash; null when empty. */
export function attemptFromHash(h: Hash): AttemptRecord | null {
  if (h.id === undefined) return null;
  const opt = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } =>
    (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
  const error = parseJson<AttemptError>(h.error);
  return {
    id: h.id,
    runId: h.runId ?? '',
    copy: int0(h.copy),
    jobId: h.jobId ?? '',
    driveId: h.driveId ?? '',
    ...opt('driveLabel', h.driveLabel),
    agentId: h.agentId ?? '',
    mediaType: h.mediaType ? (h.mediaType as MediaType) : null,
    imageSha256: h.imageSha256 ?? '',
    verifyPolicy: h.verifyPolicy ?? '',
    startedAt: int0(h.startedAt),
    dummyFirst: h.dummyFirst === '1',
    ...(h.mergeRow === undefined ? {} : { merge: { row: int0(h.mergeRow), label: h.mergeLabel ?? '' } }),
    ...(h.setNo === undefined ? {} : { set: { set: int0(h.setNo), disc: int0(h.setDisc), discs: int0(h.setDiscs) } }),
    driveOrdinal: int0(h.driveOrdinal),
    ...opt('endedAt', num(h.endedAt)),
    ...opt('outcome', h.outcome as AttemptOutcome | undefined),
    ...opt('counted', h.counted === undefined ? undefined : h.counted === '1'),
    ...opt('surplus', h.surplus === undefined ? undefined : h.surplus === '1'),
    ...opt('bytes', num(h.bytes)),
    ...opt('durationMs', num(h.durationMs)),
    ...opt('verifyDurationMs', num(h.verifyDurationMs)),
    ...opt('averageSpeedX', num(h.averageSpeedX)),
    ...opt('averageSpeedMBps', num(h.averageSpeedMBps)),
    ...opt('verifyResult', h.verifyResult as VerifyResultKind | undefined),
    ...opt('discSha256', h.discSha256),
    ...opt('audioReadOffsetSamples', num(h.audioReadOffsetSamples)),
    ...opt('error', error),
  };
}

/** A stored run's merge, when its field holds one. */
function mergeOf(text: string | undefined): { merge?: RunMerge } {
  const v = parseJson<RunMerge>(text);
  return v !== undefined && (v.kind === 'serials' || v.kind === 'rows') ? { merge: v } : {};
}

/** A stored run's set, when its field holds one. */
function setOf(text: string | undefined): { set?: RunSet } {
  const v = parseRunSet(parseJson<unknown>(text));
  return v === undefined ? {} : { set: v };
}

/** The `trackModes` of a stored run image, when its field holds a list of strings. */
function trackModesOf(text: string | undefined): { trackModes?: readonly string[] } {
  const v = parseJson<unknown>(text);
  return Array.isArray(v) && v.every((m) => typeof m === 'string') ? { trackModes: v as string[] } : {};
}

/** The `stored` form of a stored run image (absent for a plain image and for runs of earlier versions). */
function storedOf(text: string | undefined): { stored?: StoredImage } {
  const v = parseJson<StoredImage>(text);
  return v !== undefined && typeof v === 'object' && v !== null && (v.compression === 'zstd' || v.compression === 'chd') && storedImageProblem(v, v.compression === 'chd' ? 'cue' : 'iso') === null ? { stored: v } : {};
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
