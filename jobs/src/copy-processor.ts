/**
 * One copy on one drive: check the disc fits → record the attempt → optional
 * test burn → burn → verify per policy → eject → close the attempt.
 *
 * The attempt is recorded before anything is written; whatever happens after
 * that, it is closed as passed, failed (with the typed error's code, flags
 * and full tool output) or cancelled. A failure is rethrown so the job fails
 * and BullMQ retries it.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  CancelledError, cueVerifyRefusal, ImageError, isDriveError, MediaTooSmallError, mediaClassOf, NoMediaError, verifyDisc, WrongMediaError,
} from 'node-cdrecord-wrapper';
import type { BurnProgress, DiscVerdict, Drive, DriveError, LeavingDisc, MediaClass, MediaStatus, VerifyProgress } from 'node-cdrecord-wrapper';
import type { CopyJob } from './job-types.js';
import { shouldVerify, verifyPolicyText } from './job-types.js';
import { setLabel } from './disc-set.js';
import { buildDiscImage } from './merged-disc-image.js';
import type { DiscImageSource } from './merge-staging.js';
import type { RunImage } from './run-image.js';
import type { ImageStagingCache, StagedLease } from './staging/image-staging-cache.js';
import type { AttemptError, AttemptRecord, VerifyResultKind } from './run-records.js';
import type { BeginRefusal, EndResult, RunStore } from './run-store.js';
import { CopyFailedError } from './copy-failed-error.js';

/** What the processor reports while it works (the drive worker turns it into drive state). */
export interface CopyProgress {
  readonly phase: 'burning' | 'test-burning' | 'verifying';
  /** Within a burn: the drive preparing, writing, or closing the disc (fixating, no speed). */
  readonly stage?: BurnProgress['phase'];
  /** 0..100 of the current phase. */
  readonly percent: number;
  /** Bytes written (burning) or read back (verifying) so far, of `bytesTotal`. */
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  readonly speedX?: number;
  readonly speedMBps?: number;
}

/** Everything `processCopy` needs besides the job and the drive. */
export interface CopyContext {
  readonly store: RunStore;
  /** Stable id of the drive (`DriveInfo.stableId`). */
  readonly driveId: string;
  /** What the operator calls the drive, recorded with the attempt. */
  readonly driveLabel?: string;
  /** Host (agent) running the drive. */
  readonly agentId: string;
  /** BullMQ job id, recorded with the attempt. */
  readonly jobId: string;
  /** Aborts the burn or verify; the attempt is then recorded `cancelled`. */
  readonly signal?: AbortSignal;
  /** Called once the attempt is recorded, before the burn starts. */
  readonly onAttemptBegin?: (attempt: AttemptRecord) => void;
  readonly onProgress?: (progress: CopyProgress) => void;
  /** Clock in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /**
   * The disc in the drive as the drive loop found it before fetching the
   * job: the burn cycle reads the media once. Read again when absent.
   */
  readonly media?: MediaStatus;
  /** The media class of the queue the job came from; a blank of another class is refused. */
  readonly mediaClass?: MediaClass;
  /**
   * The drive's disc loader, called with the disc's verdict (passed; failed
   * or cancelled: a coaster) instead of opening the tray: it sorts the disc
   * and loads the next blank; `disc` is the attempt's disc. Must not reject
   * (the copy's result is not its).
   */
  readonly afterDisc?: (verdict: DiscVerdict, signal?: AbortSignal, disc?: LeavingDisc) => Promise<void>;
  /** The agent's merged disc images, built ahead (`MergeStaging`); default: built here, in `stagingDir`, just in time. */
  readonly discImages?: DiscImageSource;
  /** Where a merged copy's disc image is built; default the system's temporary directory. */
  readonly stagingDir?: string;
  /** The agent's staging cache: where an image the library stores compressed is decompressed (a plain one copied, if so set) once for all drives. */
  readonly imageStaging?: ImageStagingCache;
}

/** How `processCopy` ended without throwing. */
export type CopyOutcome =
  | {
      readonly kind: 'passed';
      readonly attempt: AttemptRecord;
      readonly end: EndResult;
      readonly verified: boolean;
    }
  /** Nothing was burned: the run or the slot no longer needs this copy. */
  | { readonly kind: 'skipped'; readonly reason: BeginRefusal };

/** Turn anything thrown into the attempt's error record (never truncated). */
export function attemptErrorOf(err: unknown): AttemptError {
  if (isDriveError(err)) {
    const e: DriveError = err;
    return {
      code: e.code,
      name: e.name,
      message: e.message,
      retryable: e.retryable,
      driveFault: e.driveFault,
      needsOperator: e.needsOperator,
      ...(e.tool === undefined ? {} : { tool: { ...e.tool } }),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', name: err instanceof Error ? err.name : 'Error', message, retryable: true, driveFault: false, needsOperator: false };
}

/**
 * Refuse a disc that cannot take the image: no disc, not blank, another media
 * class than the job's queue, or too small. Nothing is recorded for a refusal.
 */
export function checkMediaFits(job: CopyJob, media: MediaStatus, expectedClass: string | null, device: string): void {
  if (media.status === 'none' || media.type === null) throw new NoMediaError('no disc in the drive', { device });
  if (media.status !== 'blank') throw new WrongMediaError(`the ${media.type} is not blank: insert a blank disc`, { device });
  const cls = mediaClassOf(media.type);
  if (cls === null || (expectedClass !== null && cls !== expectedClass)) {
    throw new WrongMediaError(`a ${media.type} cannot take a copy from the ${expectedClass ?? '?'} queue`, { device });
  }
  if (media.freeSectors < job.image.sectors) {
    throw new MediaTooSmallError(
      `the image needs ${job.image.sectors} sectors, the ${media.type} has ${media.freeSectors}`,
      job.image.sectors, media.freeSectors, { device },
    );
  }
}

/**
 * One copy on one drive. Resolves `passed` (counted or surplus) or `skipped`
 * (nothing burned), and throws `CopyFailedError` for a refused disc (no
 * attempt), a failed attempt or a cancelled one.
 */
export async function processCopy(job: CopyJob, drive: Drive, ctx: CopyContext): Promise<CopyOutcome> {
  // Before anything else, a stored (compressed) image becomes its staged local file: burn, verify and a merge all read that.
  // So does a plain one when the agent stages plain images (a merged copy's master too: its disc images are built from the staged copy).
  const stagePlain = ctx.imageStaging?.stagesPlainImages === true;
  if (job.image.stored === undefined && !stagePlain) return processLocalCopy(job, drive, ctx);
  let lease: StagedLease;
  try {
    if (ctx.imageStaging === undefined) throw new ImageError('the image is stored compressed and this agent has no staging cache');
    lease = await ctx.imageStaging.acquire(job.image, ctx.signal);
  } catch (err) {
    throw new CopyFailedError(err, null, attemptErrorOf(err));
  }
  try {
    return await processLocalCopy({ ...job, image: lease.image }, drive, ctx, lease.proven);
  } finally {
    lease.release();
  }
}

/** `proven`: a staged image's SHA-256 proof, which may still be under way (resolves with the staged file's identity). */
async function processLocalCopy(job: CopyJob, drive: Drive, ctx: CopyContext, proven?: Promise<string | undefined>): Promise<CopyOutcome> {
  if (job.merge === undefined) return processImageCopy(job, drive, ctx, proven);
  // A merged copy: its disc's own image (the run's plus its row's files), built first, gone when the disc is done.
  let image: RunImage;
  try {
    image = await (ctx.discImages?.take(job, ctx.mediaClass, ctx.signal) ?? buildDiscImage(job, ctx.stagingDir, ctx.signal));
  } catch (err) {
    throw new CopyFailedError(err, null, attemptErrorOf(err));
  }
  try {
    return await processImageCopy({ ...job, image }, drive, ctx, proven);
  } finally {
    await rm(image.path, { force: true });
  }
}

async function processImageCopy(job: CopyJob, drive: Drive, ctx: CopyContext, proven?: Promise<string | undefined>): Promise<CopyOutcome> {
  const now = ctx.now ?? Date.now;
  const signal = ctx.signal;
  // A staged image's bytes are proven beside the first burns: a proof that fails stops the burn or verify at once
  // (the attempt fails with the proof's IMAGE_ERROR), and no disc counts before the proof holds.
  const disproved = new AbortController();
  proven?.catch((err: unknown) => disproved.abort(err));
  const work = proven === undefined ? signal : signal === undefined ? disproved.signal : AbortSignal.any([signal, disproved.signal]);
  const media = ctx.media ?? await drive.media(signal);
  try {
    checkMediaFits(job, media, ctx.mediaClass ?? null, drive.address);
    await checkVerifiable(job, drive);
    if (disproved.signal.aborted) throw disproved.signal.reason; // disproved already: refused before a disc is begun
  } catch (err) {
    throw new CopyFailedError(err, null, attemptErrorOf(err));
  }

  const startedAt = now();
  const startedMono = performance.now();
  // The end is the start plus the time elapsed on the monotonic clock: a step of the wall clock mid-burn never makes a negative duration.
  const endedAt = (): number => startedAt + Math.round(performance.now() - startedMono);
  const begun = await ctx.store.beginAttempt({
    id: randomUUID(),
    runId: job.runId,
    copy: job.copy,
    jobId: ctx.jobId,
    driveId: ctx.driveId,
    ...(ctx.driveLabel === undefined ? {} : { driveLabel: ctx.driveLabel }),
    agentId: ctx.agentId,
    mediaType: media.type,
    imageSha256: job.image.sha256,
    ...(job.merge === undefined ? {} : { merge: { row: job.merge.row, label: job.merge.label } }),
    ...(job.set === undefined ? {} : { set: job.set }),
    verifyPolicy: verifyPolicyText(job.verify),
    startedAt,
    dummyFirst: job.dummyFirst === true,
  });
  if (!begun.ok) return { kind: 'skipped', reason: begun.reason };
  const attempt = begun.attempt;
  ctx.onAttemptBegin?.(attempt);

  // The run's image as it is: a BurnImage and a VerifyImage both.
  let image = job.image;
  const verify = shouldVerify(job.verify, begun.driveOrdinal);
  let verifyResult: VerifyResultKind = verify ? 'not-reached' : 'skipped';
  let burned: { bytes: number; durationMs: number; averageSpeedX: number } | null = null;
  try {
    if (job.dummyFirst === true) {
      await drive.burn(image, { dummy: true, ...speedOf(job), onProgress: burnProgress(ctx, 'test-burning') }, work);
    }
    const result = await drive.burn(image, { ...speedOf(job), onProgress: burnProgress(ctx, 'burning') }, work);
    burned = { bytes: result.bytesWritten, durationMs: result.durationMs, averageSpeedX: result.averageSpeedX };
    if (proven !== undefined) {
      // Proven: verify may trust the staged file's digest, as for a file proven before the burn.
      const identity = await proven;
      if (identity !== undefined) image = { ...image, identity };
    }
    let discSha256: string | undefined;
    let audioReadOffsetSamples: number | undefined;
    let verifyDurationMs: number | undefined;
    if (verify) {
      const verifyStart = performance.now();
      const onProgress = (p: VerifyProgress): void =>
        ctx.onProgress?.({ phase: 'verifying', percent: pct(p.bytesRead, p.bytesTotal), bytesDone: p.bytesRead, bytesTotal: p.bytesTotal, speedMBps: p.speedMBps });
      const checked = await verifyDisc(
        drive,
        image,
        work === undefined ? { onProgress } : { onProgress, signal: work },
      );
      verifyResult = 'passed';
      verifyDurationMs = Math.round(performance.now() - verifyStart);
      discSha256 = checked.sha256;
      audioReadOffsetSamples = checked.audioReadOffsetSamples;
    }
    await releaseDisc(drive, ctx, 'passed', signal, leavingDiscOf(attempt));
    const end = await ctx.store.endAttempt(attempt.id, {
      outcome: 'passed',
      endedAt: endedAt(),
      ...burned,
      averageSpeedMBps: burned.durationMs > 0 ? round2(burned.bytes / 1e6 / (burned.durationMs / 1000)) : 0,
      verifyResult,
      ...(verifyDurationMs === undefined ? {} : { verifyDurationMs }),
      ...(discSha256 === undefined ? {} : { discSha256 }),
      ...(audioReadOffsetSamples === undefined ? {} : { audioReadOffsetSamples }),
    });
    return { kind: 'passed', attempt, end, verified: verify };
  } catch (thrown) {
    const err: unknown = disproved.signal.aborted && signal?.aborted !== true ? disproved.signal.reason : thrown;
    const cancelled = err instanceof CancelledError || signal?.aborted === true;
    const error = cancelled && !(err instanceof CancelledError)
      ? attemptErrorOf(new CancelledError(`cancelled: ${attemptErrorOf(err).message}`, { device: drive.address, cause: err }))
      : attemptErrorOf(err);
    if (verify && burned !== null && error.code === 'VERIFY_MISMATCH') verifyResult = 'failed';
    await releaseDisc(drive, ctx, 'failed', undefined, leavingDiscOf(attempt));
    const end = await ctx.store.endAttempt(attempt.id, {
      outcome: cancelled ? 'cancelled' : 'failed',
      endedAt: endedAt(),
      ...(burned ?? {}),
      verifyResult,
      error,
    });
    throw new CopyFailedError(err, attempt, error, end.driveCounts);
  }
}

/**
 * Refuse, before anything is burned, a copy to be verified that this drive
 * cannot read back (a CUE image with audio on a drive that reads no audio,
 * Mode 2 Form 2 sectors): a refusal for its media, never a drive fault. A
 * run is refused such a verify when it is created; this holds for drives
 * that joined later.
 */
async function checkVerifiable(job: CopyJob, drive: Drive): Promise<void> {
  if (job.image.format !== 'cue' || job.verify.mode === 'off') return;
  const problem = await cueVerifyRefusal(job.image.path, drive.kind);
  if (problem !== null) throw new WrongMediaError(`this drive cannot verify the copy: ${problem}`, { device: drive.address });
}

function speedOf(job: CopyJob): { speed?: number } {
  return job.speed === undefined ? {} : { speed: job.speed };
}

function burnProgress(ctx: CopyContext, phase: 'burning' | 'test-burning'): (p: BurnProgress) => void {
  return (p) => ctx.onProgress?.({
    phase,
    stage: p.phase,
    percent: pct(p.bytesWritten, p.bytesTotal),
    bytesDone: p.bytesWritten,
    bytesTotal: p.bytesTotal,
    ...(p.phase === 'writing' ? { speedX: p.speedX, speedMBps: p.speedMBps } : {}),
  });
}

/** The disc is done: the loader sorts it and loads the next blank, or the tray opens for a person. */
async function releaseDisc(drive: Drive, ctx: CopyContext, verdict: DiscVerdict, signal: AbortSignal | undefined, disc: LeavingDisc): Promise<void> {
  if (ctx.afterDisc === undefined) return ejectQuietly(drive, signal);
  await ctx.afterDisc(verdict, signal?.aborted === true ? undefined : signal, disc).catch(() => undefined);
}

/** Which disc an attempt's is, for the loader sorting it. */
function leavingDiscOf(a: AttemptRecord): LeavingDisc {
  const label = a.set !== undefined ? setLabel(a.set) : a.merge?.label;
  return { runId: a.runId, copy: a.copy, attemptId: a.id, ...(label === undefined || label === '' ? {} : { label }) };
}

/** Open the tray so the disc can be taken out (or the auto-loader swaps it); errors are not the copy's. */
async function ejectQuietly(drive: Drive, signal: AbortSignal | undefined): Promise<void> {
  try {
    await drive.eject(signal?.aborted === true ? undefined : signal);
  } catch {
    // A vanished drive or a stuck tray shows up in the drive's state, not in the copy's result.
  }
}

function pct(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((done / total) * 1000) / 10) : 0;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
