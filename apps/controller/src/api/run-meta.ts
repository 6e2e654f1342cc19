/**
 * What the controller keeps beside a run in `tower:run:{id}:meta` (hash):
 * `imageId`, `imageName`, `label`, `createdBy`, `customer` (JSON); beside
 * them `labelMerge` and `cdText` (JSON) of a run that has them. (A cancel waiting for its
 * burns in flight is the run's own state now, in the run hash: see the run
 * control of @tower/jobs; a `finishing` field an earlier version wrote here is
 * ignored.)
 */
import type { Redis } from 'ioredis';
import type { RedisSchema } from '@tower/jobs';
import type { RunCdText } from '../shared/run-text-schemas.js';

/** Who a run is made for (`RunCustomerInput`). */
export interface RunCustomer {
  readonly name?: string;
  readonly order?: string;
  readonly reference?: string;
}

/** The controller's notes on a run. */
export interface RunMeta {
  readonly imageId: string;
  readonly imageName: string;
  readonly label: string | null;
  /** The API token's name that started the run. */
  readonly createdBy: string;
  readonly customer?: RunCustomer;
  /** `{{merge.1}}`.. of the run's labels (written beside the meta by labels/run-labels.ts). */
  readonly labelMerge?: readonly string[];
  /** The run's own CD-TEXT (written beside the meta by run-cd-text.ts). */
  readonly cdText?: RunCdText;
}

/** Reads and writes run meta hashes. */
export class RunMetaStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisSchema,
  ) {}

  /** Write a run's meta. */
  async put(runId: string, meta: RunMeta): Promise<void> {
    const fields: string[] = ['imageId', meta.imageId, 'imageName', meta.imageName, 'createdBy', meta.createdBy];
    if (meta.label !== null) fields.push('label', meta.label);
    if (meta.customer !== undefined && Object.keys(meta.customer).length > 0) fields.push('customer', JSON.stringify(meta.customer));
    await this.redis.hset(this.keys.runMeta(runId), ...fields);
  }

  /** Remove a run's meta (a run that could not be created). */
  async remove(runId: string): Promise<void> {
    await this.redis.del(this.keys.runMeta(runId));
  }

  /** Meta of many runs (missing: empty defaults). */
  async getMany(runIds: readonly string[]): Promise<Map<string, RunMeta>> {
    const out = new Map<string, RunMeta>();
    if (runIds.length === 0) return out;
    const pipe = this.redis.pipeline();
    for (const id of runIds) pipe.hgetall(this.keys.runMeta(id));
    const replies = (await pipe.exec()) ?? [];
    runIds.forEach((id, i) => out.set(id, metaFromHash((replies[i]?.[1] ?? {}) as Record<string, string>)));
    return out;
  }

  /** Meta of one run. */
  async get(runId: string): Promise<RunMeta> {
    return metaFromHash(await this.redis.hgetall(this.keys.runMeta(runId)));
  }
}

function metaFromHash(h: Record<string, string>): RunMeta {
  const customer = customerOf(h.customer);
  return {
    imageId: h.imageId ?? '',
    imageName: h.imageName ?? '',
    label: h.label ?? null,
    createdBy: h.createdBy ?? '',
    ...(customer === undefined ? {} : { customer }),
    ...jsonField('labelMerge', h.labelMerge, (v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')),
    ...jsonField('cdText', h.cdText, (v): v is RunCdText => typeof v === 'object' && v !== null && !Array.isArray(v)),
  };
}

/** `{ [name]: value }` of a JSON field that reads as `ok` says, else nothing (a damaged field is none). */
function jsonField<K extends string, T>(name: K, text: string | undefined, ok: (v: unknown) => v is T): { [P in K]?: T } {
  if (text === undefined) return {};
  try {
    const v: unknown = JSON.parse(text);
    return ok(v) ? { [name]: v } as { [P in K]?: T } : {};
  } catch {
    return {};
  }
}

/** The stored customer fields, strings only; a damaged field is none. */
function customerOf(text: string | undefined): RunCustomer | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const k of ['name', 'order', 'reference'] as const) if (typeof v[k] === 'string') out[k] = v[k];
    return Object.keys(out).length === 0 ? undefined : out;
  } catch {
    return undefined;
  }
}
