/**
 * Attempt history with filters, as JSON or CSV.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { AttemptRecord } from '@tower/jobs';
import type { ApiServices, TypedApp } from '../api-services.js';
import { attemptsCsv } from '../csv.js';
import { AttemptView, doc, HistoryQuery } from '../schemas.js';
import { toAttemptView } from '../views/attempt-view.js';

/** Default and largest page of history. */
export const HISTORY_DEFAULT_LIMIT = 1000;

/** Add the history route. */
export function registerHistoryRoutes(app: TypedApp, s: ApiServices): void {
  app.get('/api/history', {
    schema: {
      tags: ['history'],
      summary: 'Attempts by start time (the newest `limit`, oldest first), JSON or CSV',
      querystring: HistoryQuery,
      produces: ['application/json', 'text/csv'],
      response: doc({ 200: Type.Array(AttemptView) }, 400, 401),
    },
  }, async (request, reply) => {
    const q = request.query;
    const from = q.from ?? -Infinity;
    const to = q.to ?? Infinity;
    const store = s.deps.runStore;
    let attempts: AttemptRecord[];
    if (q.runId !== undefined) attempts = await store.listAttempts(q.runId);
    else if (q.driveId !== undefined) attempts = await store.listAttemptsByDrive(q.driveId, from, to);
    else attempts = await store.listAttemptsBetween(from, to);
    const filtered = attempts.filter((a) => (q.driveId === undefined || a.driveId === q.driveId)
      && (q.outcome === undefined || a.outcome === q.outcome)
      && a.startedAt >= from && a.startedAt <= to);
    const limit = q.limit ?? HISTORY_DEFAULT_LIMIT;
    const page = filtered.slice(Math.max(0, filtered.length - limit));
    const meta = await s.runMeta.getMany([...new Set(page.map((a) => a.runId))]);
    const views = page.map((a) => ({ ...toAttemptView(a), runLabel: meta.get(a.runId)?.label ?? null }));
    if (q.format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="history.csv"')
        .send(attemptsCsv(views));
    }
    return views;
  });
}
