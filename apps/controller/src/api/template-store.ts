/**
 * Run templates in Redis: one hash (`RedisSchema.templates()`), template
 * name → JSON `RunTemplate`. A save replaces the whole template in one
 * HSET, so a reader never sees half of one. Also the settings of "run
 * again": a finished run's own settings as a create request.
 */
import type { Redis } from 'ioredis';
import { mergeRowCount } from '@tower/jobs';
import type { RedisSchema, RunRecord, VerifyPolicy } from '@tower/jobs';
import type { Static } from 'typebox';
import type { VerifyPolicyInput } from '../shared/api-types.js';
import { ApiError } from './api-error.js';
import type { CreateRunRequest as CreateRunSchema } from '../shared/request-schemas.js';
import type { TemplateRequest, TemplateRunRequest } from '../shared/template-schemas.js';

/** A run's create request (`POST /api/runs`'s body). */
export type CreateRunBody = Static<typeof CreateRunSchema>;

/** A template as stored: its settings and who saved it when. */
export interface RunTemplate extends TemplateRequest {
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

/** Reads and writes the templates of one tower. */
export class TemplateStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisSchema,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every template, by name. */
  async list(): Promise<RunTemplate[]> {
    const all = await this.redis.hgetall(this.keys.templates());
    return Object.values(all).map(parseTemplate).filter((t): t is RunTemplate => t !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One template, or null. */
  async get(name: string): Promise<RunTemplate | null> {
    const text = await this.redis.hget(this.keys.templates(), name);
    return text === null ? null : parseTemplate(text);
  }

  /** Save (create or replace) a template; `created` is false when it replaced one. */
  async save(name: string, settings: TemplateRequest, by: string): Promise<{ template: RunTemplate; created: boolean }> {
    const before = await this.get(name);
    const at = this.now();
    const template: RunTemplate = { ...settings, name, createdAt: before?.createdAt ?? at, updatedAt: at, updatedBy: by };
    await this.redis.hset(this.keys.templates(), name, JSON.stringify(template));
    return { template, created: before === null };
  }

  /** Delete a template; false when there was none. */
  async delete(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.templates(), name)) === 1;
  }
}

function parseTemplate(text: string): RunTemplate | null {
  try {
    const t = JSON.parse(text) as RunTemplate;
    return typeof t.name === 'string' && typeof t.imageId === 'string' ? t : null;
  } catch {
    return null;
  }
}

/** The create request of a template's run: its settings, then the overrides given. */
export function templateRunRequest(t: RunTemplate, overrides: TemplateRunRequest = {}): CreateRunBody {
  const { name: _n, createdAt: _c, updatedAt: _u, updatedBy: _b, ...settings } = t;
  return { ...settings, ...overrides };
}

/** The API's verify input of a run's verify policy. */
export function verifyInputOf(v: VerifyPolicy): VerifyPolicyInput {
  return v.mode === 'every-nth' ? { everyNth: v.n } : v.mode;
}

/**
 * The create request of "run again": the run's image, copies, verify,
 * speed, priority, test burns, attempts per copy, media class and label, and
 * the drives it was allowed (as resolved when it was created: a group is its
 * drives of then).
 */
export function runAgainRequest(run: RunRecord, imageId: string, label: string | null): CreateRunBody {
  // Its CSV's text is not kept (its rows are, with files copied for that run only): the operator gives the CSV again.
  if (run.merge?.kind === 'rows') throw new ApiError(422, 'MERGE_CSV_NEEDED', `run ${run.id} took its discs' rows from a CSV: create a run with the CSV again (merge.csv, tower run --merge-csv)`, 'id');
  return {
    imageId,
    // A set run again: the same discs, as many sets.
    copies: run.set === undefined ? run.copies : Math.floor(run.copies / run.set.discs),
    ...(run.set?.imageIds === undefined ? {} : { set: { imageIds: [...run.set.imageIds] } }),
    verify: verifyInputOf(run.verify),
    ...(run.speed === undefined ? {} : { speed: run.speed }),
    priority: run.priority,
    ...(run.dummyFirst ? { dummyFirst: true } : {}),
    ...(run.allowedDrives === undefined ? {} : { drives: [...run.allowedDrives] }),
    maxAttemptsPerCopy: run.maxAttemptsPerCopy,
    media: run.mediaClass,
    ...(label === null ? {} : { label }),
    // The same serials again (a lost batch burned anew): the operator gives others with a new run.
    ...(run.merge?.kind !== 'serials' ? {} : {
      merge: { serials: { first: run.merge.first, last: run.merge.first + mergeRowCount(run) - 1, pad: run.merge.pad, prefix: run.merge.prefix, file: run.merge.file } },
    }),
  };
}
