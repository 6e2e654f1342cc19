/**
 * Job files of a hot folder, parsed as untrusted input into a `JobRequest`:
 * which image (a library id, a path inside the import roots, or a saved
 * template) and the run's settings. Two formats, by the file's extension:
 *
 * - `.json`: one object, `HotFolderJob` below (unknown fields refused);
 * - `.jrq`: PTBurn-style `Key=Value` lines (jrq-format.ts).
 *
 * Anything wrong throws `JobFileError` with the reason, in words.
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import { ImageId, RUN_SETTINGS } from '../shared/request-schemas.js';
import { TemplateName } from '../shared/template-schemas.js';
import { checkedJob, JobFileError } from './job-request.js';
import type { JobRequest } from './job-request.js';
import { parseJrq } from './jrq-format.js';
import { checkedSet, MAX_JOB_SET_DISCS } from './set-job.js';

export { checkedJob, JobFileError };
export type { JobRequest };

/** The largest job file read, bytes (a job file is a few lines). */
export const MAX_JOB_FILE_BYTES = 64 * 1024;

/**
 * A `.json` job: exactly one of `imageId`, `imagePath` (inside the library's
 * import roots; imported into the library first), `template` or `set` (a
 * collated set run: `{ "imageIds": [...] }` or `{ "imagePaths": [...] }`, the
 * discs in order; set-job.ts); `copies` (required unless a template gives
 * it; of a set: complete sets) and the other settings as in `POST /api/runs`.
 */
export const HotFolderJob = Type.Object({
  imageId: Type.Optional(ImageId),
  imagePath: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  template: Type.Optional(TemplateName),
  copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  ...RUN_SETTINGS,
  /** A collated set run (instead of imageId/imagePath/template): its discs in order, as library ids or as paths to import; `copies` counts sets. */
  set: Type.Optional(Type.Object({
    imageIds: Type.Optional(Type.Array(ImageId, { minItems: 1, maxItems: MAX_JOB_SET_DISCS })),
    imagePaths: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1, maxItems: MAX_JOB_SET_DISCS })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

/** The job formats, by extension (lower case). */
export const JOB_EXTENSIONS = ['.json', '.jrq'] as const;

/** Parse a job file's text; `name` gives its format by extension. Throws `JobFileError`. */
export function parseJobFile(name: string, text: string): JobRequest {
  const lower = name.toLowerCase();
  if (lower.endsWith('.jrq')) return parseJrq(text);
  if (lower.endsWith('.json')) return parseJsonJob(text);
  throw new JobFileError(`${name}: not a job file (${JOB_EXTENSIONS.join(' or ')})`);
}

/** What the fields that take one of several forms must be, in words. */
const UNION_WORDS: Record<string, string> = {
  verify: "'all', 'first-per-drive', 'off' or { \"everyNth\": n } (n 1..1000)",
  media: "'cd', 'dvd', 'dvd-dl', 'bd' or 'bd-dl'",
};

/** Parse a `.json` job. Throws `JobFileError`. */
export function parseJsonJob(text: string): JobRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JobFileError(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new JobFileError('a JSON job file must hold one object');
  const errors = Value.Errors(HotFolderJob, raw);
  const extra = errors.map((e) => (e.params as { additionalProperties?: string[] }).additionalProperties).find((a) => a !== undefined);
  if (extra !== undefined) throw new JobFileError(`unknown field ${extra.map((f) => `'${f}'`).join(', ')}`);
  const first = errors.find((e) => e.keyword !== 'boolean');
  if (first !== undefined) {
    const field = first.instancePath.slice(1).split('/')[0] ?? '';
    const where = first.instancePath === '' ? '(top level)' : first.instancePath.slice(1).replaceAll('/', '.');
    throw new JobFileError(field in UNION_WORDS ? `${field}: must be ${UNION_WORDS[field]}` : `${where}: ${first.message}`);
  }
  const { imageId, imagePath, template, set, ...settings } = raw as Static<typeof HotFolderJob>;
  return checkedJob({ imageId, imagePath, template, set: set === undefined ? undefined : checkedSet(set) }, settings, []);
}
