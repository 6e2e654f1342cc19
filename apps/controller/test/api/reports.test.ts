/**
 * The production report and the run certificate through the API: a real
 * run created by an operator token, finished with real attempt records;
 * the report by shift, operator and drive as JSON and CSV (by format and
 * by Accept), bad queries refused with 400; the certificate rendered and
 * read back with poppler's real `pdftotext`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHIFTS } from '../../src/config/reports-config.js';
import { call, OPERATOR, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
let runId = '';
const T = Date.parse('2026-03-02T05:00:00Z');

beforeAll(async () => {
  env = await startEnv({ deps: { reports: { timeZone: 'UTC', shifts: DEFAULT_SHIFTS } } });
  const res = await call(env, 'POST', '/api/runs', {
    body: { imageId: env.image.id, copies: 2, label: 'Order 4711 – Spring fair', customer: { name: 'ACME Records', order: 'PO-2026-17' } },
  });
  expect(res.status, res.text).toBe(201);
  runId = res.body.id;
  const base = { runId, agentId: 'agent-a', mediaType: 'CD-R' as const, imageSha256: env.image.sha256, verifyPolicy: 'all', dummyFirst: false };
  const burn = async (id: string, copy: number, driveId: string, driveLabel: string, startedAt: number, outcome: 'passed' | 'failed'): Promise<void> => {
    expect((await env.runStore.beginAttempt({ ...base, id, copy, jobId: `${runId}/${copy}`, driveId, driveLabel, startedAt })).ok).toBe(true);
    await env.runStore.endAttempt(id, outcome === 'passed'
      ? { outcome, endedAt: startedAt + 240_000, bytes: env.image.sizeBytes, verifyResult: 'passed' }
      : { outcome, endedAt: startedAt + 60_000, verifyResult: 'not-reached', error: { code: 'WRITE_FAILED', message: 'medium error', retryable: true, driveFault: true, needsOperator: false } });
  };
  // Night shift of 1 March (05:00 UTC), then the early shift of 2 March.
  await burn('cert-a1', 1, 'sim:0', 'Bay 1 (left)', T, 'failed');
  await burn('cert-a2', 1, 'sim:1', 'Bay 2 (right)', T + 3_600_000, 'passed');
  await burn('cert-a3', 2, 'sim:0', 'Bay 1 (left)', T + 3_700_000, 'passed');
});
afterAll(async () => env?.stop());

describe('production report', () => {
  const range = 'from=2026-03-01&to=2026-03-02';

  it('groups by shift: an overnight shift belongs to the day it began', async () => {
    const res = await call(env, 'GET', `/api/reports/production?${range}&by=shift`, { token: VIEWER });
    expect(res.status, res.text).toBe(200);
    expect(res.body.rows.map((r: { key: string; passed: number; coasters: number; yield: number }) => [r.key, r.passed, r.coasters, r.yield])).toEqual([
      ['2026-03-01 night', 0, 1, 0],
      ['2026-03-02 early', 2, 0, 1],
    ]);
    expect(res.body.rows[1].drives.map((d: { driveLabel: string }) => d.driveLabel)).toEqual(['Bay 1 (left)', 'Bay 2 (right)']);
    expect(res.body.rows[1].runLabels).toEqual(['Order 4711 – Spring fair']);
    expect(res.body.totals).toEqual({ passed: 2, surplus: 0, coasters: 1, yield: 0.6667, mediaUsed: { 'CD-R': 3 } });
    expect(res.body.timeZone).toBe('UTC');
    expect(res.body.from).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(res.body.to).toBe(Date.parse('2026-03-03T00:00:00Z') - 1);
  });

  it('groups by operator (the token that started the run) and keeps to the days asked', async () => {
    const res = await call(env, 'GET', `/api/reports/production?${range}&by=operator`);
    expect(res.body.rows.map((r: { key: string; passed: number }) => [r.key, r.passed])).toEqual([['olga', 2]]);
    const before = await call(env, 'GET', '/api/reports/production?from=2026-02-01&to=2026-02-28&by=day');
    expect(before.body.rows).toEqual([]);
  });

  it('answers CSV for format=csv and for Accept: text/csv, with run and drive labels', async () => {
    const csv = await call(env, 'GET', `/api/reports/production?${range}&by=drive&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('by,key,label,driveId,driveLabel,passed,surplus,coasters,yield,mediaUsed,runLabels');
    expect(lines).toContain('drive,sim:0,Bay 1 (left),,,1,0,1,0.5,CD-R 2,Order 4711 – Spring fair');
    expect(lines.at(-1)).toBe('drive,total,total,,,2,0,1,0.6667,CD-R 3,');
    const res = await fetch(`${env.url}/api/reports/production?${range}&by=day`, { headers: { authorization: `Bearer ${OPERATOR}`, accept: 'text/csv' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await res.text()).split('\r\n')[1]).toBe('day,2026-03-02,2026-03-02,,,2,0,1,0.6667,CD-R 3,Order 4711 – Spring fair');
    // JSON ranked first (as the CLI asks): JSON.
    const json = await fetch(`${env.url}/api/reports/production?${range}`, { headers: { authorization: `Bearer ${OPERATOR}`, accept: 'application/json, text/csv;q=0.9' } });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses bad queries with 400 naming the field', async () => {
    for (const [query, field] of [
      ['by=week', 'by'], ['from=2026-02-30', 'from'], ['from=yesterday', 'from'], ['to=2026-13-01', 'to'],
      ['from=2026-03-05&to=2026-03-01', 'from'], ['from=2020-01-01&to=2026-01-01', 'from'], ['format=pdf', 'format'], ['shift=night', 'shift'],
    ] as const) {
      const res = await call(env, 'GET', `/api/reports/production?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('INVALID_INPUT');
      expect(res.body.error.message, query).toMatch(new RegExp(field));
    }
    expect((await call(env, 'GET', '/api/reports/production', { token: null })).status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const docs = await call(env, 'GET', '/api/openapi.json');
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/reports/production', '/api/runs/{id}/certificate.pdf']));
  });
});

describe('customer fields', () => {
  it('are kept on the run, and refused when empty, too long or unknown', async () => {
    expect((await call(env, 'GET', `/api/runs/${runId}`, { token: VIEWER })).body.customer).toEqual({ name: 'ACME Records', order: 'PO-2026-17' });
    for (const customer of [{ name: '' }, { order: 'x'.repeat(101) }, { phone: '555' }, 'ACME']) {
      const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, customer } });
      expect(res.status, JSON.stringify(customer)).toBe(400);
      expect(res.body.error.field, JSON.stringify(customer)).toMatch(/^customer/);
    }
    expect((await call(env, 'GET', '/api/runs', { token: VIEWER })).body).toHaveLength(1);
  });

  it('travel through a template to its run', async () => {
    const saved = await call(env, 'PUT', '/api/templates/for-globex', { body: { imageId: env.image.id, copies: 1, customer: { name: 'Globex', reference: 'Hank' } } });
    expect(saved.status, saved.text).toBeLessThan(300);
    const run = await call(env, 'POST', '/api/templates/for-globex/run', { body: {} });
    expect(run.status, run.text).toBe(201);
    expect(run.body.customer).toEqual({ name: 'Globex', reference: 'Hank' });
  });
});

describe('run certificate', () => {
  it('renders the finished run as a PDF whose text names label, customer, image, hash, policy, counts, discs and who', async () => {
    expect((await call(env, 'GET', `/api/runs/${runId}`)).body.status).toBe('completed');
    const res = await fetch(`${env.url}/api/runs/${runId.slice(0, 8)}/certificate.pdf`, { headers: { authorization: `Bearer ${VIEWER}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="run-${runId}-certificate.pdf"`);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = path.join(env.dir, 'certificate.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of [
      'Run certificate', 'Order 4711 – Spring fair', 'ACME Records', 'PO-2026-17', 'Test image', env.image.sha256,
      'every disc read back and compared byte for byte with the image', '2 of 2 good discs; 1 coaster; 0 surplus; 0 cancelled',
      'Started by:', 'olga', runId, 'Bay 1 (left)', 'Bay 2 (right)', 'coaster: WRITE_FAILED', 'good, verified', 'Discs (3)',
    ]) expect(text, expected).toContain(expected);
    // One line per disc, in the order they were burned.
    const discLines = text.split('\n').filter((l) => /^\s*[12]\s+Bay/.test(l));
    expect(discLines.map((l) => l.trim().split(/\s{2,}/)[0])).toEqual(['1', '1', '2']);
  });

  it('answers 404 for a run that does not exist', async () => {
    const res = await call(env, 'GET', '/api/runs/no-such-run/certificate.pdf');
    expect(res.status).toBe(404);
  });
});
