/**
 * The run store: runs and attempts in Redis, and the only place that counts
 * good discs. Every write is one atomic Lua script (see run-store-scripts.ts).
 *
 * Counting rule: a run's `passed` is the number of distinct copy slots with a
 * passed attempt, capped at N; any other good disc is surplus. Attempts are
 * written before the burn starts (`beginAttempt`) and closed once
 * (`endAttempt`); a closed attempt is never rewritten.
 *
 * What it answers and throws is defined in attempt-results.ts and
 * image-delete-claim.ts, and exported from here too.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BeginRefusal, BeginResult, DriveCounts, EndResult, LeaseGuard } from './attempt-results.js';
import { AttemptClosedError } from './attempt-results.js';
import { IMAGE_DELETE_CLAIM_TTL_MS, RunImageGoneError } from './image-delete-claim.js';
import type { ImageDeleteClaim } from './image-delete-claim.js';
import type { DiscMerge } from './disc-merge.js';
import { slotMergeOf } from './merge-rows.js';
import { RedisSchema } from './protocol/redis-schema.js';
import { evalScript } from './redis-script.js';
import {
  attemptEndToFields, attemptFromHash, attemptStartToFields, runFromHash, runToHash,
} from './run-records.js';
import type { AttemptEnd, AttemptRecord, AttemptStart, NewRun, RunRecord, RunStatus } from './run-records.js';
import { RUN_CONTROL } from './run-control.js';
import type { RunControlAction, RunControlResult, RunControlState } from './run-control.js';
import {
  BEGIN_ATTEMPT, CLAIM_IMAGE_DELETE, CREATE_RUN, DISCARD_RUN, DRIVE_COUNTS, END_ATTEMPT, END_INTERRUPTED, RELEASE_IMAGE_DELETE, SET_RUN_STATUS,
} from './run-store-scripts.js';

export * from './attempt-results.js';
export * from './image-delete-claim.js';

/** Options of the run store. */
export interface RunStoreOptions {
  /** Key prefix; default `tower`. */
  readonly prefix?: string;
  /** Clock in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
}

/** Runs and attempts in Redis. The caller owns the connection. */
export class RunStore {
  readonly keys: RedisSchema;
  readonly #redis: Redis;
  readonly #now: () => number;

  constructor(redis: Redis, options: RunStoreOptions = {}) {
    this.#redis = redis;
    this.keys = new RedisSchema(options.prefix);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Store a new run (status `queued`). Returns false when a run with this id
   * exists. A run of a library image (`imageId`) joins the image's run set in
   * the same step, or is refused with `RunImageGoneError` while the image's
   * delete is claimed (`claimImageDelete`).
   */
  async createRun(run: NewRun): Promise<boolean> {
    const now = this.#now();
    const fields = Object.entries(runToHash(run, now)).flat();
    const keys = [this.keys.run(run.id), this.keys.runs()];
    const imageIds = runImageIds(run);
    for (const id of imageIds) keys.push(this.keys.imageRuns(id), this.keys.imageDeleting(id));
    const created = Number(await this.#eval(CREATE_RUN, keys, [run.id, String(now), ...fields]));
    if (created < 0) throw new RunImageGoneError(imageIds[-created - 1] ?? run.imageId ?? '', 'deleting');
    return created === 1;
  }

  /**
   * Take back a run just created whose jobs were never queued (a `queued`
   * run without attempts): record, index entry and image reference.
   * Returns true when removed.
   */
  async discardRun(runId: string): Promise<boolean> {
    const run = await this.getRun(runId);
    const images = run === null ? [''] : runImageIds(run);
    const removed = await this.#eval(DISCARD_RUN, [this.keys.run(runId), this.keys.runs(), ...(images.length === 0 ? [''] : images).map((id) => this.keys.imageRuns(id))], [runId]);
    return removed === 1;
  }

  /**
   * Claim a library image for deletion, atomically with run creation: refused
   * while an unfinished run uses it (`in-use`, naming the run) or another
   * delete holds it; while the claim is held, `createRun` refuses runs of the
   * image. Give it back with `releaseImageDelete` once the files are gone (or
   * the delete failed); it lapses by itself after `ttlMs`.
   */
  async claimImageDelete(imageId: string, ttlMs = IMAGE_DELETE_CLAIM_TTL_MS): Promise<ImageDeleteClaim> {
    const token = randomUUID();
    const [status, runId] = (await this.#eval(CLAIM_IMAGE_DELETE, [this.keys.imageRuns(imageId), this.keys.imageDeleting(imageId)], [
      this.keys.run(''), token, String(Math.max(1, Math.round(ttlMs))),
    ])) as [string, string];
    if (status === 'ok') return { ok: true, token };
    if (status === 'in-use') return { ok: false, reason: 'in-use', runId };
    return { ok: false, reason: 'deleting' };
  }

  /** Give back a claim of `claimImageDelete` (a claim since lapsed and taken by another is left alone). */
  async releaseImageDelete(imageId: string, token: string): Promise<void> {
    await this.#eval(RELEASE_IMAGE_DELETE, [this.keys.imageDeleting(imageId)], [token]);
  }

  /** Runs created for a library image (finished ones too, until the image's delete is claimed). */
  async imageRunIds(imageId: string): Promise<string[]> {
    return this.#redis.smembers(this.keys.imageRuns(imageId));
  }

  /**
   * One run control transition (run-control.ts), atomically: the run's state
   * is read and the new one written in one script, so of racing requests
   * exactly one finds the state it needs. `reason`: why it was paused or
   * cancelled; `waitingReason`: shown while a cancel waits for its burns in
   * flight. Nothing is done to the queues here (the planner does that).
   */
  async controlRun(runId: string, action: RunControlAction, options: { reason?: string; waitingReason?: string } = {}): Promise<RunControlResult> {
    const reason = options.reason ?? (action === 'pause' ? 'paused' : 'cancelled');
    const [status, a, b] = (await this.#eval(RUN_CONTROL, [this.keys.run(runId)], [
      action, String(this.#now()), reason, options.waitingReason ?? `${reason}: letting the burns in flight finish`,
    ])) as [string, string, string];
    if (status === 'ok') return { ok: true, from: a as RunControlState, to: b as RunControlState };
    return { ok: false, found: a as RunControlState | 'missing' };
  }

  /** A run, or null. */
  async getRun(runId: string): Promise<RunRecord | null> {
    return runFromHash(await this.#redis.hgetall(this.keys.run(runId)));
  }

  /** Run ids, oldest first. */
  async listRunIds(): Promise<string[]> {
    return this.#redis.zrange(this.keys.runs(), '0', '-1');
  }

  /** A run's status, or null when there is no such run. */
  async getRunStatus(runId: string): Promise<RunStatus | null> {
    return (await this.#redis.hget(this.keys.run(runId), 'status')) as RunStatus | null;
  }

  /** The copy slots that had a failed attempt, ascending. */
  async failedSlots(runId: string): Promise<number[]> {
    return (await this.#redis.hkeys(this.keys.runLastFailure(runId))).map(Number).sort((a, b) => a - b);
  }

  /** The copy slots with a counted passed attempt, ascending. */
  async passedSlots(runId: string): Promise<number[]> {
    const slots = await this.#redis.smembers(this.keys.runPassed(runId));
    return slots.map(Number).sort((a, b) => a - b);
  }

  /**
   * Change a run's status, only from one of `from` when given.
   * Returns true when it changed.
   */
  async setRunStatus(runId: string, status: RunStatus, options: { from?: readonly RunStatus[]; reason?: string } = {}): Promise<boolean> {
    const prev = await this.#eval(SET_RUN_STATUS, [this.keys.run(runId)], [
      status, String(this.#now()), options.reason ?? '', ...(options.from ?? []),
    ]);
    return typeof prev === 'string';
  }

  /** Count one more replacement job for a run; returns its number k (1, 2...). */
  async nextReplacement(runId: string): Promise<number> {
    return this.#redis.hincrby(this.keys.run(runId), 'replacements', 1);
  }

  /**
   * Record the start of an attempt, before anything is written to the disc.
   * Refuses (and records nothing) when the run is missing, paused, cancelled,
   * completed or failed, or the slot already has a counted pass.
   */
  async beginAttempt(start: AttemptStart): Promise<BeginResult> {
    const k = this.keys;
    const reply = (await this.#eval(BEGIN_ATTEMPT, [
      k.run(start.runId), k.runPassed(start.runId), k.attempt(start.id), k.runAttempts(start.runId), k.attemptsByTime(),
      k.driveAttempts(start.driveId), k.agentOpenAttempts(start.agentId), k.runDriveOrdinals(start.runId),
    ], [start.id, String(start.copy), String(start.startedAt), start.driveId, ...attemptStartToFields(start)])) as [string, number];
    const [status, ordinal] = reply;
    if (status !== 'ok') return { ok: false, reason: status as BeginRefusal };
    return { ok: true, driveOrdinal: ordinal, attempt: { ...start, driveOrdinal: ordinal } };
  }

  /**
   * Close an open attempt. Throws `AttemptClosedError` when it is closed
   * already or unknown: nothing is rewritten and nothing counted twice.
   */
  async endAttempt(attemptId: string, end: AttemptEnd): Promise<EndResult> {
    const [runId, agentId] = await this.#redis.hmget(this.keys.attempt(attemptId), 'runId', 'agentId');
    if (runId === null || runId === undefined || agentId === null || agentId === undefined) {
      throw new AttemptClosedError(attemptId, 'missing');
    }
    const k = this.keys;
    const reply = (await this.#eval(END_ATTEMPT, [
      k.attempt(attemptId), k.run(runId), k.runPassed(runId), k.agentOpenAttempts(agentId), k.runLastFailure(runId), k.driveCounts(),
      k.blankStock(),
    ], [end.outcome, String(end.endedAt), ...attemptEndToFields(end)])) as [string, number, number, number, number, number, number];
    const [status, counted, surplus, completed, passed, drivePassed, driveFailed] = reply;
    if (status !== 'ok') throw new AttemptClosedError(attemptId, status === 'closed' ? 'closed' : 'missing');
    const driveCounts = drivePassed >= 0 && driveFailed >= 0 ? { passed: drivePassed, failed: driveFailed } : null;
    return { counted: counted === 1, surplus: surplus === 1, runCompleted: completed === 1, passed, driveCounts };
  }

  /**
   * Close every open attempt of an agent as `interrupted` (its disc is a
   * coaster), as the lease on the agent id allows (see agent-lease.ts): the
   * agent itself once it holds the lease (`{ owner: lease.value }`), before
   * its workers run; the controller for an agent it declared dead only when
   * nobody holds the lease (`{ expired: true }`). The lease is checked with
   * each attempt, in the script that closes it, and the first refusal ends
   * the pass. Returns the attempts closed.
   */
  async closeInterruptedAttempts(agentId: string, guard: LeaseGuard, reason = 'the agent stopped during this attempt'): Promise<string[]> {
    const ids = await this.#redis.smembers(this.keys.agentOpenAttempts(agentId));
    const closed: string[] = [];
    const k = this.keys;
    const guardArgs = 'owner' in guard ? ['owner', guard.owner] : ['expired', ''];
    const end: AttemptEnd = {
      outcome: 'interrupted',
      endedAt: this.#now(),
      error: {
        code: 'INTERRUPTED',
        message: `${reason}: the disc is a coaster, remove it from the drive`,
        retryable: true,
        driveFault: false,
        needsOperator: true,
      },
    };
    for (const id of ids.sort()) {
      const runId = await this.#redis.hget(k.attempt(id), 'runId');
      if (runId === null) {
        await this.#redis.srem(k.agentOpenAttempts(agentId), id);
        continue;
      }
      const [status] = (await this.#eval(END_INTERRUPTED, [
        k.attempt(id), k.run(runId), k.runPassed(runId), k.agentOpenAttempts(agentId), k.runLastFailure(runId), k.driveCounts(),
        k.blankStock(), k.agentLease(agentId),
      ], ['interrupted', String(end.endedAt), ...attemptEndToFields(end), ...guardArgs])) as [string];
      if (status === 'ok') closed.push(id);
      else if (status === 'closed' || status === 'missing') await this.#redis.srem(k.agentOpenAttempts(agentId), id);
      else break; // 'lease-held' / 'not-owner': not ours to close
    }
    return closed;
  }

  /** Open attempt ids of an agent. */
  async openAttempts(agentId: string): Promise<string[]> {
    return this.#redis.smembers(this.keys.agentOpenAttempts(agentId));
  }

  /** Drive id of the last failed attempt of a copy slot, or null. */
  async lastFailedDrive(runId: string, copy: number): Promise<string | null> {
    return this.#redis.hget(this.keys.runLastFailure(runId), String(copy));
  }

  /** What copy slot `copy` of `run` carries of its own (merge-rows.ts): its serial, or its row read back. */
  async slotMerge(run: Pick<NewRun, 'id' | 'merge' | 'set'>, copy: number): Promise<DiscMerge | undefined> {
    return slotMergeOf(this.#redis, this.keys, run, copy);
  }

  /** One attempt, or null. */
  async getAttempt(attemptId: string): Promise<AttemptRecord | null> {
    return attemptFromHash(await this.#redis.hgetall(this.keys.attempt(attemptId)));
  }

  /** A run's attempts by start time. */
  async listAttempts(runId: string): Promise<AttemptRecord[]> {
    return this.#attempts(await this.#redis.zrange(this.keys.runAttempts(runId), '0', '-1'));
  }

  /** A drive's attempts by start time, optionally within [from, to] (ms). */
  async listAttemptsByDrive(driveId: string, from = -Infinity, to = Infinity): Promise<AttemptRecord[]> {
    return this.#attempts(await this.#redis.zrangebyscore(this.keys.driveAttempts(driveId), bound(from), bound(to)));
  }

  /**
   * Passed and failed (or interrupted) attempts of each drive, all time: one
   * read of the drive counts hash; a drive not in it yet is counted from its
   * history once (DRIVE_COUNTS) and kept up by every attempt end after that.
   */
  async driveCounts(driveIds: readonly string[]): Promise<Map<string, DriveCounts>> {
    const out = new Map<string, DriveCounts>();
    if (driveIds.length === 0) return out;
    const fields = driveIds.flatMap((id) => [`passed:${id}`, `failed:${id}`]);
    const values = await this.#redis.hmget(this.keys.driveCounts(), ...fields);
    const missing: string[] = [];
    driveIds.forEach((id, i) => {
      const passed = values[2 * i];
      const failed = values[2 * i + 1];
      if (passed == null || failed == null) missing.push(id);
      else out.set(id, { passed: Number(passed), failed: Number(failed) });
    });
    await Promise.all(missing.map(async (id) => {
      const [passed, failed] = (await this.#eval(DRIVE_COUNTS, [this.keys.driveCounts(), this.keys.driveAttempts(id)], [
        id, this.keys.attempt(''),
      ])) as [number, number];
      out.set(id, { passed, failed });
    }));
    return out;
  }

  /** Every attempt started within [from, to] (ms), by start time. */
  async listAttemptsBetween(from = -Infinity, to = Infinity): Promise<AttemptRecord[]> {
    return this.#attempts(await this.#redis.zrangebyscore(this.keys.attemptsByTime(), bound(from), bound(to)));
  }

  #eval(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return evalScript(this.#redis, script, keys, args);
  }

  async #attempts(ids: string[]): Promise<AttemptRecord[]> {
    if (ids.length === 0) return [];
    const pipe = this.#redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.attempt(id));
    const replies = (await pipe.exec()) ?? [];
    const out: AttemptRecord[] = [];
    for (const [err, h] of replies) {
      if (err) throw err;
      const a = attemptFromHash(h as Record<string, string>);
      if (a !== null) out.push(a);
    }
    return out;
  }
}

function bound(v: number): string {
  return v === -Infinity ? '-inf' : v === Infinity ? '+inf' : String(v);
}

/** The library images a run holds: its image's, and a set run's discs' (each once, in order). */
function runImageIds(run: Pick<NewRun, 'imageId' | 'set'>): string[] {
  const ids = [...(run.imageId === undefined ? [] : [run.imageId]), ...(run.set?.imageIds ?? [])];
  return [...new Set(ids)];
}
