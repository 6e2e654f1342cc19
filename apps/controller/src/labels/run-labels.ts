/**
 * A run's label printing (`printLabels`, `labelTemplate` of its create
 * request) and its numbered merge values (`labelMerge`: `{{merge.1}}`…):
 * checked before anything of the run is written, and kept in the run's meta
 * hash beside its label (so a run that could not be created takes them with
 * it when its meta is removed). The merge values are kept with or without
 * printing: they are the run's settings.
 */
import type { Redis } from 'ioredis';
import type { RedisSchema } from '@tower/jobs';
import { ApiError, invalidInput, notFound } from '../api/api-error.js';
import type { PrintingConfig } from '../config/printing-config.js';
import { LabelKeys } from './label-keys.js';
import { LabelTemplateStore } from './label-template-store.js';

/** What a run asked of label printing. */
export interface RunLabelRequest {
  readonly printLabels?: boolean;
  readonly labelTemplate?: string;
  readonly labelMerge?: readonly string[];
}

/** A run's printing, as kept. */
export interface RunLabelSettings {
  readonly printLabels: boolean;
  readonly labelTemplate: string | null;
  /** The run's label (`{{runLabel}}`). */
  readonly label: string | null;
  /** `{{merge.1}}`..`{{merge.N}}`, in order (none: empty). */
  readonly labelMerge: readonly string[];
}

/**
 * Check a run's printing request: with `printLabels`, printing must be
 * configured (else 422 PRINTING_NOT_CONFIGURED) and `labelTemplate` must
 * name a saved label template (400 when left out, 404 when there is none).
 * Returns what to keep, or null for a run without labels or merge values.
 */
export async function checkRunLabels(redis: Redis, keys: RedisSchema, printing: PrintingConfig | null | undefined, body: RunLabelRequest): Promise<RunLabelRequest | null> {
  const merge = body.labelMerge === undefined ? {} : { labelMerge: body.labelMerge };
  if (body.printLabels !== true) return body.labelMerge === undefined ? null : merge;
  if (printing === null || printing === undefined) {
    throw new ApiError(422, 'PRINTING_NOT_CONFIGURED', 'printLabels: no label printer is configured (tower.json printing.queue)', 'printLabels');
  }
  if (body.labelTemplate === undefined) throw invalidInput('labelTemplate', 'labelTemplate: name the label template to print with printLabels');
  if (await new LabelTemplateStore(redis, new LabelKeys(keys)).get(body.labelTemplate) === null) {
    throw notFound('label template', body.labelTemplate, 'labelTemplate');
  }
  return { printLabels: true, labelTemplate: body.labelTemplate, ...merge };
}

/** Keep a checked printing request beside the run's meta (after `RunMetaStore.put`). */
export async function saveRunLabels(redis: Redis, keys: RedisSchema, runId: string, checked: RunLabelRequest | null): Promise<void> {
  if (checked === null) return;
  if (checked.labelMerge !== undefined) await redis.hset(keys.runMeta(runId), 'labelMerge', JSON.stringify(checked.labelMerge));
  if (checked.labelTemplate === undefined) return;
  await redis.hset(keys.runMeta(runId), 'printLabels', '1', 'labelTemplate', checked.labelTemplate);
}

/** A run's printing as kept. */
export async function readRunLabels(redis: Redis, keys: RedisSchema, runId: string): Promise<RunLabelSettings> {
  const [print, template, label, merge] = await redis.hmget(keys.runMeta(runId), 'printLabels', 'labelTemplate', 'label', 'labelMerge');
  return { printLabels: print === '1', labelTemplate: template ?? null, label: label ?? null, labelMerge: parseMerge(merge ?? null) };
}

/** Kept merge values; anything but an array of strings reads as none. */
function parseMerge(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v as string[] : [];
  } catch {
    return [];
  }
}
