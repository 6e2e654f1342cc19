/**
 * Disc labels through the API:
 * - `GET /api/labels/templates`, `GET /api/labels/templates/:name` (viewer);
 * - `PUT /api/labels/templates/:name` (operator): save an SVG label template,
 *   validated first (known merge fields, nothing outside the document, and it
 *   renders: 400 LABEL_TEMPLATE_INVALID naming what is wrong);
 * - `DELETE /api/labels/templates/:name` (operator);
 * - `GET /api/labels/prints` (viewer): the print log, newest first.
 */
import { Type } from '@fastify/type-provider-typebox';
import { LabelKeys } from '../../labels/label-keys.js';
import type { LabelPrinting } from '../../labels/label-printing.js';
import { LabelTemplateError } from '../../labels/label-template.js';
import { LabelTemplateStore, validateLabelTemplate } from '../../labels/label-template-store.js';
import { ToolError } from '../../labels/label-render.js';
import { PrintLog } from '../../labels/print-log.js';
import {
  LabelPrintsQuery, LabelPrintView, LabelTemplateParams, LabelTemplateRequest, LabelTemplateView,
} from '../../shared/label-schemas.js';
import type { LabelPrint, LabelTemplateViewType } from '../../shared/label-schemas.js';
import { ApiError, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { doc } from '../schemas.js';

/** Add the label routes; `printing` is null when no printer is configured (the print log is then read from Redis alone). */
export function registerLabelRoutes(app: TypedApp, s: ApiServices, printing: LabelPrinting | null): void {
  const keys = new LabelKeys(s.keys);
  const store = new LabelTemplateStore(s.deps.redis, keys, s.now);
  const log = printing?.log ?? new PrintLog(s.deps.redis, keys);
  const params = LabelTemplateParams;

  app.get('/api/labels/templates', {
    schema: { tags: ['labels'], summary: 'Label templates, by name', response: doc({ 200: Type.Array(LabelTemplateView) }, 401) },
  }, async (): Promise<LabelTemplateViewType[]> => store.list());

  app.get('/api/labels/templates/:name', {
    schema: { tags: ['labels'], summary: 'One label template', params, response: doc({ 200: LabelTemplateView }, 400, 401, 404) },
  }, async (request): Promise<LabelTemplateViewType> => {
    const t = await store.get(request.params.name);
    if (t === null) throw notFound('label template', request.params.name, 'name');
    return t;
  });

  app.put('/api/labels/templates/:name', {
    schema: {
      tags: ['labels'],
      summary: 'Save a label template (SVG with merge fields), validated first: 201 created, 200 replaced',
      params,
      body: LabelTemplateRequest,
      response: doc({ 200: LabelTemplateView, 201: LabelTemplateView }, 400, 401, 403, 503),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const { svg, description } = request.body;
    let fields: string[];
    try {
      fields = await validateLabelTemplate(svg);
    } catch (err) {
      if (err instanceof LabelTemplateError) throw new ApiError(400, 'LABEL_TEMPLATE_INVALID', err.message, 'svg');
      if (err instanceof ToolError) throw new ApiError(503, 'RENDERER_UNAVAILABLE', `label templates cannot be checked: ${err.message}`);
      throw err;
    }
    const { template, created } = await store.save(request.params.name, { svg, fields, ...(description === undefined ? {} : { description }) }, who.name);
    await s.audit.append(who, created ? 'label-template.create' : 'label-template.update', template.name, { fields: fields.join(',') });
    return reply.status(created ? 201 : 200).send(template);
  });

  app.delete('/api/labels/templates/:name', {
    schema: { tags: ['labels'], summary: 'Delete a label template (runs that print with it report each label as not printed)', params, response: doc({ 204: Type.Null() }, 400, 401, 403, 404) },
  }, async (request, reply) => {
    const who = principalOf(request);
    if (!(await store.delete(request.params.name))) throw notFound('label template', request.params.name, 'name');
    await s.audit.append(who, 'label-template.delete', request.params.name);
    return reply.status(204).send();
  });

  app.get('/api/labels/prints', {
    schema: {
      tags: ['labels'], summary: 'The label print log: each try at printing a label, newest first',
      querystring: LabelPrintsQuery, response: doc({ 200: Type.Array(LabelPrintView) }, 400, 401),
    },
  }, async (request): Promise<LabelPrint[]> => log.list(request.query.limit ?? 100, request.query.runId));
}
