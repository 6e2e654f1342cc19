/**
 * Run templates and "run again":
 * - `GET /api/templates`, `GET /api/templates/:name` (viewer);
 * - `PUT /api/templates/:name` (operator): save a run's settings under a name
 *   (its image must be in the library, its drives known, a set's images and a
 *   merge's serials or rows checked as for a run: template-checks.ts);
 * - `DELETE /api/templates/:name` (operator);
 * - `POST /api/templates/:name/run` (operator): a run of the template, with
 *   overrides of its settings;
 * - `POST /api/runs/:id/again` (operator): a new run with a finished run's
 *   settings (image, copies, verify, speed, drives, priority, test burns,
 *   attempts per copy, media class, label, its set and its serials).
 * Each run starts through the same `createRun` as `POST /api/runs`, so it is
 * validated and planned the same way, and audited as `run.create` with where
 * its settings came from.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { RunView } from '../../shared/api-types.js';
import type { TemplateView as TemplateViewType } from '../../shared/template-schemas.js';
import { TemplateParams, TemplateRequest, TemplateRunRequest, TemplateView } from '../../shared/template-schemas.js';
import { ApiError, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import type { Principal } from '../auth.js';
import { doc, IdParams, RunId, RunView as RunSchema } from '../schemas.js';
import type { RunTemplate } from '../template-store.js';
import { runAgainRequest, templateRunRequest, TemplateStore } from '../template-store.js';
import { FINAL_STATUSES } from '../run-final-wait.js';
import { createRun } from './run-routes.js';
import { checkTemplate } from '../template-checks.js';
import { malwareWarning } from '../run-malware-check.js';

/** Add the template and run-again routes. */
export function registerTemplateRoutes(app: TypedApp, s: ApiServices): void {
  const store = new TemplateStore(s.deps.redis, s.keys, s.now);
  const params = TemplateParams;

  app.get('/api/templates', {
    schema: { tags: ['templates'], summary: 'Saved run templates, by name', response: doc({ 200: Type.Array(TemplateView) }, 401) },
  }, async () => (await store.list()).map((t) => templateView(s, t)));

  app.get('/api/templates/:name', {
    schema: { tags: ['templates'], summary: 'One run template', params, response: doc({ 200: TemplateView }, 400, 401, 404) },
  }, async (request) => templateView(s, await requireTemplate(store, request.params.name)));

  app.put('/api/templates/:name', {
    schema: {
      tags: ['templates'],
      summary: 'Save a run template (create, or replace the one of that name; a `set` and a `merge` checked as for a run): 201 created, 200 replaced',
      params,
      body: TemplateRequest,
      response: doc({ 200: TemplateView, 201: TemplateView }, 400, 401, 403, 404, 422),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const body = request.body;
    await checkTemplate(s, body);
    const { template, created } = await store.save(request.params.name, body, who.name);
    await s.audit.append(who, created ? 'template.create' : 'template.update', template.name, { imageId: template.imageId, copies: template.copies });
    return reply.status(created ? 201 : 200).send(templateView(s, template));
  });

  app.delete('/api/templates/:name', {
    schema: { tags: ['templates'], summary: 'Delete a run template (runs started from it are not touched)', params, response: doc({ 204: Type.Null() }, 400, 401, 403, 404) },
  }, async (request, reply) => {
    const who = principalOf(request);
    if (!(await store.delete(request.params.name))) throw notFound('template', request.params.name, 'name');
    await s.audit.append(who, 'template.delete', request.params.name);
    return reply.status(204).send();
  });

  app.post('/api/templates/:name/run', {
    schema: {
      tags: ['templates'],
      summary: 'Start a run of a template, with overrides of its settings (an empty body: as saved)',
      params,
      body: TemplateRunRequest,
      response: doc({ 201: RunSchema }, 400, 401, 403, 404, 409, 422),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const template = await requireTemplate(store, request.params.name);
    const view = await startRun(s, who, templateRunRequest(template, request.body ?? {}), { template: template.name });
    return reply.status(201).send(view);
  });

  app.post('/api/runs/:id/again', {
    schema: {
      tags: ['runs'],
      summary: 'Run a finished run again: a new run with its settings (409 RUN_NOT_FINISHED while it may still burn)',
      params: IdParams(RunId),
      response: doc({ 201: RunSchema }, 400, 401, 403, 404, 409, 422),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const id = request.params.id;
    const run = await s.deps.runStore.getRun(id);
    if (run === null) throw notFound('run', id, 'id');
    if (!FINAL_STATUSES.has(run.status)) {
      throw new ApiError(409, 'RUN_NOT_FINISHED', `run ${id} is ${run.status}: only a completed, cancelled or failed run can be run again`);
    }
    const meta = await s.runMeta.get(id);
    const imageId = run.imageId ?? meta.imageId;
    const view = await startRun(s, who, runAgainRequest(run, imageId, meta.label), { againOf: id });
    return reply.status(201).send(view);
  });
}

/** Create a run as `createRun` does for `POST /api/runs`, and audit it with where its settings came from. */
async function startRun(s: ApiServices, who: Principal, body: Parameters<typeof createRun>[1], from: Record<string, string>): Promise<RunView> {
  const view = await createRun(s, body, who.name);
  await s.audit.append(who, 'run.create', view.id, { imageId: view.imageId, copies: view.copies, verify: view.verify, priority: view.priority, label: view.label, ...from });
  // An infected or unscanned image's run under the malware policy warn is made with a warning, as POST /api/runs makes it.
  const warning = malwareWarning(s.deps.library.get(view.imageId), s.deps.library.scanner.settings.policy);
  const warnings = [...(view.warnings ?? []), ...(warning === null ? [] : [warning])];
  return warnings.length === 0 ? view : { ...view, warnings };
}

async function requireTemplate(store: TemplateStore, name: string): Promise<RunTemplate> {
  const template = await store.get(name);
  if (template === null) throw notFound('template', name, 'name');
  return template;
}

function templateView(s: ApiServices, t: RunTemplate): TemplateViewType {
  return { ...t, imageName: s.deps.library.get(t.imageId)?.name ?? null };
}
