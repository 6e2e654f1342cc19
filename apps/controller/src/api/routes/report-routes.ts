/**
 * Reports: the production report (`GET /api/reports/production`, JSON or
 * CSV) and a run's certificate (`GET /api/runs/:id/certificate.pdf`).
 */
import { Type } from '@fastify/type-provider-typebox';
import { DEFAULT_SHIFTS } from '../../config/reports-config.js';
import type { ReportsConfig } from '../../config/reports-config.js';
import { productionReportCsv } from '../../reports/production-report-csv.js';
import { buildProductionReport } from '../../reports/production-report.js';
import type { ReportRunInfo } from '../../reports/production-report.js';
import { certificateFileName, loadCertificateData, renderRunCertificate } from '../../reports/run-certificate.js';
import { ProductionReport, ProductionReportQuery } from '../../shared/report-schemas.js';
import type { ProductionReportQueryInput } from '../../shared/report-schemas.js';
import { isIsoDay, zonedTimeToEpoch } from '../../shared/units.js';
import { invalidInput, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { doc, IdParams, RunId } from '../schemas.js';

/** Longest span of one production report, days. */
export const REPORT_MAX_DAYS = 400;

const DAY_MS = 86_400_000;

/** One bound of the query as epoch ms: a day is its first moment (`end`: its last) in the report's zone. */
function boundOf(field: 'from' | 'to', text: string, timeZone: string | undefined, end: boolean): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (!isIsoDay(text)) throw invalidInput(field, `${field}: '${text}' is not a date (YYYY-MM-DD)`);
  if (!end) return zonedTimeToEpoch(text, 0, timeZone);
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return zonedTimeToEpoch(next, 0, timeZone) - 1;
}

/** The report's span from the query: defaults, order, longest span. */
export function reportRange(q: ProductionReportQueryInput, now: number, timeZone: string | undefined): { from: number; to: number } {
  const to = q.to === undefined ? now : boundOf('to', q.to, timeZone, true);
  const from = q.from === undefined ? to - 7 * DAY_MS : boundOf('from', q.from, timeZone, false);
  if (from > to) throw invalidInput('from', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`);
  if (to - from > REPORT_MAX_DAYS * DAY_MS) throw invalidInput('from', `a report spans at most ${REPORT_MAX_DAYS} days: narrow from and to`);
  return { from, to };
}

/** True when an Accept header ranks `text/csv` first (by its q, then its place). */
export function prefersCsv(accept: string): boolean {
  let best = { type: '', q: 0 };
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > best.q) best = { type, q };
  }
  return best.type === 'text/csv';
}

/** Add the report routes. */
export function registerReportRoutes(app: TypedApp, s: ApiServices): void {
  const config: ReportsConfig = s.deps.reports ?? { timeZone: undefined, shifts: DEFAULT_SHIFTS };

  app.get('/api/reports/production', {
    schema: {
      tags: ['reports'],
      summary: 'Production report: good discs, coasters, yield and blanks used by day, shift, operator or drive (JSON, or CSV with format=csv or Accept: text/csv)',
      querystring: ProductionReportQuery,
      produces: ['application/json', 'text/csv'],
      response: doc({ 200: ProductionReport }, 400, 401),
    },
  }, async (request, reply) => {
    const q = request.query;
    const { from, to } = reportRange(q, s.now(), config.timeZone);
    const attempts = await s.deps.runStore.listAttemptsBetween(from, to);
    const meta = await s.runMeta.getMany([...new Set(attempts.map((a) => a.runId))]);
    const runs = new Map<string, ReportRunInfo>([...meta].map(([id, m]) => [id, { label: m.label, createdBy: m.createdBy }]));
    const report = buildProductionReport({
      attempts, runs, by: q.by ?? 'day', from, to, timeZone: config.timeZone, shifts: config.shifts, now: s.now(),
    });
    const csv = q.format === 'csv' || (q.format === undefined && prefersCsv(request.headers.accept ?? ''));
    if (csv) {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="production-by-${report.by}.csv"`)
        .send(productionReportCsv(report));
    }
    return report;
  });

  app.get('/api/runs/:id/certificate.pdf', {
    schema: {
      tags: ['runs', 'reports'],
      summary: "Run certificate (PDF): label, customer, image and its SHA-256, verify policy, counts, every disc, who started it",
      params: IdParams(RunId),
      produces: ['application/pdf'],
      response: doc({ 200: Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'the PDF' }) }, 400, 401, 404),
    },
  }, async (request, reply) => {
    await s.runControl.settle(request.params.id);
    const data = await loadCertificateData(s, request.params.id);
    if (data === null) throw notFound('run', request.params.id, 'id');
    const pdf = await renderRunCertificate(data, { timeZone: config.timeZone });
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${certificateFileName(data.run.id)}"`)
      .send(pdf);
  });
}
