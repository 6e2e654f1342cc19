/**
 * The label routes' client (`/api/labels/…`) for `tower label`: the CLI's
 * HTTP client (same retries, idempotency keys and errors) with the label
 * calls, kept apart from the `ApiClient` of every other command.
 */
import type { LabelPrint, LabelTemplateRequest, LabelTemplateViewType } from '../shared/label-schemas.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { resolveConnection } from './controller-context.js';
import { HttpApiClient } from './http-api-client.js';

/** The label calls. */
export class LabelApiClient extends HttpApiClient {
  listLabelTemplates(): Promise<LabelTemplateViewType[]> {
    return this.request('GET', '/labels/templates', { expect: 'json' });
  }

  getLabelTemplate(name: string): Promise<LabelTemplateViewType> {
    return this.request('GET', `/labels/templates/${encodeURIComponent(name)}`, { expect: 'json' });
  }

  /** Save (create or replace) a label template; refused 400 when it is not valid. */
  saveLabelTemplate(name: string, request: LabelTemplateRequest): Promise<LabelTemplateViewType> {
    return this.request('PUT', `/labels/templates/${encodeURIComponent(name)}`, { body: request, expect: 'json' });
  }

  deleteLabelTemplate(name: string): Promise<void> {
    return this.request('DELETE', `/labels/templates/${encodeURIComponent(name)}`, { expect: 'none' });
  }

  /** The print log, newest first. */
  labelPrints(query: { runId?: string; limit?: number }): Promise<LabelPrint[]> {
    return this.request('GET', '/labels/prints', { query, expect: 'json' });
  }
}

/** The label client for a command's options (as `clientFor` makes the others). */
export function labelClientFor(ctx: ControllerCliContext, opts: ConnectionOptions): LabelApiClient {
  const settings = resolveConnection(ctx, opts);
  return new LabelApiClient({ url: settings.url, token: settings.token, signal: ctx.signal, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
}
