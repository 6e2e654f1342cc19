/**
 * Runs: create (validated, then planned), list (paged), get, pause, resume,
 * cancel, report. The paging helpers here also give the feed's snapshot its
 * runs: only the runs of a page are read whole, whatever the history's length.
 */
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { Type } from '@fastify/type-provider-typebox';
import type { Static } from '@fastify/type-provider-typebox';
import { describeRedisFailure, isRedisUnavailableError } from '@tower/jobs';
import type { VerifyPolicy } from '@tower/jobs';
import type { RunReport, RunsQuery as RunsQueryInput, RunView, VerifyPolicyInput } from '../../shared/api-types.js';
import { ApiError, invalidInput, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { chooseMediaClass } from '../run-media-class.js';
import { refuseImpossibleVerify } from '../run-verify-check.js';
import { refuseImpossibleSetVerify, refuseSetMerge, setImagesOf, setImagesStillThere } from '../run-set-images.js';
import { malwareWarning, refuseUnsafeImage } from '../run-malware-check.js';
import { attemptsCsv } from '../csv.js';
import { runImageOf } from '../../library/index.js';
import { runCdTextToc } from '../run-cd-text.js';
import { checkCdTextDrives } from '../run-cd-text-drives.js';
import { checkRunLabels, saveRunLabels } from '../../labels/run-labels.js';
import { dropRunMerge, runMergeOf } from '../run-merge-csv.js';
import {
  CancelRunRequest, CreateRunRequest, doc, IdParams, ReportQuery, RunId, RunQuery, RunReport as RunReportSchema, RunsQuery, RunView as RunSchema,
} from '../schemas.js';
import { toAttemptView } from '../views/attempt-view.js';
import { DEFAULT_WAIT_MS, FINAL_STATUSES, RunFinalWaits } from '../run-final-wait.js';

/** The jobs' verify policy of an API verify input. */
export function toVerifyPolicy(v: VerifyPolicyInput | undefined): VerifyPolicy {
  if (v === undefined || v === 'all') return { mode: 'all' };
  if (v === 'off' || v === 'first-per-drive') return { mode: v };
  return { mode: 'every-nth', n: v.everyNth };
}

/** Add the run routes. */
export function registerRunRoutes(app: TypedApp, s: ApiServices): void {
  const params = IdParams(RunId);

  app.get('/api/runs', {
    schema: {
      tags: ['runs'],
      summary: 'Runs, newest first: every run, or a page (`status`, `offset`, `limit`); X-Total-Count: the runs matching `status`',
      querystring: RunsQuery,
      response: doc({ 200: Type.Array(RunSchema) }, 400, 401),
    },
  }, async (request, reply) => {
    const { runs, total } = await pageRuns(s, request.query);
    return reply.header('x-total-count', String(total)).send(runs);
  });

  app.post('/api/runs', {
    schema: { tags: ['runs'], summary: 'Create a run: N good copies of an image, or N complete collated sets of several images (`set`)', body: CreateRunRequest, response: doc({ 201: RunSchema }, 400, 401, 403, 404, 409, 422) },
  }, async (request, reply) => {
    const who = principalOf(request);
    const view = await createRun(s, request.body, who.name);
    await s.audit.append(who, 'run.create', view.id, { imageId: view.imageId, copies: view.copies, verify: view.verify, priority: view.priority, label: view.label });
    // A run the blank stock cannot cover is made all the same, with a warning (stock-store.ts); so is an unsafe image's under the malware policy warn.
    const short = await s.stock.coverageWarning(view.mediaClass, view.copies);
    const warnings = [...(view.warnings ?? []), malwareWarning(s.deps.library.get(view.imageId), s.deps.library.scanner.settings.policy), short].filter((w): w is string => w !== null);
    return reply.status(201).send(warnings.length === 0 ? view : { ...view, warnings });
  });

  const waits = new RunFinalWaits(s);
  app.addHook('preClose', async () => waits.releaseAll());
  app.get('/api/runs/:id', {
    schema: {
      tags: ['runs'],
      summary: 'One run; with `waitFor=final` the answer is held until the run is completed, cancelled or failed, or `timeoutMs` passes (a long poll)',
      params,
      querystring: RunQuery,
      response: doc({ 200: RunSchema }, 400, 401, 404),
    },
  }, async (request, reply) => {
    const { waitFor, timeoutMs } = request.query;
    if (waitFor === undefined && timeoutMs !== undefined) throw invalidInput('timeoutMs', 'timeoutMs: only with waitFor=final');
    const run = await requireRun(s, request.params.id);
    if (waitFor === undefined || FINAL_STATUSES.has(run.status)) return run;
    // The hold ends early when the client goes away.
    const left = new AbortController();
    const onClose = (): void => left.abort();
    reply.raw.once('close', onClose);
    try {
      await waits.wait(run.id, timeoutMs ?? DEFAULT_WAIT_MS, left.signal);
    } finally {
      reply.raw.off('close', onClose);
    }
    return requireRun(s, request.params.id);
  });

  app.post('/api/runs/:id/pause', {
    schema: { tags: ['runs'], summary: 'Pause a run (burns in flight finish)', params, response: doc({ 200: RunSchema }, 400, 401, 403, 404, 409) },
  }, async (request) => {
    const who = principalOf(request);
    await s.runControl.pause(request.params.id, who.name);
    await s.audit.append(who, 'run.pause', request.params.id);
    return requireRun(s, request.params.id);
  });

  app.post('/api/runs/:id/resume', {
    schema: { tags: ['runs'], summary: 'Resume a paused run', params, response: doc({ 200: RunSchema }, 400, 401, 403, 404, 409) },
  }, async (request) => {
    const who = principalOf(request);
    await s.runControl.resume(request.params.id);
    await s.audit.append(who, 'run.resume', request.params.id);
    return requireRun(s, request.params.id);
  });

  app.post('/api/runs/:id/cancel', {
    schema: { tags: ['runs'], summary: 'Cancel a run', params, body: CancelRunRequest, response: doc({ 200: RunSchema }, 400, 401, 403, 404, 409) },
  }, async (request) => {
    const who = principalOf(request);
    const inFlight = (request.body as Static<typeof CancelRunRequest> | undefined)?.inFlight ?? 'cancel';
    await s.runControl.cancel(request.params.id, inFlight, who.name);
    await s.audit.append(who, 'run.cancel', request.params.id, { inFlight });
    return requireRun(s, request.params.id);
  });

  app.get('/api/runs/:id/report', {
    schema: {
      tags: ['runs'],
      summary: 'Run report: the run and every attempt (JSON, or CSV with ?format=csv)',
      params,
      querystring: ReportQuery,
      produces: ['application/json', 'text/csv'],
      response: doc({ 200: RunReportSchema }, 400, 401, 404),
    },
  }, async (request, reply) => {
    const run = await requireRun(s, request.params.id);
    const attempts = (await s.deps.runStore.listAttempts(run.id)).map((a) => ({ ...toAttemptView(a), runLabel: run.label }));
    if (request.query.format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="run-${run.id}.csv"`)
        .send(attemptsCsv(attempts));
    }
    const report: RunReport = { run, attempts, generatedAt: s.now() };
    return report;
  });
}

/** Statuses of a run that may still burn discs. */
const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['queued', 'running', 'paused']);

/** A run of the index: its id and status (null: the run's record is gone). */
export interface IndexedRun {
  readonly id: string;
  readonly status: string | null;
}

/** True for the statuses of a run that may still burn discs (queued, running, paused). */
export function isActiveStatus(status: string | null): boolean {
  return status !== null && ACTIVE_STATUSES.has(status);
}

/**
 * Every run's id, newest first (creation time, then id, as `RunViews.list`),
 * with its status when `withStatus`: two Redis round trips, no run read whole.
 */
export async function runIndex(s: ApiServices, withStatus: boolean): Promise<IndexedRun[]> {
  const flat = await s.deps.redis.zrange(s.keys.runs(), '0', '-1', 'WITHSCORES');
  const entries: { id: string; at: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i] ?? '', at: Number(flat[i + 1]) });
  entries.sort((a, b) => b.at - a.at || a.id.localeCompare(b.id));
  if (!withStatus || entries.length === 0) return entries.map((e) => ({ id: e.id, status: null }));
  const pipe = s.deps.redis.pipeline();
  for (const e of entries) pipe.hget(s.keys.run(e.id), 'status');
  const replies = (await pipe.exec()) ?? [];
  return entries.map((e, i) => {
    const v = replies[i]?.[1];
    return { id: e.id, status: typeof v === 'string' ? v : null };
  });
}

/** The views of some runs, in the order given; runs gone meanwhile are left out. */
export async function viewRuns(s: ApiServices, ids: readonly string[]): Promise<RunView[]> {
  const views = await Promise.all(ids.map(async (id) => {
    const run = await s.deps.runStore.getRun(id);
    return run === null ? null : s.runs.view(run);
  }));
  return views.filter((v): v is RunView => v !== null);
}

/** A page of runs, newest first, and how many runs match the query's status. */
export async function pageRuns(s: ApiServices, q: RunsQueryInput): Promise<{ runs: RunView[]; total: number }> {
  const status = q.status ?? 'all';
  const index = await runIndex(s, status !== 'all');
  const matching = status === 'all' ? index : index.filter((r) => r.status !== null && isActiveStatus(r.status) === (status === 'active'));
  const offset = q.offset ?? 0;
  const page = matching.slice(offset, q.limit === undefined ? undefined : offset + q.limit);
  return { runs: await viewRuns(s, page.map((r) => r.id)), total: matching.length };
}

async function requireRun(s: ApiServices, runId: string): Promise<RunView> {
  await s.runControl.settle(runId);
  const run = await s.runs.get(runId);
  if (run === null) throw notFound('run', runId, 'id');
  return run;
}

/**
 * Validate a request against the library and the drives, then plan it. Nothing
 * is written before it is valid. The run holds its image from the moment it
 * is stored (the run store writes the run and the image's reference in one
 * script, refused while a delete of the image holds it), and its jobs are
 * queued only once the image is seen still there: a delete racing it either
 * finds the run and answers 409, or wins and this answers 404/409 with
 * nothing left behind. `id`: the new run's id (a hot-folder job's, chosen
 * when it was claimed); default a fresh UUID.
 */
export async function createRun(s: ApiServices, body: Static<typeof CreateRunRequest>, createdBy: string, id: string = randomUUID()): Promise<RunView> {
  const { library, planner } = s.deps;
  const image = library.get(body.imageId);
  if (image === undefined) throw notFound('image', body.imageId, 'imageId');
  refuseUnsafeImage(image, library.scanner.settings.policy);
  const imagePath = library.imagePath(image.id);
  if (image.mediaClass === undefined || image.mediaSizes.length === 0) {
    throw new ApiError(422, 'IMAGE_TOO_LARGE', `image ${image.id} fits no media class`, 'imageId');
  }
  const held = body.media === undefined ? (await s.drives.list()).map((d) => d.mediaType) : [];
  const mediaClass = chooseMediaClass(image.id, image.format === 'cue' ? image.mediaSizes.filter((m) => m.startsWith('cd')) : image.mediaSizes, body.media, held);
  const set = body.set === undefined ? undefined : setImagesOf(library, body.set.imageIds, body.copies, image.id, mediaClass, library.scanner.settings.policy);
  if (set !== undefined && body.merge !== undefined) refuseSetMerge(set);
  let allowedDrives: string[] | undefined;
  if (body.drives !== undefined) {
    const known = await s.drives.knownDriveIds();
    const ids = new Set<string>();
    body.drives.forEach((d, i) => {
      const group = s.drives.group(d);
      if (known.has(d)) ids.add(d);
      else if (group.length > 0) group.forEach((g) => ids.add(g));
      else throw invalidInput(`drives[${i}]`, `drives[${i}]: no drive or group named "${d}"`);
    });
    allowedDrives = [...ids].sort();
  }
  if (image.format === 'cue' && toVerifyPolicy(body.verify).mode !== 'off') {
    await refuseImpossibleVerify(image.id, imagePath, allowedDrives ?? (await s.drives.list()).map((d) => d.id), image.storage === undefined ? undefined : image.tracks);
  }
  if (set !== undefined && toVerifyPolicy(body.verify).mode !== 'off') {
    await refuseImpossibleSetVerify(set, library, allowedDrives ?? (await s.drives.list()).map((d) => d.id));
  }
  // Copies with CD-TEXT go only to drives declared to write it: refused on named drives that do not, else a warning.
  const cdTextWarning = await checkCdTextDrives(s, set?.images ?? [runImageOf(image, imagePath)], body.cdText !== undefined, mediaClass, allowedDrives);
  const labels = await checkRunLabels(s.deps.redis, s.keys, s.deps.printing, body);
  // Checked (and a CSV's files copied into the run's folder) before anything of the run is written.
  // A set run's rows are one per set (set k carries row k on every disc): each must fit with the set's largest disc.
  const largest = Math.max(image.sizeBytes, ...(set?.records.map((r) => r.sizeBytes) ?? []));
  const merge = await runMergeOf(s, body.merge, id, body.copies, { sizeBytes: largest, mediaClass }, set === undefined ? 'copy' : 'set');
  // The run's own CD-TEXT: checked, and the image's TOC written with it into the run's folder.
  const cdTextToc = await runCdTextToc(s, id, image, imagePath, body.cdText, body.set !== undefined);
  await s.runMeta.put(id, { imageId: image.id, imageName: image.name, label: body.label ?? null, createdBy, ...(body.customer === undefined ? {} : { customer: body.customer }) });
  await saveRunLabels(s.deps.redis, s.keys, id, labels);
  const runImage = { ...runImageOf(image, imagePath), ...cdTextToc };
  const imageStillThere = async (): Promise<boolean> => library.get(image.id) !== undefined && (await access(runImage.stored?.path ?? imagePath).then(() => true, () => false));
  try {
    const run = await planner.createRun({
      id,
      imageId: image.id,
      image: runImage,
      copies: body.copies,
      verify: toVerifyPolicy(body.verify),
      mediaClass,
      ...(body.speed === undefined ? {} : { speed: body.speed }),
      ...(body.priority === undefined ? {} : { priority: body.priority }),
      ...(body.dummyFirst === undefined ? {} : { dummyFirst: body.dummyFirst }),
      ...(allowedDrives === undefined ? {} : { allowedDrives }),
      ...(body.maxAttemptsPerCopy === undefined ? {} : { maxAttemptsPerCopy: body.maxAttemptsPerCopy }),
      ...(merge === undefined ? {} : { merge }),
      ...(set === undefined ? {} : { set: { images: set.images, imageIds: set.imageIds } }),
    }, { imageStillThere: async () => (await imageStillThere()) && (set === undefined || (await setImagesStillThere(set, library))) });
    const view = await s.runs.view(run);
    return cdTextWarning === null ? view : { ...view, warnings: [cdTextWarning] };
  } catch (err) {
    if (isRedisUnavailableError(err)) {
      abandonRun(s, id, err);
      throw err;
    }
    if ((await s.deps.runStore.getRun(id)) === null) {
      await s.runMeta.remove(id);
      if (merge?.rows !== undefined) await dropRunMerge(s, id);
    }
    throw err;
  }
}

/**
 * A run whose creation failed because Redis went away part-way (answered
 * 503): whatever of it reached Redis, then or when Redis answers again, is
 * cancelled, now or as soon as Redis is back, so it is never carried out.
 * Through the planner's connection, behind the creation's own commands.
 */
function abandonRun(s: ApiServices, runId: string, cause: unknown): void {
  const reason = `not created: Redis became unreachable while the run was created (${describeRedisFailure(cause)}), and the request was answered 503`;
  s.redisGuard.later(`abandon-run:${runId}`, async () => {
    await s.deps.planner.cancelRun(runId, reason);
    if ((await s.deps.planner.store.getRun(runId)) === null) await s.runMeta.remove(runId);
  });
}
