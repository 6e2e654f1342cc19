/**
 * What an operator asks of a run (`CreateRunInput`), and its validation into
 * the run to store and the copy job payload its slots share (`validateRun`,
 * which throws `RunValidationError` naming the field at fault).
 */
import { randomUUID } from 'node:crypto';
import { MEDIA_SIZES, mediaClassesFor } from 'node-cdrecord-wrapper';
import type { MediaClass } from 'node-cdrecord-wrapper';
import { discMergeOf, isMergeProblem, planMerge } from './disc-merge.js';
import type { DiscMerge, MergeRequest, RunMerge } from './disc-merge.js';
import { planSet, SetProblem, setSlotOf } from './disc-set.js';
import type { RunSet, SetRequest } from './disc-set.js';
import type { CopyJob, VerifyPolicy } from './job-types.js';
import type { NewRun } from './run-records.js';
import type { RunImage } from './run-image.js';
import { storedImageProblem } from './run-image.js';
import { mergeRowOf } from './set-merge.js';

/** Largest run the planner accepts. */
export const MAX_COPIES = 10_000;

/** What an operator asks for. */
export interface CreateRunInput {
  /**
   * The run's image (the controller makes it from the library's record:
   * `runImageOf`). `sectors` defaults to `sizeBytes` in 2048-byte sectors
   * (a CUE image needs it given), `format` to `iso`.
   */
  readonly image: Omit<RunImage, 'sectors' | 'format'> & Partial<Pick<RunImage, 'sectors' | 'format'>>;
  /** Good discs wanted, 1..10000. */
  readonly copies: number;
  /** Default `{ mode: 'all' }`. */
  readonly verify?: VerifyPolicy;
  readonly speed?: number;
  /** 1 (first) .. 1000; default 100. Lower runs first (BullMQ priority). */
  readonly priority?: number;
  readonly dummyFirst?: boolean;
  readonly allowedDrives?: readonly string[];
  /** The blank media class the copies go on; default the smallest class the image fits. */
  readonly mediaClass?: MediaClass;
  /** Attempts of one copy job before it is replaced. Default 3. */
  readonly maxAttemptsPerCopy?: number;
  /** Failed attempts the run may spend. Default max(3, copies): then it stops and asks for a person. */
  readonly failureBudget?: number;
  /** Run id; default a new UUID. */
  readonly id?: string;
  /** The library image of `image`: the run and the image's reference are written in one step, and a claimed delete refuses the run. */
  readonly imageId?: string;
  /** Per-disc data (an ISO image only): each copy's disc gets its own serial. */
  readonly merge?: MergeRequest;
  /** A collated set run (disc-set.ts): its discs' images in order, disc 1 being `image`; `copies` then counts sets. */
  readonly set?: SetRequest<CreateRunInput['image']>;
}

/** A run request that cannot be planned. */
export class RunValidationError extends Error {
  readonly code = 'INVALID_RUN';
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RunValidationError';
  }
}

/** A validated run: the record to store and the job payload of its slots. */
export interface PlannedRun {
  readonly run: NewRun;
  readonly job: Omit<CopyJob, 'copy'>;
  /** A run of rows (a CSV merge): its rows, stored apart from the run (slot k = `rows[k - 1]`). */
  readonly rows?: readonly DiscMerge[];
}

/** The job payload of a stored run (without the slot). */
export function jobOf(run: NewRun): Omit<CopyJob, 'copy'> {
  return {
    runId: run.id,
    image: run.image,
    verify: run.verify,
    ...(run.speed === undefined ? {} : { speed: run.speed }),
    ...(run.dummyFirst ? { dummyFirst: true } : {}),
    ...(run.allowedDrives === undefined ? {} : { allowedDrives: run.allowedDrives }),
  };
}

/**
 * The job of copy slot `copy` of a stored run (its `replacement`-th), with the
 * slot's merge row (`row`: read with `RunStore.slotMerge`; a run of serials
 * works it out). In a set run the row is the slot's set's (set-merge.ts).
 */
export function slotJob(run: NewRun, copy: number, replacement: number, row?: DiscMerge): CopyJob {
  return {
    ...jobOf(run),
    copy,
    replacement,
    ...(run.merge === undefined ? {} : { merge: row ?? discMergeOf(run.merge, mergeRowOf(run, copy)) }),
    ...(run.set === undefined ? {} : setSlotOf(run.set, copy)),
  };
}

/** Validate a run request; throws `RunValidationError`. */
export function validateRun(input: CreateRunInput): PlannedRun {
  const bad = (field: string, message: string): never => {
    throw new RunValidationError(field, message);
  };
  const { image } = input;
  if (!Number.isSafeInteger(input.copies) || input.copies < 1 || input.copies > MAX_COPIES) {
    bad('copies', `copies must be an integer 1..${MAX_COPIES}, got ${String(input.copies)}`);
  }
  if (typeof image.path !== 'string' || image.path === '') bad('image.path', 'the image path is empty');
  if (!/^[0-9a-f]{64}$/i.test(image.sha256)) bad('image.sha256', 'the image SHA-256 must be 64 hex digits');
  if (!Number.isSafeInteger(image.sizeBytes) || image.sizeBytes <= 0) bad('image.sizeBytes', 'the image size must be a positive integer');
  const format = image.format ?? 'iso';
  if (format === 'cue' && image.sectors === undefined) bad('image.sectors', 'a CUE image needs its sectors');
  const sectors = image.sectors ?? Math.ceil(image.sizeBytes / 2048);
  const modes = image.trackModes;
  if (modes !== undefined && (format !== 'cue' || !Array.isArray(modes) || modes.length > 99 || !modes.every((m) => typeof m === 'string' && m.length > 0 && m.length <= 32))) {
    bad('image.trackModes', 'trackModes are a CUE image\'s track modes (AUDIO, MODE1/2048...), at most 99');
  }
  if (!Number.isSafeInteger(sectors) || sectors <= 0) bad('image.sectors', 'image sectors must be a positive integer');
  const toc = image.tocPath;
  if (toc !== undefined && (format !== 'cue' || typeof toc !== 'string' || !toc.startsWith('/') || !toc.endsWith('.toc') || toc.includes('\0'))) {
    bad('image.tocPath', 'tocPath is the absolute path of a CUE image\'s cdrdao TOC file (.toc)');
  }
  if (image.cdText !== undefined && (image.cdText !== true || toc === undefined)) bad('image.cdText', 'cdText is true for a CUE image whose TOC file has CD-TEXT, else absent');
  const stored = image.stored;
  const storedProblem = stored === undefined ? null : storedImageProblem(stored, format);
  if (storedProblem !== null) bad('image.stored', storedProblem);
  const fits: MediaClass[] = format === 'iso'
    ? mediaClassesFor({ format: 'iso', sizeBytes: sectors * 2048 })
    : (MEDIA_SIZES.some((m) => m.mediaClass === 'cd' && sectors <= m.sectors) ? ['cd'] : []);
  if (fits.length === 0) bad('image', `the image (${sectors} sectors) fits no media class`);
  if (input.mediaClass !== undefined && !fits.includes(input.mediaClass)) {
    bad('mediaClass', `the image (${sectors} sectors${format === 'cue' ? ', CD audio/raw' : ''}) does not go on ${input.mediaClass} media; it fits ${fits.join(', ')}`);
  }
  const mediaClass = input.mediaClass ?? fits[0];
  const set = input.set === undefined ? undefined : planSetOf(input.set, input.copies, image, mediaClass as MediaClass);
  const slots = set === undefined ? input.copies : input.copies * set.discs;
  const verify = input.verify ?? { mode: 'all' };
  if (verify.mode === 'every-nth' && !(Number.isSafeInteger(verify.n) && verify.n >= 1)) bad('verify.n', 'every-nth needs n >= 1');
  const priority = input.priority ?? 100;
  if (!Number.isSafeInteger(priority) || priority < 1 || priority > 1000) bad('priority', 'priority must be an integer 1..1000');
  const maxAttemptsPerCopy = input.maxAttemptsPerCopy ?? 3;
  if (!Number.isSafeInteger(maxAttemptsPerCopy) || maxAttemptsPerCopy < 1 || maxAttemptsPerCopy > 100) {
    bad('maxAttemptsPerCopy', 'maxAttemptsPerCopy must be an integer 1..100');
  }
  const failureBudget = input.failureBudget ?? Math.max(3, slots);
  if (!Number.isSafeInteger(failureBudget) || failureBudget < 0) bad('failureBudget', 'failureBudget must be an integer >= 0');
  if (input.speed !== undefined && !(Number.isFinite(input.speed) && input.speed > 0)) bad('speed', 'speed must be > 0');
  if (input.allowedDrives !== undefined && (input.allowedDrives.length === 0 || input.allowedDrives.some((d) => typeof d !== 'string' || d === ''))) {
    bad('allowedDrives', 'allowedDrives must name at least one drive');
  }
  let merge: RunMerge | undefined;
  let rows: readonly DiscMerge[] | undefined;
  if (input.merge !== undefined) {
    if (format !== 'iso') bad('merge', 'per-disc data goes on an ISO 9660 image, not a CUE image');
    set?.images.forEach((disc, i) => {
      if (disc.format !== 'iso') bad(`set.images[${i}]`, `disc ${i + 1}: per-disc data goes on an ISO 9660 image, not a CUE image`);
    });
    // A set run's rows are one per set (`copies` counts sets): set k carries row k on every disc.
    const planned = planMerge(input.merge, input.copies, set === undefined ? 'copy' : 'set');
    if (isMergeProblem(planned)) bad(planned.field, planned.message);
    else ({ merge, rows } = planned);
  }
  const id = input.id ?? randomUUID();
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) bad('id', 'a run id is 1..100 letters, digits, _ . -');
  if (input.imageId !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(input.imageId)) bad('imageId', 'an image id is 1..100 letters, digits, _ . -');
  const run = {
    id,
    image: {
      path: image.path, sha256: image.sha256.toLowerCase(), sizeBytes: image.sizeBytes, sectors, format,
      ...(typeof image.identity === 'string' && image.identity !== '' ? { identity: image.identity } : {}),
      ...(modes === undefined ? {} : { trackModes: [...modes] }),
      ...(toc === undefined ? {} : { tocPath: toc }),
      ...(image.cdText === true ? { cdText: true } : {}),
      ...(stored === undefined ? {} : { stored: { path: stored.path, compression: stored.compression, bytes: stored.bytes, ...(stored.bins === undefined ? {} : { bins: stored.bins.map((b) => ({ name: b.name, bytes: b.bytes, sha256: b.sha256 })) }) } }),
    },
    mediaClass: mediaClass as MediaClass,
    copies: slots,
    verify,
    ...(input.speed === undefined ? {} : { speed: input.speed }),
    priority,
    dummyFirst: input.dummyFirst === true,
    ...(input.allowedDrives === undefined ? {} : { allowedDrives: [...input.allowedDrives] }),
    maxAttemptsPerCopy,
    failureBudget,
    ...(input.imageId === undefined ? {} : { imageId: input.imageId }),
    ...(merge === undefined ? {} : { merge }),
    ...(set === undefined ? {} : { set }),
  };
  return { run, job: jobOf(run), ...(rows === undefined ? {} : { rows }) };
}

/** A set request's set, each disc's image validated as a run's of the same media class; throws `RunValidationError`. */
function planSetOf(req: SetRequest<CreateRunInput['image']>, sets: number, first: CreateRunInput['image'], mediaClass: MediaClass): RunSet {
  try {
    return planSet(req, sets, MAX_COPIES, { path: first.path, sha256: first.sha256.toLowerCase() }, (image, i) => {
      try {
        return validateRun({ image, copies: 1, mediaClass }).run.image;
      } catch (err) {
        if (err instanceof RunValidationError) throw new SetProblem(`set.images[${i}]`, `disc ${i + 1}: ${err.message}`);
        throw err;
      }
    });
  } catch (err) {
    if (err instanceof SetProblem) throw new RunValidationError(err.field, err.message);
    throw err;
  }
}
