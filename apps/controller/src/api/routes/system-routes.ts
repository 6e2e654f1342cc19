/**
 * Health, OpenAPI document, whoami, agents and the audit log.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { HealthView } from '../../shared/api-types.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { invalidInput } from '../api-error.js';
import { principalOf } from '../auth.js';
import { AgentView, AuditEntry, AuditQuery, doc, HealthView as HealthSchema, WhoAmI } from '../schemas.js';

/** Add the system routes. */
export function registerSystemRoutes(app: TypedApp, s: ApiServices): void {
  app.get('/api/health', {
    config: { access: 'public' },
    schema: { tags: ['system'], summary: 'Liveness and Redis status', security: [], response: { 200: HealthSchema } },
  }, async (): Promise<HealthView> => {
    const redis = await Promise.race([
      s.deps.redis.ping().then(() => 'up' as const, () => 'down' as const),
      new Promise<'down'>((r) => setTimeout(() => r('down'), 2000).unref()),
    ]);
    return { ok: redis === 'up', version: s.deps.version ?? '0.1.0', redis, uptimeSeconds: Math.round((s.now() - s.startedAt) / 1000) };
  });

  app.get('/api/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true },
  }, async () => app.swagger());

  app.get('/api/whoami', {
    schema: { tags: ['system'], summary: 'Who the token belongs to', response: doc({ 200: WhoAmI }, 401) },
  }, async (request) => {
    const p = principalOf(request);
    return { name: p.name, role: p.role };
  });

  app.get('/api/agents', {
    schema: { tags: ['drives'], summary: 'Agents and their heartbeats', response: doc({ 200: Type.Array(AgentView) }, 401) },
  }, async () => s.drives.agents());

  app.get('/api/audit', {
    config: { access: 'operator' },
    schema: { tags: ['system'], summary: 'Audit log, newest first, filtered and paged', querystring: AuditQuery, response: doc({ 200: Type.Array(AuditEntry) }, 400, 401, 403) },
  }, async (request) => {
    const q = request.query;
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw invalidInput('from', `from (${q.from}) is after to (${q.to})`);
    return s.audit.list(q);
  });
}
